//! The Enrolling screen's checklist: the
//! three calls before a face scan — enrol token, enrol image, verify token (iProov API v2
//! photo-enrol) — each waiting, in progress or done, moved by the journey's step hook.

use crate::iproov::ImageSource;
use crate::iproov::journey::StepState;
use crate::records::Step;

/// Where one call of the sequence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Not started yet.
    Waiting,
    /// The call is on its way.
    Running,
    /// Answered.
    Done,
    /// Not needed this time: an earlier attempt already did it (shown as done).
    DoneEarlier,
}

impl Mark {
    /// The word shown (and read out) after the step.
    pub fn word(self) -> &'static str {
        match self {
            Mark::Waiting => "waiting",
            Mark::Running => "in progress",
            Mark::Done => "done",
            Mark::DoneEarlier => "done earlier",
        }
    }

    /// Done, now or by an earlier attempt.
    pub fn is_done(self) -> bool {
        matches!(self, Mark::Done | Mark::DoneEarlier)
    }
}

/// The steps of one enrolment attempt, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    /// The image's `source` as sent to the service.
    pub source: ImageSource,
    pub enrol_token: Mark,
    pub enrol_image: Mark,
    pub verify_token: Mark,
}

/// The steps shown, in order.
pub const STEPS: [Step; 3] = [Step::EnrolToken, Step::EnrolImage, Step::VerifyToken];

impl Checklist {
    /// A whole enrolment: all three steps waiting.
    pub fn enrol(source: ImageSource) -> Checklist {
        Checklist {
            source,
            enrol_token: Mark::Waiting,
            enrol_image: Mark::Waiting,
            verify_token: Mark::Waiting,
        }
    }

    /// A new face scan for a photo already registered: only the verify token is asked for.
    pub fn new_scan(source: ImageSource) -> Checklist {
        Checklist {
            source,
            enrol_token: Mark::DoneEarlier,
            enrol_image: Mark::DoneEarlier,
            verify_token: Mark::Waiting,
        }
    }

    /// The mark of `step` (validate is not part of this list: always waiting).
    pub fn mark(&self, step: Step) -> Mark {
        match step {
            Step::EnrolToken => self.enrol_token,
            Step::EnrolImage => self.enrol_image,
            Step::VerifyToken => self.verify_token,
            Step::Validate => Mark::Waiting,
        }
    }

    /// Applies one event of the journey's step hook. Returns true when a mark changed.
    pub fn update(&mut self, step: Step, state: StepState) -> bool {
        let slot = match step {
            Step::EnrolToken => &mut self.enrol_token,
            Step::EnrolImage => &mut self.enrol_image,
            Step::VerifyToken => &mut self.verify_token,
            Step::Validate => return false,
        };
        let new = match state {
            StepState::Started => Mark::Running,
            StepState::Finished => Mark::Done,
            StepState::Skipped => Mark::DoneEarlier,
        };
        // A step never goes back (a late "started" after its "finished" changes nothing).
        if slot.is_done() || *slot == new {
            return false;
        }
        *slot = new;
        true
    }

    /// The plain sentence for `step`.
    pub fn words(&self, step: Step) -> String {
        match step {
            Step::EnrolToken => "Asking iProov for an enrolment token".to_owned(),
            Step::EnrolImage => {
                let what = match self.source {
                    ImageSource::Eid => "the chip photo",
                    ImageSource::Oid => "the photo-page portrait",
                    ImageSource::Selfie => "the photo on file",
                };
                format!("Sending {what} (source: {})", self.source.as_str())
            }
            Step::VerifyToken => "Getting the face-scan token".to_owned(),
            Step::Validate => "Getting the face-scan result".to_owned(),
        }
    }

    /// What a screen reader says for `step`: the sentence and its mark.
    pub fn accessible(&self, step: Step) -> String {
        format!("{}: {}", self.words(step), self.mark(step).word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_move_forward_only() {
        let mut c = Checklist::enrol(ImageSource::Eid);
        assert!(c.update(Step::EnrolToken, StepState::Started));
        assert_eq!(c.mark(Step::EnrolToken), Mark::Running);
        assert!(c.update(Step::EnrolToken, StepState::Finished));
        assert!(!c.update(Step::EnrolToken, StepState::Started), "no going back");
        assert_eq!(c.mark(Step::EnrolToken), Mark::Done);
        assert_eq!(c.mark(Step::EnrolImage), Mark::Waiting);
        assert!(!c.update(Step::Validate, StepState::Started));
    }

    #[test]
    fn skipped_steps_read_as_done_earlier() {
        let mut c = Checklist::enrol(ImageSource::Eid);
        c.update(Step::EnrolToken, StepState::Skipped);
        c.update(Step::EnrolImage, StepState::Skipped);
        assert!(c.mark(Step::EnrolImage).is_done());
        assert_eq!(
            c.accessible(Step::EnrolImage),
            "Sending the chip photo (source: eid): done earlier"
        );
        assert_eq!(Checklist::new_scan(ImageSource::Eid).mark(Step::EnrolToken), Mark::DoneEarlier);
    }
}
