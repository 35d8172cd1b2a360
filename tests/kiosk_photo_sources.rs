//! GUI tests of the two photo sources beside the chip, driven through the real screens with
//! egui_kittest against the demo kiosk and the in-process fake iProov service: a chip that
//! cannot be read → "Use the photo page" → Review says `oid` → enrolled with `source=oid`;
//! a page of another document stops; the photo on file (`selfie`) end to end.
//!
//! The photo page's capture is a fixed page image (`capture::FixedPage`). The `oid` flow reads
//! the demo passport's photo page (`assets/demo-page.jpg`) with the kiosk's own reader: the
//! Tesseract MRZ OCR and the portrait crop. The other-document flow uses a test double
//! standing in for the OCR only: it crops nothing and "reads" the MRZ it is given, while the
//! portrait is the page image made upload-ready by `face::prepare`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kiosk_common;

use std::sync::Arc;
use std::time::Duration;

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use enrol_kiosk::capture::FixedPage;
use enrol_kiosk::enrol::page_reader::OcrPageReader;
use enrol_kiosk::enrol::{
    DemoCard, Offer, PageReader, PageReadout, PhotoFailure, PhotoSources, Stage,
};
use enrol_kiosk::face::EncodePolicy;
use enrol_kiosk::kiosk::{KioskApp, demo_app};
use enrol_kiosk::mrz::{Mrz, MrzFormat};
use enrol_kiosk::page::{MrzBand, PageMrz};
use enrol_kiosk::sim::{Behaviour, Profile};
use kiosk_common::Drive;
use zeroize::Zeroizing;

const CONSENT: &str = "The customer consents to enrolling their face with iProov";
const PAGE: &[u8] = include_bytes!("../assets/demo-face.jpg");
/// The demo passport's photo page, as the kiosk's demo scanner holds it.
const DEMO_PAGE: &[u8] = include_bytes!("../assets/demo-page.jpg");
const OTHER_MRZ: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                         L898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// Stands in for the OCR: the page "shows" `mrz`; the portrait is the page made ready.
struct GivenMrz(String);

impl PageReader for GivenMrz {
    fn read(&self, page: &[u8]) -> Result<PageReadout, PhotoFailure> {
        let face = enrol_kiosk::face::prepare(page, None, &EncodePolicy::default()).unwrap();
        let band = MrzBand {
            format: MrzFormat::Td3,
            first_line_start: (0.0, 0.0),
            first_line_end: (1.0, 0.0),
            line_pitch: 1.0,
            angle_deg: 0.0,
        };
        let lines = self.0.lines().map(str::to_owned).collect();
        let parsed = Some(Mrz::parse(&self.0).unwrap());
        let mrz = PageMrz { lines: Zeroizing::new(lines), parsed, problems: vec![], band };
        Ok(PageReadout { mrz, face, expired: false })
    }
}

struct Kiosk {
    h: Harness<'static, KioskApp>,
    _dir: tempfile::TempDir,
}

/// What the scanner holds and how it is read.
enum Page<'a> {
    /// The demo passport's photo page, read by the kiosk's OCR reader.
    Demo,
    /// A page whose MRZ "reads" as this text (the test double).
    Shows(&'a str),
}

/// The demo kiosk; with `page`, a photo page source and a chip whose first read fails in a way
/// a retry won't fix (its DG2 declares 4 GB).
fn kiosk(page: Option<Page>) -> Kiosk {
    let dir = tempfile::tempdir().unwrap();
    let mut card = DemoCard::new(Profile::demo().unwrap());
    if page.is_some() {
        let evil = Behaviour { evil_file: Some("EF.DG2".into()), ..Behaviour::default() };
        card = card.with_first_behaviour(evil);
    }
    let mut app =
        demo_app(card, &dir.path().join("records.sqlite"), Duration::from_secs(600)).unwrap();
    if let Some(page) = page {
        let (bytes, reader): (&[u8], Arc<dyn PageReader>) = match page {
            Page::Demo => (DEMO_PAGE, Arc::new(OcrPageReader)),
            Page::Shows(mrz) => (PAGE, Arc::new(GivenMrz(mrz.to_owned()))),
        };
        let page = FixedPage::new(Zeroizing::new(bytes.to_vec())).unwrap();
        let sources =
            PhotoSources { capture: Some(Box::new(page)), on_file: None, reader: Some(reader) };
        app.executor_mut().set_photo_sources(sources).unwrap();
        let offer = app.executor().photo_offer();
        assert_eq!(offer, Offer { photo_page: true, photo_on_file: false });
        app = app.with_offer(offer);
    }
    let h = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_state(|ctx, app: &mut KioskApp| app.ui(ctx), app);
    Kiosk { h, _dir: dir }
}

impl Drive for Kiosk {
    fn harness(&self) -> &Harness<'static, KioskApp> {
        &self.h
    }
    fn harness_mut(&mut self) -> &mut Harness<'static, KioskApp> {
        &mut self.h
    }
}

impl Kiosk {
    /// Types the demo MRZ and lets the chip read fail.
    fn chip_fails(&mut self) {
        self.to_place_passport();
        assert!(self.has("No chip / chip unreadable"), "offered on the place-passport screen");
        self.click("Place the demo passport");
        self.wait_for("The chip could not be read");
    }

    /// Consent, enrol, a passing face scan; returns the user_id of the result.
    fn enrol_and_pass(&mut self) -> String {
        self.h.get_by_role_and_label(Role::CheckBox, CONSENT).click();
        self.h.step();
        self.click("Enrol with iProov");
        self.wait_for("Simulate pass");
        self.click("Simulate pass");
        self.wait_for("Enrolment passed");
        match self.h.state().workflow().stage() {
            Stage::Result { user_id, .. } => user_id.clone(),
            s => panic!("not at a result: {}", s.name()),
        }
    }

    /// What the records and the fake service hold for `user_id`: image_source, source sent.
    fn sources(&self, user_id: &str) -> (Option<String>, Option<String>) {
        let exec = self.h.state().executor();
        let rec = exec.services().store.get(user_id).unwrap().unwrap();
        let sent = exec.fake().unwrap().user(user_id).and_then(|u| u.last_image).map(|i| i.source);
        (rec.image_source, sent)
    }
}

#[test]
fn an_unreadable_chip_then_the_photo_page_enrols_with_oid() {
    let mut k = kiosk(Some(Page::Demo));
    k.chip_fails();
    k.click("Use the photo page");
    k.wait_for("Check the photo page");
    assert!(k.has("Photo page (printed photo) — lower assurance than the chip"));
    assert!(k.has("not read (photo page)"), "no authenticity claimed for a printed page");
    assert!(k.has("Read from the page") && k.has("✔ same"), "typed and read MRZ side by side");
    assert!(!k.has("✘ different"));
    assert!(k.has("Portrait from the photo page"));
    assert!(k.has("The photo meets iProov's image rules"));
    let user_id = k.enrol_and_pass();
    assert_eq!(k.sources(&user_id), (Some("oid".into()), Some("oid".into())));
    assert!(!k.h.state().workflow().holds_personal_data());
}

#[test]
fn a_photo_page_of_another_document_stops_the_path() {
    let mut k = kiosk(Some(Page::Shows(OTHER_MRZ)));
    k.chip_fails();
    k.click("Use the photo page");
    k.wait_for("The photo page does not match the document typed");
    assert!(k.has("Scan the photo page again") && k.has("Type the MRZ or CAN again"));
    assert!(!k.has("Enrol with iProov"), "nothing to enrol from another document's page");
    assert!(k.h.state().workflow().personal().is_none());
    k.click("New customer");
    k.wait_for("Ready for the next customer");
}

#[test]
fn the_photo_on_file_enrols_with_selfie() {
    let mut k = kiosk(None);
    k.wait_for("Photo on file");
    k.click("Photo on file");
    k.wait_for("Customer reference (from the bank's customer system)");
    k.type_into("Customer reference (from the bank's customer system)", "DEMO-0002");
    k.click("Fetch the photo");
    k.wait_for("Type the reference again");
    assert!(k.has("no photo on file"), "a missing photo is said plainly");
    k.click("Type the reference again");
    k.wait_for("Customer reference (from the bank's customer system)");
    k.type_into("Customer reference (from the bank's customer system)", "DEMO-0001");
    k.click("Fetch the photo");
    k.wait_for("Check the photo on file");
    assert!(k.has("Photo on file (the bank's trusted photo)"));
    assert!(k.has("built-in demo photo"), "the provenance is shown");
    let user_id = k.enrol_and_pass();
    assert_eq!(k.sources(&user_id), (Some("selfie".into()), Some("selfie".into())));
}
