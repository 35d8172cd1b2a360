//! The kiosk's screens, one function each. Drawing never changes the workflow:
//! each screen returns the [`Action`] staff chose, applied after the frame.

use eframe::egui::{self, Button, Color32, RichText, TextEdit, Ui};
use zeroize::Zeroizing;

use super::photo_screens;
use super::status::{self, Status};
use super::theme::{self, BUTTON_WIDTH, TOUCH};
use crate::enrol::personal::{Personal, Photo};
use crate::enrol::{DocumentInput, Input, Stage, Way, wording};
use crate::mrz::{AccessKey, check_digit};

/// What staff chose on a screen.
pub enum Action {
    Do(Input),
    /// Demo: lay the simulated passport on the simulated reader.
    PlaceDemoPassport,
    /// Demo: the stand-in face scan ends (true: pass).
    SimulateScan(bool),
    /// Real mode: staff say the face scan page has finished.
    ScanEnded,
    /// Camera capture: take the full-resolution photo of the page now.
    CapturePage,
}

/// How the document is identified on the Document screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryMode {
    #[default]
    Mrz,
    Fields,
    Can,
}

/// What staff typed (personal data: zeroized on drop and on [`Form::clear`]).
#[derive(Default)]
pub struct Form {
    pub mode: EntryMode,
    pub mrz: Zeroizing<String>,
    pub number: Zeroizing<String>,
    pub birth: Zeroizing<String>,
    pub expiry: Zeroizing<String>,
    pub can: Zeroizing<String>,
    /// The customer reference for the photo on file.
    pub reference: Zeroizing<String>,
    pub consent: bool,
    /// The entry mode whose first field last received keyboard focus: a keyboard-wedge MRZ
    /// scanner types into whatever has focus, so each mode puts the cursor in its field.
    focused: Option<EntryMode>,
    /// The entry was edited since it was last submitted: a refusal of the earlier entry no
    /// longer describes what is typed, so it is not shown.
    edited: bool,
}

impl Form {
    pub fn clear(&mut self) {
        *self = Form::default();
    }

    fn input(&self) -> DocumentInput {
        match self.mode {
            EntryMode::Mrz => DocumentInput::Mrz(self.mrz.clone()),
            EntryMode::Fields => DocumentInput::Fields {
                number: self.number.clone(),
                birth: self.birth.clone(),
                expiry: self.expiry.clone(),
            },
            EntryMode::Can => DocumentInput::Can(self.can.clone()),
        }
    }
}

pub(super) fn big(ui: &mut Ui, text: &str) -> bool {
    ui.add_sized([BUTTON_WIDTH, TOUCH], Button::new(text)).clicked()
}

pub(super) fn big_enabled(ui: &mut Ui, enabled: bool, text: &str) -> bool {
    ui.add_enabled_ui(enabled, |ui| big(ui, text)).inner
}

pub(super) fn heading(ui: &mut Ui, text: &str) {
    ui.add_space(8.0);
    ui.heading(text);
    ui.add_space(8.0);
}

pub fn document(ui: &mut Ui, form: &mut Form, error: Option<&str>) -> Option<Action> {
    heading(ui, "Identify the passport");
    let mode = form.mode;
    ui.horizontal(|ui| {
        ui.radio_value(&mut form.mode, EntryMode::Mrz, "MRZ");
        ui.radio_value(&mut form.mode, EntryMode::Fields, "Number and dates");
        ui.radio_value(&mut form.mode, EntryMode::Can, "CAN");
    });
    let mut changed = form.mode != mode;
    let mut submit = false;
    let focus_first = form.focused != Some(form.mode);
    form.focused = Some(form.mode);
    let first = match form.mode {
        EntryMode::Mrz => {
            let label = ui.label("MRZ: the 2 lines at the bottom of the photo page (type or scan)");
            let r = ui
                .add(
                    TextEdit::multiline(&mut *form.mrz)
                        .font(egui::TextStyle::Monospace)
                        .desired_rows(2)
                        .desired_width(f32::INFINITY)
                        .char_limit(200),
                )
                .labelled_by(label.id);
            // A keyboard-wedge scanner ends with Enter after line 2: submit when it parses.
            if r.changed() && form.mrz.trim_end().len() >= 44 && form.mrz.ends_with('\n') {
                submit = AccessKey::from_mrz_text(&form.mrz).is_ok();
            }
            mrz_feedback(ui, &form.mrz);
            changed |= r.changed();
            r
        }
        EntryMode::Fields => {
            egui::Grid::new("fields")
                .num_columns(3)
                .spacing([16.0, 12.0])
                .show(ui, |ui| {
                    let first = field(ui, "Document number", &mut form.number, 9, |v| {
                        check_digit(v)
                            .map(|d| format!("check digit {d}"))
                            .map_err(|e| e.to_string())
                    });
                    let birth = field(ui, "Date of birth (YYMMDD)", &mut form.birth, 6, date_hint);
                    let expiry =
                        field(ui, "Date of expiry (YYMMDD)", &mut form.expiry, 6, date_hint);
                    changed |= first.changed() || birth.changed() || expiry.changed();
                    first
                })
                .inner
        }
        EntryMode::Can => {
            let label = ui.label("CAN (6 digits printed on the photo page)");
            let r = ui
                .add(TextEdit::singleline(&mut *form.can).char_limit(6).desired_width(200.0))
                .labelled_by(label.id);
            changed |= r.changed();
            r
        }
    };
    form.edited |= changed;
    if focus_first {
        first.request_focus();
    }
    if let Some(e) = error.filter(|_| !form.edited) {
        ui.colored_label(theme::BAD, e);
    }
    ui.add_space(12.0);
    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter) && !i.modifiers.shift)
        && form.mode != EntryMode::Mrz;
    let mut action = None;
    ui.horizontal(|ui| {
        if big(ui, "Continue") || submit || enter {
            action = Some(Action::Do(Input::Submit(form.input())));
            form.edited = false;
            // A refused entry stays on this screen: the cursor goes back to the field.
            form.focused = None;
        }
        if big(ui, "Cancel") {
            action = Some(Action::Do(Input::Cancel));
        }
    });
    action
}

fn date_hint(v: &str) -> Result<String, String> {
    let ok = v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit());
    let month = v.get(2..4).and_then(|m| m.parse::<u8>().ok()).unwrap_or(0);
    let day = v.get(4..6).and_then(|d| d.parse::<u8>().ok()).unwrap_or(0);
    if ok && (1..=12).contains(&month) && (1..=31).contains(&day) {
        check_digit(v).map(|d| format!("check digit {d}")).map_err(|e| e.to_string())
    } else {
        Err("6 digits: year, month, day".into())
    }
}

fn field(
    ui: &mut Ui,
    name: &str,
    value: &mut Zeroizing<String>,
    width: usize,
    hint: impl Fn(&str) -> Result<String, String>,
) -> egui::Response {
    let label = ui.label(name);
    let r = ui
        .add(
            TextEdit::singleline(&mut **value)
                .font(egui::TextStyle::Monospace)
                .char_limit(width.max(9) + 6)
                .desired_width(260.0),
        )
        .labelled_by(label.id);
    let v = value.trim().to_ascii_uppercase();
    match (v.is_empty(), hint(&v)) {
        (true, _) => ui.label(""),
        (false, Ok(h)) => ui.colored_label(theme::OK, h),
        (false, Err(e)) => ui.colored_label(theme::WARN, e),
    };
    ui.end_row();
    r
}

/// Live check-digit feedback while the MRZ is typed.
fn mrz_feedback(ui: &mut Ui, text: &str) {
    let t = text.trim();
    if t.is_empty() {
        ui.label(RichText::new("Waiting for the MRZ…").small());
        return;
    }
    match AccessKey::from_mrz_text(t) {
        Ok(_) => {
            ui.colored_label(theme::OK, "✔ All check digits match");
        }
        Err(e) => {
            let typed: usize = t.split_whitespace().map(str::len).sum();
            if typed < 44 {
                ui.label(format!("{typed} characters typed…"));
            } else {
                ui.colored_label(theme::WARN, wording::mrz_error(&e));
            }
        }
    }
}

pub fn reading(
    ui: &mut Ui,
    file: &str,
    done: usize,
    total: usize,
    files_done: usize,
) -> Option<Action> {
    heading(ui, "Reading the chip: keep the passport still");
    let fraction = if total == 0 { 0.0 } else { done as f32 / total as f32 };
    let what = match file {
        "" => "Opening the chip".to_owned(),
        "EF.DG2" => "The photo (EF.DG2)".to_owned(),
        "EF.DG1" => "The MRZ data (EF.DG1)".to_owned(),
        "EF.SOD" => "The issuer's signature (EF.SOD)".to_owned(),
        "EF.COM" => "The file index (EF.COM)".to_owned(),
        "EF.CardAccess" => "The access settings (EF.CardAccess)".to_owned(),
        other => other.to_owned(),
    };
    ui.label(format!("{what}: {} of {}", size(done), size(total)));
    ui.add(egui::ProgressBar::new(fraction).desired_width(600.0).show_percentage());
    ui.label(format!("Files read so far: {files_done}"));
    ui.add_space(16.0);
    big(ui, "Cancel").then_some(Action::Do(Input::Cancel))
}

/// "850 bytes", "15.2 kB".
fn size(bytes: usize) -> String {
    if bytes < 1024 { format!("{bytes} bytes") } else { format!("{:.1} kB", bytes as f64 / 1024.0) }
}

pub fn review(
    ui: &mut Ui,
    personal: &Personal,
    face: Option<&egui::TextureHandle>,
    consent: &mut bool,
) -> Option<Action> {
    let (Some(facts), Some(chip)) = (personal.facts(), personal.chip()) else { return None };
    heading(ui, "Check the passport");
    ui.horizontal_top(|ui| {
        match face {
            Some(t) => {
                ui.add(
                    egui::Image::new(t)
                        .max_height(280.0)
                        .max_width(240.0)
                        .alt_text("Photo from the chip"),
                );
            }
            None => {
                ui.colored_label(theme::BAD, "No photo");
            }
        }
        ui.add_space(16.0);
        ui.vertical(|ui| {
            egui::Grid::new("review").num_columns(2).spacing([20.0, 6.0]).show(ui, |ui| {
                row(ui, "Name", RichText::new(facts.name.as_str()));
                row(ui, "Nationality", RichText::new(&facts.nationality));
                row(ui, "Document", RichText::new(&facts.document_type));
                row(ui, "Issued by", RichText::new(&facts.issuing_state));
                let exp = if facts.expired {
                    RichText::new(format!("{}  EXPIRED", facts.expiry)).color(theme::BAD).strong()
                } else {
                    RichText::new(&facts.expiry)
                };
                row(ui, "Expiry", exp);
                let color = match facts.authenticity.as_str() {
                    "valid" => theme::OK,
                    "invalid" => theme::BAD,
                    _ => theme::WARN,
                };
                let text = RichText::new(&facts.authenticity_summary).color(color);
                row(ui, "Authenticity", if color == theme::BAD { text.strong() } else { text });
                // The chip verdict beside it: PACE-CAM, Chip or Active Authentication.
                let color = match facts.chip_verdict.as_str() {
                    "genuine" => theme::OK,
                    "failed" => theme::BAD,
                    _ => theme::WARN,
                };
                let text = RichText::new(&facts.chip_summary).color(color);
                row(ui, "Chip", if color == theme::BAD { text.strong() } else { text });
                row(ui, "Chip access", RichText::new(&facts.access));
                // DG11 and DG12, when the chip holds them.
                for (label, value) in [
                    ("Name (national)", &facts.national_name),
                    ("Place of birth", &facts.place_of_birth),
                    ("Issuing authority", &facts.issuing_authority),
                ] {
                    if !value.is_empty() {
                        row(ui, label, RichText::new(value.as_str()));
                    }
                }
            });
            if !facts.authenticity_reason.is_empty() {
                ui.label(RichText::new(&facts.authenticity_reason).small());
            }
        });
    });
    ui.add_space(8.0);
    let usable = photo_rules(ui, personal);
    if let Some(e) = &chip.face_error {
        ui.colored_label(theme::BAD, e);
    }
    // The enrolment policy's decision (trust::policy): refused documents cannot be enrolled;
    // one let through only by a pilot setting says so in amber.
    let allowed = facts.decision.allows();
    match &facts.decision {
        crate::trust::Decision::Refuse(why) => {
            let failed = facts.authenticity == "invalid" || facts.chip_verdict == "failed";
            let color = if failed { theme::BAD } else { theme::WARN };
            ui.colored_label(
                color,
                RichText::new(format!("{}: it cannot be enrolled. {}", why.title, why.detail))
                    .strong(),
            );
        }
        crate::trust::Decision::AllowUnverifiedByPolicy => {
            ui.colored_label(
                theme::WARN,
                RichText::new(
                    "NOT VERIFIED: enrolment is allowed only by the pilot setting \
                     allow_unverified, and the record will say so.",
                )
                .strong(),
            );
        }
        crate::trust::Decision::AllowStaleCrlByPolicy => {
            ui.colored_label(
                theme::WARN,
                RichText::new(
                    "The revocation list is out of date: enrolment is allowed only by the \
                     setting stale_crl = \"allow\", and the record will say so.",
                )
                .strong(),
            );
        }
        crate::trust::Decision::Allow => {}
    }
    ui.add_space(8.0);
    ui.checkbox(consent, "The customer consents to enrolling their face with iProov");
    let mut action = None;
    ui.horizontal(|ui| {
        if big_enabled(ui, *consent && usable && allowed, "Enrol with iProov") {
            action = Some(Action::Do(Input::Confirm { consent: *consent }));
        }
        if big(ui, "Cancel") {
            action = Some(Action::Do(Input::Cancel));
        }
    });
    action
}

pub(super) fn row(ui: &mut Ui, name: &str, value: RichText) {
    ui.label(RichText::new(name).color(Color32::DARK_GRAY));
    ui.label(value);
    ui.end_row();
}

/// The API's image rules with plain explanations; returns whether the photo can be used.
pub(super) fn photo_rules(ui: &mut Ui, personal: &Personal) -> bool {
    let Some(f) = personal.face() else { return false };
    if f.meets_requirements {
        ui.colored_label(theme::OK, "✔ The photo meets iProov's image rules");
    } else {
        ui.colored_label(theme::BAD, "✘ The photo does not meet iProov's image rules");
    }
    let eyes = match f.eye_distance_px {
        Some(d) => format!(
            "eyes {d:.0} px apart (at least {:.0} needed)",
            crate::face::MIN_EYE_DISTANCE_PX
        ),
        None => "eye distance not measured".into(),
    };
    ui.label(
        RichText::new(format!(
            "{} x {} px, {} kB {} (at most 2 MB), {eyes}",
            f.width,
            f.height,
            f.bytes.len().div_ceil(1024),
            f.output_format.media_type()
        ))
        .small(),
    );
    for p in &f.problems {
        ui.colored_label(theme::WARN, p);
    }
    f.meets_requirements
}

pub fn face_scan(ui: &mut Ui, demo: bool) -> Option<Action> {
    heading(ui, "Face scan");
    if demo {
        ui.label(
            "Demo mode: no camera is used. Choose how the customer's face scan ends; iProov's \
             answer (from the fake service) then decides the result.",
        );
    } else {
        ui.label("The face scan is open on the customer's screen. Ask the customer to look at it.");
    }
    ui.add_space(16.0);
    let mut action = None;
    ui.horizontal(|ui| {
        if demo {
            if big(ui, "Simulate pass") {
                action = Some(Action::SimulateScan(true));
            }
            if big(ui, "Simulate fail") {
                action = Some(Action::SimulateScan(false));
            }
        } else if big(ui, "The scan has finished") {
            action = Some(Action::ScanEnded);
        }
        if big(ui, "Cancel scan") {
            action = Some(Action::Do(Input::Cancel));
        }
    });
    action
}

pub fn validating(ui: &mut Ui) -> Option<Action> {
    heading(ui, "Getting the result from iProov");
    ui.add(egui::Spinner::new().size(28.0));
    None
}

pub fn result(ui: &mut Ui, passed: bool, reason: Option<&str>, user_id: &str) -> Option<Action> {
    let reference = user_id.get(..8).unwrap_or(user_id);
    let mut action = None;
    if passed {
        ui.heading(RichText::new("Enrolment passed").color(theme::OK).size(44.0));
        ui.label("The customer's face is enrolled with iProov.");
        ui.label(format!("Record saved (reference {reference}…)."));
        if big(ui, "New customer") {
            action = Some(Action::Do(Input::NewCustomer));
        }
    } else {
        ui.heading(RichText::new("The face scan did not pass").color(theme::BAD).size(44.0));
        ui.label(wording::failed_scan(reason));
        ui.label(format!("Record saved (reference {reference}…)."));
        ui.horizontal(|ui| {
            if big(ui, "Start a new face scan") {
                action = Some(Action::Do(Input::Choose(Way::NewScan)));
            }
            if big(ui, "New customer") {
                action = Some(Action::Do(Input::NewCustomer));
            }
        });
    }
    action
}

pub fn problem(ui: &mut Ui, title: &str, detail: &str, ways: &[Way]) -> Option<Action> {
    ui.heading(RichText::new(title).color(theme::BAD));
    ui.label(detail);
    ui.add_space(16.0);
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        for way in ways {
            let text = match way {
                Way::PlaceAgain => "Place the passport again",
                Way::ReenterDocument => "Type the MRZ or CAN again",
                Way::RetryEnrol => "Try again",
                Way::NewScan => "Start a new face scan",
                Way::NewCustomer => "New customer",
                Way::UsePhotoPage => "Use the photo page",
                Way::ScanPageAgain => "Scan the photo page again",
                Way::ReenterReference => "Type the reference again",
            };
            if big(ui, text) {
                action = Some(Action::Do(Input::Choose(*way)));
            }
        }
    });
    action
}

/// Draws the stage's screen.
pub fn stage(
    ui: &mut Ui,
    stage: &Stage,
    personal: Option<&Personal>,
    face: Option<&egui::TextureHandle>,
    preview: Option<&egui::TextureHandle>,
    form: &mut Form,
    status: &Status,
) -> Option<Action> {
    if !matches!(stage, Stage::Document { .. }) {
        // Coming back to the Document screen (e.g. after a refused MRZ) puts the cursor back.
        form.focused = None;
    }
    match stage {
        Stage::Home => status::home(ui, status),
        Stage::Document { error } => document(ui, form, error.as_deref()),
        Stage::PlacePassport => status::place_passport(ui, status),
        Stage::Reading { file, done, total, files_done } => {
            reading(ui, file, *done, *total, *files_done)
        }
        Stage::PageCapture { note } => photo_screens::page_capture(ui, note.as_deref(), preview),
        Stage::PageReading => photo_screens::page_reading(ui),
        Stage::Reference { error } => {
            photo_screens::reference(ui, &mut form.reference, error.as_deref())
        }
        Stage::Fetching => photo_screens::fetching(ui),
        Stage::Review => match personal.map(|p| (p, p.photo())) {
            Some((p, Photo::Chip(_))) => review(ui, p, face, &mut form.consent),
            Some((p, Photo::Page { .. })) => {
                photo_screens::review_page(ui, p, face, &mut form.consent)
            }
            Some((p, Photo::OnFile(_))) => {
                photo_screens::review_on_file(ui, p, face, &mut form.consent)
            }
            None => None,
        },
        Stage::Enrolling { steps } => super::enrolling::enrolling(ui, steps),
        Stage::FaceScan { .. } => face_scan(ui, status.demo_mrz.is_some()),
        Stage::Validating => validating(ui),
        Stage::Result { passed, reason, user_id } => {
            result(ui, *passed, reason.as_deref(), user_id)
        }
        Stage::Problem { title, detail, ways } => problem(ui, title, detail, ways),
    }
}
