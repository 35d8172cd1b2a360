//! The Enrolling screen: a checklist of the photo-enrol calls — enrol token,
//! chip photo upload, verify token — each done, in progress or waiting, in plain words.
//! Each row is one label ("Getting the face-scan token: in progress") so a screen reader
//! (and the GUI tests) read the sentence with its state; the mark is painted beside it.

use eframe::egui::{self, Color32, RichText, Sense, Stroke, Ui, vec2};

use super::screens::Action;
use super::theme;
use crate::enrol::progress::{Checklist, Mark, STEPS};

/// Side of the square a mark is painted in.
const MARK: f32 = 30.0;

pub fn enrolling(ui: &mut Ui, steps: &Checklist) -> Option<Action> {
    ui.add_space(8.0);
    ui.heading("Registering the passport photo with iProov");
    ui.add_space(8.0);
    ui.label("Three calls to iProov prepare the face scan:");
    ui.add_space(4.0);
    for step in STEPS {
        let mark = steps.mark(step);
        ui.horizontal(|ui| {
            draw_mark(ui, mark);
            let text = RichText::new(steps.accessible(step));
            let text = match mark {
                Mark::Waiting => text.color(Color32::DARK_GRAY),
                Mark::Running => text.strong(),
                Mark::Done | Mark::DoneEarlier => text.color(theme::OK),
            };
            ui.label(text);
        });
    }
    ui.add_space(16.0);
    // The customer may withdraw: no further call is made and the record is abandoned.
    if super::screens::big(ui, "Stop the enrolment") {
        return Some(Action::Do(crate::enrol::Input::Cancel));
    }
    None
}

/// Done: a filled green disc with a tick; in progress: a spinner; waiting: an empty ring.
/// Painted only (no accessible node of its own: the row's label says the state).
fn draw_mark(ui: &mut Ui, mark: Mark) {
    if mark == Mark::Running {
        ui.add(egui::Spinner::new().size(MARK));
        return;
    }
    let (rect, _) = ui.allocate_exact_size(vec2(MARK, MARK), Sense::hover());
    let painter = ui.painter();
    let c = rect.center();
    let r = MARK * 0.42;
    if mark.is_done() {
        painter.circle_filled(c, r, theme::OK);
        let tick =
            [c + vec2(-r * 0.5, 0.0), c + vec2(-r * 0.1, r * 0.4), c + vec2(r * 0.55, -r * 0.4)];
        painter.line_segment([tick[0], tick[1]], Stroke::new(3.0, Color32::WHITE));
        painter.line_segment([tick[1], tick[2]], Stroke::new(3.0, Color32::WHITE));
    } else {
        painter.circle_stroke(c, r, Stroke::new(2.0, Color32::GRAY));
    }
}
