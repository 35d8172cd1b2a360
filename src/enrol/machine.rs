//! The enrolment state machine: [`Stage`]s, the [`Input`]s that move it (staff actions and
//! worker results) and the [`Effect`]s it asks its driver to carry out. Pure apart from
//! generating a user_id; no I/O, no UI. It depends only on the workflow's own value types
//! (`stage`, `signals`, `status`, `progress`, `personal`, `wording`), never on the executor,
//! the watchers or the face-scan page.
//!
//! Worker results carry the job number of the effect that started them; a result from an
//! abandoned job (cancelled read, customer gone) is ignored, so a late event can never
//! move a new customer's workflow.
//!
//! Three photo sources: the chip (`eid`); the passport's photo page (`oid`), offered when a
//! chip read fails in a way a retry won't fix or staff say the chip is unreadable, whose MRZ
//! must match what was typed; and the bank's photo on file (`selfie`), by customer
//! reference. Which of the last two a kiosk offers is its [`Offer`].
//!
//! One customer at a time: the user_id is made when that customer's enrolment starts
//! (consent confirmed on Review) and dropped with everything else whenever the workflow
//! goes Home ([`Workflow::go_home`], the only way there). A document offered while a
//! user_id is still held is refused and the workflow wiped: a user_id is never reused for
//! another document. Dropping a user_id whose enrolment has no validate outcome yet (the
//! customer left mid-way) asks for [`Effect::Abandon`]; after a result nothing is abandoned.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::personal::{ChipResult, Personal};
pub use super::progress::{Checklist, Mark};
pub use super::signals::{DocumentInput, Effect, Input, ReadFailure, ServiceFailure};
use super::sources::Offer;
pub use super::stage::{Stage, Way};
use super::wording;
use crate::access::Password;
use crate::iproov::journey::{EnrolStarted, ValidateOutcome};
use crate::iproov::{ImageSource, UserId};
use crate::mrz::{AccessKey, Can};

/// The network job the Enrolling stage waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// enrol token → enrol image → verify token.
    Enrol,
    /// A new verify token for an enrolled user_id (a new face scan).
    NewScan,
}

/// The enrolment of one customer at a time.
pub struct Workflow {
    stage: Stage,
    job: u64,
    key: Option<Password>,
    /// Stops the running chip read or network job (set by cancel and every wipe).
    cancel: Option<Arc<AtomicBool>>,
    personal: Option<Personal>,
    user_id: Option<UserId>,
    verify_token: Option<String>,
    pending: Option<Pending>,
    /// The held enrolment has a validate outcome (a Result was shown): it is complete and
    /// is not abandoned when dropped.
    validated: bool,
    last_input: Instant,
    idle_timeout: Duration,
    /// The photo sources offered besides the chip.
    offer: Offer,
    /// The source of the held enrolment's photo (for a new face scan's checklist).
    source: ImageSource,
    /// Chip reads of this customer that failed (not cancelled, not refused by the key).
    failed_reads: u32,
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
            pending: None,
            validated: false,
            last_input: Instant::now(),
            idle_timeout,
            offer: Offer::default(),
            source: ImageSource::Eid,
            failed_reads: 0,
        }
    }

    /// The photo sources this kiosk offers besides the chip (none by default).
    pub fn with_offer(mut self, offer: Offer) -> Workflow {
        self.offer = offer;
        self
    }

    pub fn offer(&self) -> Offer {
        self.offer
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

    /// Fires the idle timeout when due; returns the effects to carry out when it did (None
    /// when it did not).
    pub fn tick(&mut self, now: Instant) -> Option<Vec<Effect>> {
        if self.idle_remaining(now) == Some(Duration::ZERO) && !self.is_busy() {
            return Some(self.apply(Input::IdleTimeout));
        }
        None
    }

    /// The customer is busy or waiting on work (no idle timeout then): a chip read, a
    /// network call, or the face scan itself.
    pub fn is_busy(&self) -> bool {
        matches!(
            self.stage,
            Stage::Reading { .. }
                | Stage::PageReading
                | Stage::Fetching
                | Stage::Enrolling { .. }
                | Stage::FaceScan { .. }
                | Stage::Validating
        )
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
                | Input::StartOnFile
                | Input::SubmitReference(_)
        );
        if staff {
            self.last_input = Instant::now();
        }
        match input {
            Input::NewCustomer | Input::Choose(Way::NewCustomer) => self.go_home("new customer"),
            Input::IdleTimeout => self.go_home("idle timeout"),
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
            Input::StartOnFile if self.stage == Stage::Home && self.offer.photo_on_file => {
                self.stage = Stage::Reference { error: None };
                Vec::new()
            }
            Input::SubmitReference(r) if matches!(self.stage, Stage::Reference { .. }) => {
                self.fetch_on_file(&r)
            }
            Input::OnFileFetched { job, result } if self.current(job) => self.on_file(result),
            Input::CaptureNote { job, note } if self.current(job) => {
                if let Stage::PageCapture { note: n } = &mut self.stage {
                    *n = Some(note);
                }
                Vec::new()
            }
            Input::PageCaptured { job, result } if self.current(job) => self.page_captured(result),
            Input::PageRead { job, result } if self.current(job) => self.page_read(result),
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
        if let Some(fx) = self.refuse_held_enrolment("a document was submitted") {
            return fx;
        }
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

    /// A document read never starts while an enrolment's user_id is held: that user_id
    /// belongs to an earlier customer (or to this one's finished enrolment), and reading
    /// another document under it would enrol one person's face under another's record.
    /// Such a state is a bug: it is logged as an error, everything is wiped, and staff
    /// start this customer again. Returns the wipe's effects when it refused.
    fn refuse_held_enrolment(&mut self, what: &'static str) -> Option<Vec<Effect>> {
        self.user_id.as_ref()?;
        tracing::error!(
            stage = self.stage.name(),
            "{what} while an enrolment's user_id was still held; refused, everything wiped"
        );
        let fx = self.wipe("enrolment wiped");
        self.stage = Stage::Document { error: Some(wording::held_enrolment_refused()) };
        Some(fx)
    }

    fn start_read(&mut self) -> Vec<Effect> {
        if let Some(fx) = self.refuse_held_enrolment("a chip read was asked for") {
            return fx;
        }
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
                tracing::info!(detail = %f.detail, unreadable = f.unreadable, "chip read failed");
                let with_can = matches!(self.key, Some(Password::Can(_)));
                let mut stage = wording::read_problem(&f, with_can);
                let chip_fault = !(f.cancelled || f.access_denied || f.needs_mrz);
                if chip_fault {
                    self.failed_reads = self.failed_reads.saturating_add(1);
                }
                // A retry won't fix it: the chip answers wrongly, or it failed twice.
                let hopeless = f.unreadable || self.failed_reads >= 2;
                if let Stage::Problem { ways, .. } = &mut stage
                    && self.offer.photo_page
                    && chip_fault
                    && hopeless
                {
                    let at = ways.iter().position(|w| *w == Way::NewCustomer).unwrap_or(ways.len());
                    ways.insert(at, Way::UsePhotoPage);
                }
                self.stage = stage;
            }
        }
        Vec::new()
    }

    /// Staff confirmed Review with the customer's consent: this customer's enrolment
    /// starts, under a user_id made for it now.
    fn confirm(&mut self, consent: bool) -> Vec<Effect> {
        if !consent {
            return Vec::new();
        }
        if self.user_id.is_some() {
            tracing::error!("Review confirmed while an enrolment's user_id was held; wiped");
            return self.go_home("enrolment wiped");
        }
        let Some(p) = &self.personal else {
            tracing::error!("Review confirmed without the customer's chip data; wiped");
            return self.go_home("enrolment wiped");
        };
        if let Some(stop) = wording::photo_refused(p) {
            self.stage = stop;
            return Vec::new();
        }
        if let Some(why) = p.facts().and_then(|f| {
            if let crate::trust::Decision::Refuse(w) = &f.decision { Some(w) } else { None }
        }) {
            // Only a document the enrolment policy allows (strict: passive authentication
            // valid, not expired) is enrolled as an eID image.
            self.stage = Stage::Problem {
                title: why.title.clone(),
                detail: why.detail.clone(),
                ways: vec![Way::NewCustomer],
            };
            return Vec::new();
        }
        if p.upload_image().is_none() {
            self.stage = wording::photo_unusable(p);
            return Vec::new();
        }
        self.source = p.source();
        self.user_id = Some(UserId::generate());
        self.validated = false;
        self.enrol()
    }

    /// Runs (or resumes, after a failure) the enrolment calls of the customer whose chip
    /// data is held, under the user_id made at their Review.
    fn enrol(&mut self) -> Vec<Effect> {
        let (Some(p), Some(user_id)) = (&self.personal, self.user_id.clone()) else {
            tracing::error!("enrolment asked for without the customer's data; wiped");
            return self.go_home("enrolment wiped");
        };
        let Some(image) = p.upload_image() else {
            return self.go_home("enrolment wiped");
        };
        let facts = p.document_facts();
        // The chip (eid), the photo page (oid) or the photo on file (selfie).
        let source = p.source();
        let job = self.next_job();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancel = Some(cancel.clone());
        self.pending = Some(Pending::Enrol);
        self.stage = Stage::Enrolling { steps: Checklist::enrol(source) };
        vec![Effect::Enrol { job, user_id, image, facts, source, cancel }]
    }

    fn enrolled(&mut self, result: Result<EnrolStarted, ServiceFailure>) -> Vec<Effect> {
        self.cancel = None;
        let pending = self.pending.take();
        match result {
            Ok(started) => {
                // The photo is registered: the chip data is no longer needed.
                self.wipe_personal();
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
                self.stage = match pending {
                    Some(Pending::NewScan) => wording::new_scan_failed(&f),
                    _ => wording::enrol_failed(&f),
                };
                Vec::new()
            }
        }
    }

    fn scan_finished(&mut self) -> Vec<Effect> {
        if !matches!(self.stage, Stage::FaceScan { .. }) {
            return Vec::new();
        }
        // A verify token is validated once: it is taken here.
        let (Some(user_id), Some(token)) = (self.user_id.clone(), self.verify_token.take()) else {
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
                self.validated = true;
                self.stage = Stage::Result { passed, reason: out.reason, user_id };
            }
            Err(f) => self.stage = wording::validate_failed(&f),
        }
        Vec::new()
    }

    fn cancel(&mut self) -> Vec<Effect> {
        match &self.stage {
            Stage::Document { .. } | Stage::Review => return self.go_home("customer left"),
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
            Stage::PageCapture { .. } | Stage::PageReading => {
                if let Some(c) = self.cancel.take() {
                    c.store(true, Ordering::SeqCst);
                }
                self.next_job();
                self.stage = wording::page_cancelled();
            }
            Stage::Reference { .. } => return self.go_home("customer left"),
            Stage::Fetching => {
                self.next_job();
                self.stage = wording::fetch_cancelled();
            }
            Stage::Enrolling { .. } => {
                // The customer withdrew (or staff stopped): the network job stops before its
                // next call, the customer is forgotten and the enrolment abandoned.
                let fx = self.wipe("customer left");
                self.stage = wording::enrolment_stopped();
                return fx;
            }
            Stage::FaceScan { .. } => {
                self.next_job();
                self.verify_token = None;
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
            Stage::Result { passed: false, .. } => matches!(way, Way::NewScan | Way::NewCustomer),
            Stage::Result { passed: true, .. } => way == Way::NewCustomer,
            // "No chip / chip unreadable" on the Place-passport screen.
            Stage::PlacePassport | Stage::Reading { .. } => way == Way::UsePhotoPage,
            // "Scan the page again" on a photo page's Review.
            Stage::Review => {
                way == Way::ScanPageAgain
                    && self.personal.as_ref().is_some_and(|p| p.source() == ImageSource::Oid)
            }
            _ => false,
        };
        let offered = offered && (self.offer.photo_page || way != Way::UsePhotoPage);
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
            Way::RetryEnrol => self.enrol(),
            Way::UsePhotoPage | Way::ScanPageAgain => self.start_capture(),
            Way::ReenterReference => {
                if let Some(fx) = self.refuse_held_enrolment("a customer reference was asked for") {
                    return fx;
                }
                self.personal = None;
                self.stage = Stage::Reference { error: None };
                Vec::new()
            }
            Way::NewScan => {
                let Some(user_id) = self.user_id.clone() else {
                    tracing::error!("a new face scan was asked for without an enrolment; wiped");
                    return self.go_home("enrolment wiped");
                };
                self.wipe_personal();
                self.verify_token = None;
                // A new verify token opens the enrolment again: left without its result, it
                // is abandoned (its token invalidated) like any unfinished enrolment.
                self.validated = false;
                let job = self.next_job();
                let cancel = Arc::new(AtomicBool::new(false));
                self.cancel = Some(cancel.clone());
                self.pending = Some(Pending::NewScan);
                self.stage = Stage::Enrolling { steps: Checklist::new_scan(self.source) };
                vec![Effect::NewVerifyToken { job, user_id, cancel }]
            }
            Way::NewCustomer => self.go_home("new customer"),
        }
    }

    fn wipe_personal(&mut self) {
        self.personal = None;
        self.key = None;
        self.failed_reads = 0;
    }

    /// Forgets the customer: personal data dropped (and so zeroized), the user_id and
    /// verify token dropped, running work cancelled and its late results ignored. A dropped
    /// user_id whose enrolment has no validate outcome is abandoned ([`Effect::Abandon`],
    /// with `reason`): the executor waits for its running network job, if any, first.
    fn wipe(&mut self, reason: &'static str) -> Vec<Effect> {
        if let Some(c) = self.cancel.take() {
            c.store(true, Ordering::SeqCst);
        }
        self.wipe_personal();
        let dropped = self.user_id.take();
        let validated = std::mem::replace(&mut self.validated, false);
        self.verify_token = None;
        self.pending = None;
        self.next_job();
        match dropped {
            Some(user_id) if !validated => vec![Effect::Abandon { user_id, reason }],
            _ => Vec::new(),
        }
    }

    /// The only way Home: the customer is wiped first, whatever the path.
    fn go_home(&mut self, reason: &'static str) -> Vec<Effect> {
        let fx = self.wipe(reason);
        self.stage = Stage::Home;
        fx
    }
}

#[path = "machine_photo.rs"]
mod photo;

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "machine_customer_tests.rs"]
mod customer_tests;

#[cfg(test)]
#[path = "machine_photo_tests.rs"]
mod photo_tests;

#[cfg(test)]
#[path = "machine_abandon_tests.rs"]
mod abandon_tests;

#[cfg(test)]
#[path = "machine_props.rs"]
mod props;
