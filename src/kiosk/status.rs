//! Home and Place passport: the reader and iProov service status, kept live by
//! the executor's watchers (`enrol::watch`), which send a [`StatusEvent`] only on a change.

use eframe::egui::{self, RichText, Ui};

use super::screens::{Action, big, heading};
use super::theme;
use crate::enrol::{Input, Offer, ReaderStatus, ServiceStatus, StatusEvent, Way};

/// Facts shown on Home and Place passport.
pub struct Status {
    pub reader: ReaderStatus,
    pub service: ServiceStatus,
    /// Demo mode: the simulated passport's MRZ, shown so a newcomer can type it.
    pub demo_mrz: Option<String>,
    /// Demo mode: the simulated passport's CAN (its chip offers PACE).
    pub demo_can: Option<String>,
    /// The photo sources offered besides the chip (the workflow's own [`Offer`]).
    pub offer: Offer,
}

impl Status {
    /// Takes in a watcher's news.
    pub fn apply(&mut self, event: StatusEvent) {
        match event {
            StatusEvent::Reader(r) => self.reader = r,
            StatusEvent::Service(s) => self.service = s,
        }
    }
}

fn reader_line(ui: &mut Ui, reader: &ReaderStatus) {
    let color = if reader.is_ready() { theme::OK } else { theme::WARN };
    ui.label(RichText::new(reader.line()).color(color));
}

fn service_line(ui: &mut Ui, service: &ServiceStatus) {
    let color = if service.is_reachable() { theme::OK } else { theme::WARN };
    ui.label(RichText::new(service.line()).color(color));
}

pub fn home(ui: &mut Ui, status: &Status) -> Option<Action> {
    heading(ui, "Ready for the next customer");
    reader_line(ui, &status.reader);
    service_line(ui, &status.service);
    if let Some(mrz) = &status.demo_mrz {
        ui.add_space(12.0);
        ui.label("Demo mode: the simulated passport's MRZ (type or paste it):");
        ui.label(RichText::new(mrz).monospace());
        if let Some(can) = &status.demo_can {
            ui.label(format!("… or choose \"CAN\" and type {can}."));
        }
        if status.offer.photo_on_file {
            let r = crate::enrol::demo_photos::DEMO_REFERENCE;
            ui.label(format!("Photo on file: type the customer reference {r}."));
        }
    }
    ui.add_space(24.0);
    let mut action = None;
    ui.horizontal(|ui| {
        if big(ui, "Start enrolment") {
            action = Some(Action::Do(Input::Start));
        }
        // The bank's trusted photo, by customer reference: only where it is configured.
        if status.offer.photo_on_file && big(ui, "Photo on file") {
            action = Some(Action::Do(Input::StartOnFile));
        }
    });
    action
}

pub fn place_passport(ui: &mut Ui, status: &Status) -> Option<Action> {
    heading(ui, "Place the passport on the reader");
    ui.label("Open the passport at the photo page and lay it flat on the reader.");
    ui.horizontal(|ui| {
        ui.add(egui::Spinner::new().size(28.0));
        reader_line(ui, &status.reader);
    });
    ui.add_space(16.0);
    let mut action = None;
    ui.horizontal(|ui| {
        if status.demo_mrz.is_some() && big(ui, "Place the demo passport") {
            action = Some(Action::PlaceDemoPassport);
        }
        // A document without a chip, or a chip that does not answer: the printed photo.
        if status.offer.photo_page && big(ui, "No chip / chip unreadable") {
            action = Some(Action::Do(Input::Choose(Way::UsePhotoPage)));
        }
        if big(ui, "Cancel") {
            action = Some(Action::Do(Input::Cancel));
        }
    });
    action
}
