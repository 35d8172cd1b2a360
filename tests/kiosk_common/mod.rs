//! Shared driving of the kiosk's real screens in GUI tests (egui_kittest): find, wait for,
//! click and type by accessible role and label, as staff would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use enrol_kiosk::kiosk::KioskApp;
use enrol_kiosk::sim::Profile;

pub const MRZ_FIELD: &str = "MRZ: the 2 lines at the bottom of the photo page (type or scan)";

/// The built-in demo passport's MRZ.
pub fn demo_mrz() -> String {
    Profile::demo().unwrap().mrz_text().to_owned()
}

/// A test's kiosk: the harness it drives; the steps come with it.
pub trait Drive {
    fn harness(&self) -> &Harness<'static, KioskApp>;
    fn harness_mut(&mut self) -> &mut Harness<'static, KioskApp>;

    /// Something labelled `label` (or containing it) is on screen.
    fn has(&self, label: &str) -> bool {
        self.harness().query_all_by_label_contains(label).next().is_some()
    }

    /// Steps the UI until something labelled `label` shows (workers run meanwhile).
    fn wait_for(&mut self, label: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            self.harness_mut().step();
            if self.has(label) {
                self.harness_mut().step();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {label:?}; stage {}",
                self.harness().state().workflow().stage().name()
            );
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    fn click(&mut self, label: &str) {
        let h = self.harness_mut();
        h.get_by_role_and_label(Role::Button, label).click();
        h.step();
        h.step();
    }

    fn type_into(&mut self, field: &str, text: &str) {
        let h = self.harness_mut();
        h.get_by_label(field).focus();
        h.step();
        h.get_by_label(field).type_text(text);
        h.step();
        h.step();
    }

    /// From Home: starts an enrolment, types the demo MRZ and continues to the screen that asks
    /// for the passport on the reader.
    fn to_place_passport(&mut self) {
        self.wait_for("Start enrolment");
        self.click("Start enrolment");
        self.type_into(MRZ_FIELD, &demo_mrz());
        self.wait_for("All check digits match");
        self.click("Continue");
        self.wait_for("Place the demo passport");
    }
}
