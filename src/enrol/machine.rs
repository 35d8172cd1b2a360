//! The enrolment state machine: [`Stage`]s, the [`Input`]s that move it (staff actions and
//! worker results) and the [`Effect`]s it asks its driver to carry out. Pure apart from
//! generating a user_id; no I/O, no UI.
//!
//! Worker results carry the job number of the effect that started them; a result from an
//! abandoned job (cancelled read, customer gone) is ignored, so a late event can never
//! move a new customer's workflow.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::personal::{ChipResult, Personal};
pub use super::progress::{Checklist, Mark};
pub use super::signals::{DocumentInput, Effect, Input, ReadFailure, ServiceFailure};
use super::wording;
use crate::access::Password;
use crate::iproov::journey::{EnrolStarted, ValidateOutcome};
use crate::iproov::{ImageSource, UserId};
use crate::mrz::{AccessKey, Can};

/// A way forward offered with a problem or a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Read the same passport again (it was moved away, or reading was cancelled).
    PlaceAgain,
    /// Type the MRZ again (the chip refused the key).
    ReenterDocument,
    /// Run the enrolment calls again (same user_id; the journey resumes where it stopped).
    RetryEnrol,
    /// A new verify token and a new face scan for the same enrolment.
    NewScan,
    /// Wipe everything and go Home.
    NewCustomer,
}

/// Where the workflow is. Each stage holds only what its screen shows; personal data sits
/// in [`Personal`], owned by the [`Workflow`].
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Home,
    /// MRZ / CAN entry; `error` is the plain reason the last entry was refused.
    Document {
        error: Option<String>,
    },
    /// Waiting for the passport on the reader.
    PlacePassport,
    /// Reading the chip: current file and bytes of it.
    Reading {
        file: String,
        done: usize,
        total: usize,
        files_done: usize,
    },
    /// Staff check the chip data and confirm consent.
    Review,
    /// The enrolment API calls are running; the checklist shows which.
    Enrolling {
        steps: Checklist,
    },
    /// The face scan was launched; waiting for it to finish.
    FaceScan {
        scan_url: String,
    },
    /// Asking the service for the scan's outcome.
    Validating,
    /// The outcome. Personal data is already wiped here.
    Result {
        passed: bool,
        reason: Option<String>,
        user_id: String,
    },
    /// Something went wrong: a plain sentence and the ways forward.
    Problem {
        title: String,
        detail: String,
        ways: Vec<Way>,
    },
}

impl Stage {
    /// A stable short name (for logs, tests and timing).
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Home => "home",
            Stage::Document { .. } => "document",
            Stage::PlacePassport => "place-passport",
            Stage::Reading { .. } => "reading",
            Stage::Review => "review",
            Stage::Enrolling { .. } => "enrolling",
            Stage::FaceScan { .. } => "face-scan",
            Stage::Validating => "validating",
            Stage::Result { .. } => "result",
            Stage::Problem { .. } => "problem",
        }
    }
}

/// The enrolment of one customer at a time.
pub struct Workflow {
    stage: Stage,
    job: u64,
    key: Option<Password>,
    cancel: Option<Arc<AtomicBool>>,
    personal: Option<Personal>,
    user_id: Option<UserId>,
    verify_token: Option<String>,
    last_input: Instant,
    idle_timeout: Duration,
}

impl Default for Workflow {
    fn default() -> Self {
        Workflow::new(Duration::from_secs(180))
    }
}

impl Workflow {
    /// A workflow at Home that returns there (wiping everything) after `idle_timeout`
    /// without staff input.
    pub fn new(idle_timeout: Duration) -> Workflow {
        Workflow {
            stage: Stage::Home,
            job: 0,
            key: None,
            cancel: None,
            personal: None,
            user_id: None,
            verify_token: None,
            last_input: Instant::now(),
            idle_timeout,
        }
    }

    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// The current customer's data, while there is one.
    pub fn personal(&self) -> Option<&Personal> {
        self.personal.as_ref()
    }

    /// True while any personal data (key, chip data, face) is held.
    pub fn holds_personal_data(&self) -> bool {
        self.key.is_some() || self.personal.is_some()
    }

    /// The user_id of the current enrolment, once one was started.
    pub fn user_id(&self) -> Option<&UserId> {
        self.user_id.as_ref()
    }

    /// The job number results must carry to be accepted.
    pub fn job(&self) -> u64 {
        self.job
    }

    /// Time left before the idle timeout fires (None at Home: nothing to time out).
    pub fn idle_remaining(&self, now: Instant) -> Option<Duration> {
        if self.stage == Stage::Home {
            return None;
        }
        Some(self.idle_timeout.saturating_sub(now.saturating_duration_since(self.last_input)))
    }

    /// Fires the idle timeout when due; returns true when it did.
    pub fn tick(&mut self, now: Instant) -> bool {
        if self.idle_remaining(now) == Some(Duration::ZERO) && !self.is_busy() {
            self.apply(Input::IdleTimeout);
            return true;
        }
        false
    }

    /// Work is running that the customer is waiting on (no idle timeout then).
    fn is_busy(&self) -> bool {
        matches!(self.stage, Stage::Reading { .. } | Stage::Enrolling { .. } | Stage::Validating)
    }

    fn next_job(&mut self) -> u64 {
        self.job = self.job.wrapping_add(1);
        self.job
    }

    fn current(&self, job: u64) -> bool {
        job == self.job
    }

    /// Applies one input and returns the effects to carry out.
    pub fn apply(&mut self, input: Input) -> Vec<Effect> {
        let staff = matches!(
            input,
            Input::Start
                | Input::Submit(_)
                | Input::Confirm { .. }
                | Input::Cancel
                | Input::Choose(_)
                | Input::NewCustomer
        );
        if staff {
            self.last_input = Instant::now();
        }
        match input {
            Input::NewCustomer | Input::IdleTimeout | Input::Choose(Way::NewCustomer) => {
                self.wipe();
                self.stage = Stage::Home;
                Vec::new()
            }
            Input::Start if self.stage == Stage::Home => {
                self.stage = Stage::Document { error: None };
                Vec::new()
            }
            Input::Submit(doc) if matches!(self.stage, Stage::Document { .. }) => self.submit(doc),
            Input::CardPresent { job } if self.current(job) => {
                if self.stage == Stage::PlacePassport {
                    self.stage =
                        Stage::Reading { file: String::new(), done: 0, total: 0, files_done: 0 };
                }
                Vec::new()
            }
            Input::Progress { job, file, done, total } if self.current(job) => {
                if let Stage::Reading { file: f, done: d, total: t, files_done } = &mut self.stage {
                    if *f != file && !f.is_empty() {
                        *files_done += 1;
                    }
                    *f = file;
                    *d = done;
                    *t = total;
                } else if self.stage == Stage::PlacePassport {
                    self.stage = Stage::Reading { file, done, total, files_done: 0 };
                }
                Vec::new()
            }
            Input::ReadDone { job, result } if self.current(job) => self.read_done(result),
            Input::Confirm { consent } if self.stage == Stage::Review => self.confirm(consent),
            Input::EnrolProgress { job, step, state } if self.current(job) => {
                if let Stage::Enrolling { steps } = &mut self.stage {
                    steps.update(step, state);
                }
                Vec::new()
            }
            Input::Enrolled { job, result } if self.current(job) => self.enrolled(result),
            Input::ScanFinished { job } if self.current(job) => self.scan_finished(),
            Input::Validated { job, result } if self.current(job) => self.validated(result),
            Input::Cancel => self.cancel(),
            Input::Choose(way) => self.choose(way),
            other => {
                tracing::debug!(input = ?other, stage = self.stage.name(), "input ignored");
                Vec::new()
            }
        }
    }

    fn submit(&mut self, doc: DocumentInput) -> Vec<Effect> {
        let key = match doc {
            DocumentInput::Mrz(text) => AccessKey::from_mrz_text(&text).map(Password::Mrz),
            DocumentInput::Fields { number, birth, expiry } => {
                AccessKey::from_parts(&number, &birth, &expiry).map(Password::Mrz)
            }
            DocumentInput::Can(text) => Can::new(&text).map(Password::Can),
        };
        match key {
            Ok(key) => {
                self.key = Some(key);
                self.start_read()
            }
            Err(e) => {
                self.stage = Stage::Document { error: Some(wording::mrz_error(&e)) };
                Vec::new()
            }
        }
    }

    fn start_read(&mut self) -> Vec<Effect> {
        let Some(key) = self.key.clone() else {
            self.stage = Stage::Document { error: None };
            return Vec::new();
        };
        self.personal = None;
        let job = self.next_job();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancel = Some(cancel.clone());
        self.stage = Stage::PlacePassport;
        vec![Effect::ReadPassport { job, key, cancel }]
    }

    fn read_done(&mut self, result: Result<Box<ChipResult>, ReadFailure>) -> Vec<Effect> {
        self.cancel = None;
        match result {
            Ok(chip) => {
                self.personal = Some(Personal::new(chip));
                self.stage = Stage::Review;
            }
            Err(f) => {
                tracing::info!(detail = %f.detail, "chip read failed");
                let with_can = matches!(self.key, Some(Password::Can(_)));
                self.stage = wording::read_problem(&f, with_can);
            }
        }
        Vec::new()
    }

    fn confirm(&mut self, consent: bool) -> Vec<Effect> {
        if !consent {
            return Vec::new();
        }
        let Some(p) = &self.personal else {
            self.stage = Stage::Home;
            return Vec::new();
        };
        if let crate::trust::Decision::Refuse(why) = &p.facts().decision {
            // Only a document the enrolment policy allows (strict: passive authentication
            // valid, not expired) is enrolled as an eID image.
            self.stage = Stage::Problem {
                title: why.title.clone(),
                detail: why.detail.clone(),
                ways: vec![Way::NewCustomer],
            };
            return Vec::new();
        }
        let Some(image) = p.upload_image() else {
            self.stage = Stage::Problem {
                title: "The chip photo cannot be used".into(),
                detail: wording::face_unusable(p),
                ways: vec![Way::NewCustomer],
            };
            return Vec::new();
        };
        let facts = p.document_facts();
        let user_id = self.user_id.get_or_insert_with(UserId::generate).clone();
        let job = self.next_job();
        // The photo comes from the chip: an eID source.
        let source = ImageSource::Eid;
        self.stage = Stage::Enrolling { steps: Checklist::enrol(source) };
        vec![Effect::Enrol { job, user_id, image, facts, source }]
    }

    fn enrolled(&mut self, result: Result<EnrolStarted, ServiceFailure>) -> Vec<Effect> {
        match result {
            Ok(started) => {
                // The photo is registered: the chip data is no longer needed.
                self.personal = None;
                self.key = None;
                let job = self.job;
                self.verify_token = Some(started.verify_token.clone());
                self.stage = Stage::FaceScan { scan_url: started.scan_url.clone() };
                vec![Effect::LaunchScan {
                    job,
                    user_id: started.user_id,
                    verify_token: started.verify_token,
                    scan_url: started.scan_url,
                }]
            }
            Err(f) => {
                // An answer lost in flight is never repeated (the records say "outcome
                // unknown"); staff start over instead.
                let ways = if f.outcome_unknown {
                    vec![Way::NewCustomer]
                } else {
                    vec![Way::RetryEnrol, Way::NewCustomer]
                };
                self.stage = Stage::Problem {
                    title: "The enrolment with iProov did not go through".into(),
                    detail: f.message,
                    ways,
                };
                Vec::new()
            }
        }
    }

    fn scan_finished(&mut self) -> Vec<Effect> {
        if !matches!(self.stage, Stage::FaceScan { .. }) {
            return Vec::new();
        }
        let (Some(user_id), Some(token)) = (self.user_id.clone(), self.verify_token.clone()) else {
            return Vec::new();
        };
        let job = self.next_job();
        self.stage = Stage::Validating;
        vec![Effect::Validate { job, user_id, verify_token: token }]
    }

    fn validated(&mut self, result: Result<ValidateOutcome, ServiceFailure>) -> Vec<Effect> {
        match result {
            Ok(out) => {
                let user_id = out.user_id.clone();
                let passed = out.passed == Some(true);
                self.wipe_personal();
                self.stage = Stage::Result { passed, reason: out.reason, user_id };
            }
            Err(f) => {
                self.stage = Stage::Problem {
                    title: "The face scan result could not be fetched".into(),
                    detail: f.message,
                    ways: vec![Way::NewScan, Way::NewCustomer],
                };
            }
        }
        Vec::new()
    }

    fn cancel(&mut self) -> Vec<Effect> {
        match &self.stage {
            Stage::Document { .. } => {
                self.wipe();
                self.stage = Stage::Home;
            }
            Stage::PlacePassport | Stage::Reading { .. } => {
                if let Some(c) = self.cancel.take() {
                    c.store(true, Ordering::SeqCst);
                }
                self.next_job();
                self.stage = Stage::Problem {
                    title: "Reading was cancelled".into(),
                    detail: "Nothing was read. Place the passport again, or type the MRZ again."
                        .into(),
                    ways: vec![Way::PlaceAgain, Way::ReenterDocument, Way::NewCustomer],
                };
            }
            Stage::Review => {
                self.wipe();
                self.stage = Stage::Home;
            }
            Stage::FaceScan { .. } => {
                self.next_job();
                self.stage = Stage::Problem {
                    title: "The face scan was cancelled".into(),
                    detail: "The customer's photo is enrolled; a new face scan can be started."
                        .into(),
                    ways: vec![Way::NewScan, Way::NewCustomer],
                };
            }
            _ => {}
        }
        Vec::new()
    }

    fn choose(&mut self, way: Way) -> Vec<Effect> {
        let offered = match &self.stage {
            Stage::Problem { ways, .. } => ways.contains(&way),
            Stage::Result { passed: false, .. } => way == Way::NewScan,
            _ => false,
        };
        if !offered {
            return Vec::new();
        }
        match way {
            Way::PlaceAgain => self.start_read(),
            Way::ReenterDocument => {
                self.key = None;
                self.personal = None;
                self.stage = Stage::Document { error: None };
                Vec::new()
            }
            Way::RetryEnrol => {
                self.stage = Stage::Review;
                self.confirm(true)
            }
            Way::NewScan => {
                let Some(user_id) = self.user_id.clone() else {
                    return Vec::new();
                };
                let job = self.next_job();
                self.stage = Stage::Enrolling { steps: Checklist::new_scan(ImageSource::Eid) };
                vec![Effect::NewVerifyToken { job, user_id }]
            }
            Way::NewCustomer => {
                self.wipe();
                self.stage = Stage::Home;
                Vec::new()
            }
        }
    }

    fn wipe_personal(&mut self) {
        self.personal = None;
        self.key = None;
    }

    /// Forgets the customer: personal data dropped (and so zeroized), running work cancelled
    /// and its late results ignored.
    fn wipe(&mut self) {
        if let Some(c) = self.cancel.take() {
            c.store(true, Ordering::SeqCst);
        }
        self.wipe_personal();
        self.user_id = None;
        self.verify_token = None;
        self.next_job();
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
