//! GUI tests of the demo kiosk: egui_kittest drives the real screens by
//! accessible role and label, as staff would, against the simulated passport and the
//! in-process fake iProov service. Snapshots of every screen render on Mesa lavapipe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kiosk_common;

use std::time::Duration;

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use enrol_kiosk::enrol::{DemoCard, Stage};
use enrol_kiosk::iproov::Call;
use enrol_kiosk::iproov::fake::FaultKind;
use enrol_kiosk::kiosk::{KioskApp, demo_app};
use enrol_kiosk::records::EnrolmentStatus;
use enrol_kiosk::sim::{Behaviour, Profile};
use kiosk_common::{Drive, MRZ_FIELD, demo_mrz};

const CAN_FIELD: &str = "CAN (6 digits printed on the photo page)";

struct Kiosk {
    h: Harness<'static, KioskApp>,
    _dir: tempfile::TempDir,
    snapshots: bool,
}

fn kiosk_with(card: DemoCard, snapshots: bool) -> Kiosk {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(card, &dir.path().join("records.sqlite"), Duration::from_secs(600)).unwrap();
    let mut b = Harness::builder().with_size([1280.0, 800.0]);
    if snapshots {
        b = b.wgpu();
    }
    let h = b.build_state(|ctx, app: &mut KioskApp| app.ui(ctx), app);
    Kiosk { h, _dir: dir, snapshots }
}

fn kiosk() -> Kiosk {
    kiosk_with(DemoCard::new(Profile::demo().unwrap()), false)
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
    /// Compares the screen with tests/snapshots/NAME.png, masking what changes per run.
    fn snap(&mut self, name: &str) {
        if !self.snapshots {
            return;
        }
        for varying in ["Record saved (reference"] {
            let rects: Vec<_> =
                self.h.query_all_by_label_contains(varying).map(|n| n.rect()).collect();
            for r in rects {
                // The text's width varies with it: mask a fixed width from its start.
                let wide = eframe::egui::Rect::from_min_size(
                    r.min,
                    eframe::egui::vec2(r.width().max(640.0), r.height()),
                );
                self.h.mask(wide);
            }
        }
        let options = SnapshotOptions::new().failed_pixel_count_threshold(1200_usize);
        self.h.snapshot_options(name, &options);
    }

    fn go_to_review(&mut self) {
        self.to_place_passport();
        self.click("Place the demo passport");
        self.wait_for("Check the passport");
    }

    fn enrol(&mut self) {
        self.h.get_by_role_and_label(Role::CheckBox, CONSENT).click();
        self.h.step();
        self.click("Enrol with iProov");
        self.wait_for("Simulate pass");
    }

    fn record_status(&self) -> (EnrolmentStatus, Option<bool>) {
        let app = self.h.state();
        let Stage::Result { user_id, .. } = app.workflow().stage() else {
            panic!("not at a result: {}", app.workflow().stage().name())
        };
        let rec = app.executor().services().store.get(user_id).unwrap().unwrap();
        (rec.status, rec.passed)
    }
}

const CONSENT: &str = "The customer consents to enrolling their face with iProov";

#[test]
fn demo_workflow_to_a_passed_result() {
    let mut k = kiosk();
    k.go_to_review();
    assert!(k.has("Photo from the chip"), "the chip photo is shown");
    assert!(k.has("The photo meets iProov's image rules"));
    assert!(k.h.state().workflow().holds_personal_data());
    k.enrol();
    k.click("Simulate pass");
    k.wait_for("Enrolment passed");
    assert_eq!(k.record_status(), (EnrolmentStatus::Passed, Some(true)));
    assert!(!k.h.state().workflow().holds_personal_data(), "data wiped at the result");
    k.click("New customer");
    k.wait_for("Ready for the next customer");
}

#[test]
fn demo_workflow_failed_scan_then_a_new_scan_passes() {
    let mut k = kiosk();
    k.go_to_review();
    k.enrol();
    k.click("Simulate fail");
    k.wait_for("The face scan did not pass");
    assert_eq!(k.record_status(), (EnrolmentStatus::Failed, Some(false)));
    let fake = k.h.state().executor().fake().unwrap();
    fake.set_fault(Call::VerifyToken, FaultKind::Delay(Duration::from_millis(600)), Some(1));
    k.click("Start a new face scan");
    // Only a new verify token is asked for: the photo steps show as done earlier.
    k.wait_for("Getting the face-scan token: in progress");
    assert!(k.has("Asking iProov for an enrolment token: done earlier"));
    assert!(k.has("Sending the chip photo (source: eid): done earlier"));
    k.wait_for("Simulate pass");
    k.click("Simulate pass");
    k.wait_for("Enrolment passed");
}

/// The Enrolling screen ticks off each API call as the fake answers it (each call is held
/// back a little so the intermediate states can be seen).
#[test]
fn enrolling_screen_shows_each_api_call_progress() {
    let mut k = kiosk();
    k.go_to_review();
    let fake = k.h.state().executor().fake().unwrap();
    let hold = FaultKind::Delay(Duration::from_millis(700));
    for call in [Call::EnrolToken, Call::EnrolImage, Call::VerifyToken] {
        fake.set_fault(call, hold.clone(), Some(1));
    }
    k.h.get_by_role_and_label(Role::CheckBox, CONSENT).click();
    k.h.step();
    k.click("Enrol with iProov");
    k.wait_for("Asking iProov for an enrolment token: in progress");
    assert!(k.has("Sending the chip photo (source: eid): waiting"));
    assert!(k.has("Getting the face-scan token: waiting"));
    k.wait_for("Sending the chip photo (source: eid): in progress");
    assert!(k.has("Asking iProov for an enrolment token: done"));
    assert!(k.has("Getting the face-scan token: waiting"));
    k.wait_for("Getting the face-scan token: in progress");
    assert!(k.has("Sending the chip photo (source: eid): done"));
    assert!(!k.has("earlier"), "a first enrolment skips nothing");
    k.wait_for("Simulate pass");
    let fake = k.h.state().executor().fake().unwrap();
    for call in [Call::EnrolToken, Call::EnrolImage, Call::VerifyToken] {
        assert_eq!(fake.requests(call), 1, "{call:?}");
    }
}

/// Staff can stop the enrolment while a call is on its way: the screen offers it, the
/// customer is wiped, and the photo is never sent afterwards.
#[test]
fn enrolling_can_be_stopped_before_the_photo_is_sent() {
    let mut k = kiosk();
    k.go_to_review();
    let fake = k.h.state().executor().fake().unwrap();
    fake.set_fault(Call::EnrolToken, FaultKind::Delay(Duration::from_millis(700)), Some(1));
    k.h.get_by_role_and_label(Role::CheckBox, CONSENT).click();
    k.h.step();
    k.click("Enrol with iProov");
    k.wait_for("Asking iProov for an enrolment token: in progress");
    k.click("Stop the enrolment");
    k.wait_for("The enrolment was stopped");
    assert!(k.h.state().workflow().personal().is_none());
    // Past the held call: still no upload, and the late answer moves nothing.
    std::thread::sleep(Duration::from_millis(1200));
    k.h.step();
    assert!(k.has("The enrolment was stopped"));
    let fake = k.h.state().executor().fake().unwrap();
    assert_eq!(fake.requests(Call::EnrolToken), 1);
    assert_eq!(fake.requests(Call::EnrolImage), 0, "the photo was never sent");
    k.click("New customer");
    k.wait_for("Start enrolment");
}

/// Home's status lines follow the simulated reader (unplugged, plugged, passport on it) and
/// the service (the fake stopped) without anyone touching the screen.
#[test]
fn home_status_follows_the_reader_and_the_service() {
    let mut k = kiosk();
    k.wait_for("Reader: Simulated passport reader (demo) — no passport");
    k.wait_for("iProov service: reachable (built-in fake service, demo)");
    let reader = k.h.state().executor().demo_reader().unwrap().clone();
    reader.set_connected(false);
    k.wait_for("Reader: none connected — plug in the NFC reader");
    assert!(!k.has("— no passport"));
    reader.set_connected(true);
    reader.set_card(true);
    k.wait_for("Reader: Simulated passport reader (demo) — a passport is on it");
    reader.set_card(false);
    k.wait_for("Reader: Simulated passport reader (demo) — no passport");
    k.h.state_mut().executor_mut().stop_fake();
    k.h.state().executor().check_service_now();
    k.wait_for("iProov service: not reachable");
    assert!(k.has("check the network"));
    assert!(!k.has("iProov service: reachable"));
}

/// Place passport shows the reader live: an unplugged reader takes no passport until it is
/// plugged in again.
#[test]
fn place_passport_shows_the_reader_live() {
    let mut k = kiosk();
    k.click("Start enrolment");
    k.type_into(MRZ_FIELD, &demo_mrz());
    k.click("Continue");
    k.wait_for("Place the demo passport");
    assert!(k.has("Reader: Simulated passport reader (demo) — no passport"));
    let reader = k.h.state().executor().demo_reader().unwrap().clone();
    reader.set_connected(false);
    k.wait_for("Reader: none connected — plug in the NFC reader");
    k.click("Place the demo passport");
    for _ in 0..10 {
        k.h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(k.h.state().workflow().stage(), &Stage::PlacePassport, "no reader, no read");
    reader.set_connected(true);
    k.wait_for("Check the passport");
    // The demo passport is handed back once read.
    k.click("Cancel");
    k.wait_for("Reader: Simulated passport reader (demo) — no passport");
}

#[test]
fn wrong_mrz_is_refused_with_the_field_named() {
    let mut k = kiosk();
    k.click("Start enrolment");
    let good = demo_mrz();
    // Change the date of birth's last digit (line 2, position 19): its check digit fails.
    let at = good.len() - 44 + 18;
    let mut bad = good.clone();
    let c = good.as_bytes()[at];
    let swapped = if c == b'1' { "2" } else { "1" };
    bad.replace_range(at..at + 1, swapped);
    k.type_into(MRZ_FIELD, &bad);
    k.wait_for("does not match its check digit");
    k.click("Continue");
    k.wait_for("date of birth does not match its check digit");
    assert!(matches!(k.h.state().workflow().stage(), Stage::Document { error: Some(_) }));
    assert!(!k.h.state().workflow().holds_personal_data());
}

/// A keyboard-wedge MRZ scanner "types" the two lines and Enter into whatever has focus:
/// the Document screen must put the cursor in the MRZ field by itself, also when it comes
/// back after a refused MRZ.
#[test]
fn a_keyboard_wedge_scan_lands_in_the_mrz_field_without_a_click() {
    let mut k = kiosk();
    k.click("Start enrolment");
    let wedge = |k: &mut Kiosk, text: &str| {
        for line in text.lines() {
            k.h.event(eframe::egui::Event::Text(line.to_owned()));
            k.h.key_press(eframe::egui::Key::Enter);
            k.h.step();
        }
        k.h.step();
    };
    // First a scan whose date of birth was misread: refused, and the cursor is back.
    let good = demo_mrz();
    let at = good.len() - 44 + 18;
    let mut bad = good.clone();
    bad.replace_range(at..at + 1, if good.as_bytes()[at] == b'1' { "2" } else { "1" });
    wedge(&mut k, &bad);
    k.wait_for("does not match its check digit");
    k.click("Continue");
    k.wait_for("date of birth does not match its check digit");
    // Staff clear the field with select-all + delete, then scan again.
    k.h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
    k.h.key_press(eframe::egui::Key::Delete);
    k.h.step();
    wedge(&mut k, &good);
    k.wait_for("Place the demo passport");
}

/// The CAN opens the demo passport's chip with PACE; the review says how the chip was
/// opened and that its data chains to the (demo) CSCA.
#[test]
fn can_entry_opens_the_chip_with_pace_and_the_data_is_genuine() {
    let mut k = kiosk();
    k.click("Start enrolment");
    k.h.get_by_role_and_label(Role::RadioButton, "CAN").click();
    k.h.step();
    k.h.step();
    let can = Profile::demo().unwrap().can().unwrap().digits().to_owned();
    // A wrong CAN first: the chip refuses it and staff are told to check the CAN.
    let wrong = if can == "000000" { "111111" } else { "000000" };
    k.type_into(CAN_FIELD, wrong);
    k.click("Continue");
    k.wait_for("Place the demo passport");
    k.click("Place the demo passport");
    k.wait_for("The chip did not accept the CAN");
    k.click("Type the MRZ or CAN again");
    k.wait_for("Identify the passport");
    // The field keeps what was typed (to correct one digit): clear it and type it again.
    assert_eq!(k.h.get_by_label(CAN_FIELD).value().as_deref(), Some(wrong));
    k.h.get_by_label(CAN_FIELD).focus();
    k.h.step();
    k.h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
    k.h.key_press(eframe::egui::Key::Delete);
    k.h.step();
    k.type_into(CAN_FIELD, &can);
    k.click("Continue");
    k.wait_for("Place the demo passport");
    k.click("Place the demo passport");
    k.wait_for("Check the passport");
    assert!(k.has("PACE-ECDH-GM-AES-128"), "chip access shown");
    assert!(k.has("Genuine: signed by"), "passive authentication against the demo CSCA");
}

#[test]
fn passport_removed_while_reading_then_placed_again() {
    let first = Behaviour { remove_after_apdu: Some(6), ..Behaviour::default() };
    let card = DemoCard::new(Profile::demo().unwrap()).with_first_behaviour(first);
    let mut k = kiosk_with(card, false);
    k.click("Start enrolment");
    k.type_into(MRZ_FIELD, &demo_mrz());
    k.click("Continue");
    k.wait_for("Place the demo passport");
    k.click("Place the demo passport");
    k.wait_for("The passport was moved away");
    assert!(k.h.state().workflow().personal().is_none());
    k.click("Place the passport again");
    k.wait_for("Place the demo passport");
    k.click("Place the demo passport");
    k.wait_for("Check the passport");
}

#[test]
fn service_failing_offers_retry_which_then_succeeds() {
    let mut k = kiosk();
    k.h.state().executor().fake().unwrap().set_fault(
        Call::EnrolToken,
        FaultKind::ServerError,
        None,
    );
    k.go_to_review();
    k.h.get_by_role_and_label(Role::CheckBox, CONSENT).click();
    k.h.step();
    k.click("Enrol with iProov");
    k.wait_for("The enrolment with iProov did not go through");
    assert!(k.h.state().workflow().holds_personal_data(), "photo kept for the retry");
    k.h.state().executor().fake().unwrap().clear_faults();
    k.click("Try again");
    k.wait_for("Simulate pass");
    k.click("Simulate pass");
    k.wait_for("Enrolment passed");
}

/// Every screen, rendered and compared with tests/snapshots (lavapipe).
#[test]
fn snapshots_of_every_screen() {
    let slow = Behaviour { latency_ms: 60, ..Behaviour::default() };
    let card = DemoCard::new(Profile::demo().unwrap()).with_first_behaviour(slow);
    let mut k = kiosk_with(card, true);
    let fake_delay = Duration::from_millis(1500);
    k.wait_for("Reader: Simulated passport reader (demo) — no passport");
    k.wait_for("iProov service: reachable (built-in fake service, demo)");
    k.snap("01-home");
    k.click("Start enrolment");
    k.type_into(MRZ_FIELD, &demo_mrz());
    k.wait_for("All check digits match");
    k.snap("02-document");
    k.click("Continue");
    k.wait_for("Place the demo passport");
    k.snap("03-place-passport");
    k.click("Place the demo passport");
    k.wait_for("Files read so far: 1");
    // Progress differs from run to run: rendered for the record, not compared.
    let reading = k.h.render().unwrap();
    assert!(reading.width() >= 1280, "rendered at the window size");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        reading.save("tests/snapshots/04-reading.png").unwrap();
    }
    k.wait_for("Check the passport");
    k.snap("05-review");
    let fake = k.h.state().executor().fake().unwrap();
    fake.set_fault(Call::EnrolImage, FaultKind::Delay(fake_delay), Some(1));
    fake.set_fault(Call::Validate, FaultKind::Delay(fake_delay), Some(1));
    k.h.get_by_role_and_label(Role::CheckBox, CONSENT).click();
    k.h.step();
    k.click("Enrol with iProov");
    // One call done, one in progress, one waiting.
    k.wait_for("Sending the chip photo (source: eid): in progress");
    k.snap("06-enrolling");
    k.wait_for("Simulate pass");
    k.snap("07-face-scan");
    k.click("Simulate fail");
    k.wait_for("Getting the result from iProov");
    k.snap("08-validating");
    k.wait_for("The face scan did not pass");
    k.snap("09-result-failed");
    k.click("Start a new face scan");
    k.wait_for("Simulate pass");
    k.click("Simulate pass");
    k.wait_for("Enrolment passed");
    k.snap("10-result-passed");
    k.click("New customer");
    k.click("Start enrolment");
    k.type_into(MRZ_FIELD, "P<UTOERIKSSON<<ANNA");
    k.click("Continue");
    k.wait_for("This does not look like an MRZ");
    k.snap("11-document-error");
    // Once staff edit the entry the refusal no longer describes it and steps aside; the next
    // Continue judges the new entry.
    k.type_into(MRZ_FIELD, "<<<");
    assert!(!k.has("This does not look like an MRZ"), "a stale refusal stays on screen");
    k.click("Continue");
    k.wait_for("This does not look like an MRZ");
    k.click("Cancel");
    k.wait_for("Ready for the next customer");
}
