//! GUI test of the chip verdict on Review (egui_kittest, demo kiosk): a cloned PACE-CAM chip
//! (every file copied, another chip key) is refused with the plain staff sentence, and the
//! genuine chip it copies shows "Chip genuine" and no refusal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kiosk_common;

use std::path::Path;
use std::time::Duration;

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use enrol_kiosk::enrol::DemoCard;
use enrol_kiosk::kiosk::{KioskApp, demo_app};
use enrol_kiosk::sim::make::{MakeOptions, make_profile};
use enrol_kiosk::sim::{PaceSettings, Profile};
use enrol_kiosk::trust::TrustStore;
use kiosk_common::{Drive, demo_mrz};

/// A PACE-CAM passport with the demo MRZ, signed under a CSCA of its own; its store.
fn cam_passport(dir: &Path) -> TrustStore {
    let face = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-face.jpg")).unwrap();
    let options = MakeOptions {
        pace: Some(PaceSettings::with_mapping(13, "cam", "AES-128", true).unwrap()),
        eye_centres: Some(((262, 300), (378, 300))),
        ..MakeOptions::default()
    };
    let made = make_profile(&demo_mrz(), &face, dir, &options).unwrap();
    TrustStore::load(std::slice::from_ref(&made.csca_path)).unwrap()
}

struct Kiosk {
    h: Harness<'static, KioskApp>,
    _dir: tempfile::TempDir,
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
    fn new(profile: Profile, trust: TrustStore) -> Kiosk {
        let dir = tempfile::tempdir().unwrap();
        let app = demo_app(
            DemoCard::new(profile),
            &dir.path().join("records.sqlite"),
            Duration::from_secs(600),
        )
        .unwrap();
        let mut h = Harness::builder()
            .with_size([1280.0, 900.0])
            .build_state(|ctx, app: &mut KioskApp| app.ui(ctx), app);
        h.state_mut().executor_mut().set_trust_store(trust);
        Kiosk { h, _dir: dir }
    }

    fn go_to_review(&mut self) {
        self.to_place_passport();
        self.click("Place the demo passport");
        self.wait_for("Check the passport");
    }
}

#[test]
fn a_cloned_chip_is_refused_at_review() {
    let genuine = tempfile::tempdir().unwrap();
    let trust = cam_passport(genuine.path());
    // The clone: the same files, but a chip key of its own (the original's cannot be read).
    let other = tempfile::tempdir().unwrap();
    cam_passport(other.path());
    std::fs::copy(other.path().join("chip-ca.key"), genuine.path().join("chip-ca.key")).unwrap();
    let clone = Profile::load(genuine.path()).unwrap();

    let mut k = Kiosk::new(clone, trust);
    k.go_to_review();
    assert!(k.has("Genuine: signed by CSCA"), "the copied data itself verifies");
    assert!(k.has("Chip FAILED"));
    assert!(k.has("This passport's chip failed its authenticity check: it may be a copy."));
    assert!(k.has("follow your document-fraud procedure"));
    // Consent given, still no way to enrol.
    k.h.get_by_role_and_label(
        Role::CheckBox,
        "The customer consents to enrolling their face with iProov",
    )
    .click();
    k.h.step();
    k.click("Enrol with iProov");
    k.h.step();
    assert!(k.has("Check the passport"), "still on Review");
    assert!(!k.h.state().workflow().stage().name().contains("nrolling"));
}

#[test]
fn the_genuine_cam_chip_shows_chip_genuine() {
    let dir = tempfile::tempdir().unwrap();
    let trust = cam_passport(dir.path());
    let mut k = Kiosk::new(Profile::load(dir.path()).unwrap(), trust);
    k.go_to_review();
    assert!(k.has("Chip genuine"));
    assert!(!k.has("it may be a copy"));
}
