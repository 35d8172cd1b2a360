//! The screens of the two photo sources beside the chip: capturing and reading the
//! passport's photo page (`oid`), typing the customer reference and fetching the photo on
//! file (`selfie`), and the Review of each, which says plainly where the photo came from.

use eframe::egui::{self, RichText, TextEdit, TextureHandle, Ui};

use super::screens::{Action, big, big_enabled, heading, photo_rules, row};
use super::theme;
use crate::enrol::personal::{Personal, Photo, display_name, document_type, expiry_date};
use crate::enrol::sources::{Comparison, source_words};
use crate::enrol::{Input, Way};
use crate::iproov::ImageSource;

/// What the Review of a photo page shows in the authenticity and chip rows.
pub const NOT_READ: &str = "not read (photo page)";

/// The photo page capture: a camera's live preview with a button to take the still, or
/// waiting for the document scanner's file.
pub fn page_capture(
    ui: &mut Ui,
    note: Option<&str>,
    preview: Option<&TextureHandle>,
) -> Option<Action> {
    heading(ui, "Scan the passport's photo page");
    let mut action = None;
    match preview {
        Some(t) => {
            ui.label("Lay the passport open at the photo page under the camera, flat and whole.");
            ui.add(
                egui::Image::new(t).max_height(420.0).max_width(640.0).alt_text("Camera preview"),
            );
            ui.add_space(8.0);
            if big(ui, "Take the photo") {
                action = Some(Action::CapturePage);
            }
        }
        None => {
            ui.label(
                "Scan the photo page on the document scanner (colour, 600 dpi, the whole page). \
                 The kiosk picks the scan up by itself.",
            );
            ui.horizontal(|ui| {
                ui.add(egui::Spinner::new().size(28.0));
                ui.label("Waiting for the scanner…");
            });
        }
    }
    if let Some(n) = note {
        ui.colored_label(theme::WARN, n);
    }
    ui.add_space(16.0);
    if big(ui, "Cancel") {
        action = Some(Action::Do(Input::Cancel));
    }
    action
}

pub fn page_reading(ui: &mut Ui) -> Option<Action> {
    heading(ui, "Reading the photo page");
    ui.horizontal(|ui| {
        ui.add(egui::Spinner::new().size(28.0));
        ui.label("Reading the MRZ and finding the photo…");
    });
    ui.add_space(16.0);
    big(ui, "Cancel").then_some(Action::Do(Input::Cancel))
}

pub fn reference(
    ui: &mut Ui,
    typed: &mut zeroize::Zeroizing<String>,
    error: Option<&str>,
) -> Option<Action> {
    heading(ui, "Photo on file");
    let label = ui.label("Customer reference (from the bank's customer system)");
    let r = ui.add(
        TextEdit::singleline(&mut **typed)
            .font(egui::TextStyle::Monospace)
            .char_limit(64)
            .desired_width(360.0),
    );
    let r = r.labelled_by(label.id);
    if !r.has_focus() && typed.is_empty() {
        r.request_focus();
    }
    if let Some(e) = error {
        ui.colored_label(theme::BAD, e);
    }
    ui.add_space(12.0);
    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let mut action = None;
    ui.horizontal(|ui| {
        if big(ui, "Fetch the photo") || enter {
            action = Some(Action::Do(Input::SubmitReference(typed.clone())));
        }
        if big(ui, "Cancel") {
            action = Some(Action::Do(Input::Cancel));
        }
    });
    action
}

pub fn fetching(ui: &mut Ui) -> Option<Action> {
    heading(ui, "Fetching the photo on file");
    ui.add(egui::Spinner::new().size(28.0));
    ui.add_space(16.0);
    big(ui, "Cancel").then_some(Action::Do(Input::Cancel))
}

fn picture(ui: &mut Ui, face: Option<&TextureHandle>, alt: &str) {
    match face {
        Some(t) => {
            ui.add(egui::Image::new(t).max_height(280.0).max_width(240.0).alt_text(alt));
        }
        None => {
            ui.colored_label(theme::BAD, "No photo");
        }
    }
    ui.add_space(16.0);
}

fn source_row(ui: &mut Ui, source: ImageSource) {
    let color = if source == ImageSource::Eid { theme::OK } else { theme::WARN };
    row(ui, "Photo source", RichText::new(source_words(source)).color(color).strong());
}

/// Review of a photo page: the portrait, the MRZ read from the page beside the one typed,
/// the source said plainly, and no claim about a chip that was not read.
pub fn review_page(
    ui: &mut Ui,
    personal: &Personal,
    face: Option<&TextureHandle>,
    consent: &mut bool,
) -> Option<Action> {
    let Photo::Page { page, comparison } = personal.photo() else { return None };
    heading(ui, "Check the photo page");
    let mut expired = false;
    ui.horizontal_top(|ui| {
        picture(ui, face, "Portrait from the photo page");
        ui.vertical(|ui| {
            egui::Grid::new("review-page").num_columns(2).spacing([20.0, 3.0]).show(ui, |ui| {
                source_row(ui, ImageSource::Oid);
                if let Some(m) = &page.mrz.parsed {
                    row(ui, "Name", RichText::new(display_name(m)));
                    row(ui, "Nationality", RichText::new(&m.nationality));
                    row(ui, "Document", RichText::new(document_type(&m.document_code)));
                    row(ui, "Issued by", RichText::new(&m.issuing_state));
                    let exp = expiry_date(&m.date_of_expiry);
                    expired = page.expired;
                    let exp = if expired {
                        RichText::new(format!("{exp}  EXPIRED")).color(theme::BAD).strong()
                    } else {
                        RichText::new(exp)
                    };
                    row(ui, "Expiry", exp);
                }
                row(ui, "Authenticity", RichText::new(NOT_READ).color(theme::WARN));
                row(ui, "Chip", RichText::new(NOT_READ).color(theme::WARN));
            });
            ui.add_space(8.0);
            compare(ui, comparison);
        });
    });
    ui.add_space(4.0);
    let usable = photo_rules(ui, personal);
    confirm(ui, consent, usable && !expired, Some(Way::ScanPageAgain))
}

/// The typed fields beside the ones read from the page, each marked.
fn compare(ui: &mut Ui, c: &Comparison) {
    match c {
        Comparison::Fields(pairs) => {
            egui::Grid::new("mrz-compare").num_columns(4).spacing([20.0, 4.0]).show(ui, |ui| {
                ui.label("");
                ui.label(RichText::new("Typed").color(egui::Color32::DARK_GRAY));
                ui.label(RichText::new("Read from the page").color(egui::Color32::DARK_GRAY));
                ui.label("");
                ui.end_row();
                for p in pairs {
                    ui.label(RichText::new(capitalised(p.name)).color(egui::Color32::DARK_GRAY));
                    ui.label(RichText::new(p.typed.as_str()).monospace());
                    ui.label(RichText::new(p.read.as_str()).monospace());
                    if p.matches() {
                        ui.colored_label(theme::OK, "✔ same");
                    } else {
                        ui.colored_label(theme::BAD, "✘ different");
                    }
                    ui.end_row();
                }
            });
        }
        Comparison::CanOnly => {
            ui.colored_label(
                theme::WARN,
                RichText::new(
                    "A CAN was typed, so the MRZ could not be compared: check the document \
                     number and dates above against the passport before enrolling.",
                )
                .strong(),
            );
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Review of a photo on file: the photo, where it came from, the source said plainly.
pub fn review_on_file(
    ui: &mut Ui,
    personal: &Personal,
    face: Option<&TextureHandle>,
    consent: &mut bool,
) -> Option<Action> {
    let Photo::OnFile(photo) = personal.photo() else { return None };
    heading(ui, "Check the photo on file");
    ui.horizontal_top(|ui| {
        picture(ui, face, "Photo on file");
        ui.vertical(|ui| {
            egui::Grid::new("review-file").num_columns(2).spacing([20.0, 6.0]).show(ui, |ui| {
                source_row(ui, ImageSource::Selfie);
                row(ui, "Where from", RichText::new(&photo.provenance));
            });
            ui.add_space(8.0);
            ui.label(
                "Check that the customer in front of you is the person in this photo: no \
                 document is read on this path.",
            );
        });
    });
    ui.add_space(8.0);
    let usable = photo_rules(ui, personal);
    confirm(ui, consent, usable, None)
}

fn confirm(ui: &mut Ui, consent: &mut bool, usable: bool, again: Option<Way>) -> Option<Action> {
    ui.add_space(8.0);
    ui.checkbox(consent, "The customer consents to enrolling their face with iProov");
    let mut action = None;
    ui.horizontal(|ui| {
        if big_enabled(ui, *consent && usable, "Enrol with iProov") {
            action = Some(Action::Do(Input::Confirm { consent: *consent }));
        }
        if let Some(way) = again
            && big(ui, "Scan the page again")
        {
            action = Some(Action::Do(Input::Choose(way)));
        }
        if big(ui, "Cancel") {
            action = Some(Action::Do(Input::Cancel));
        }
    });
    action
}
