//! What goes in and out of the enrolment state machine: the document staff typed, the
//! [`Input`]s (staff actions and worker results, tagged with their job) and the [`Effect`]s
//! the driver carries out. `Debug` never prints personal data.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use zeroize::Zeroizing;

use super::personal::ChipResult;
use super::stage::Way;
use super::status::StatusEvent;
use crate::access::Password;
use crate::iproov::journey::{EnrolStarted, StepState, ValidateOutcome};
use crate::iproov::{ImageSource, UserId};
use crate::records::{DocumentFacts, Step};

/// How staff identify the document.
pub enum DocumentInput {
    /// The full MRZ, typed or scanned by a keyboard-wedge reader (or a TD3 second line).
    Mrz(Zeroizing<String>),
    /// Document number, date of birth and date of expiry (YYMMDD) typed one by one.
    Fields { number: Zeroizing<String>, birth: Zeroizing<String>, expiry: Zeroizing<String> },
    /// The card access number printed on the document (PACE).
    Can(Zeroizing<String>),
}

impl fmt::Debug for DocumentInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DocumentInput::Mrz(_) => "DocumentInput::Mrz(REDACTED)",
            DocumentInput::Fields { .. } => "DocumentInput::Fields(REDACTED)",
            DocumentInput::Can(_) => "DocumentInput::Can(REDACTED)",
        })
    }
}

/// Why a chip read ended without data, reduced to what staff can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFailure {
    /// The passport left the field (removed, moved, reset).
    pub card_gone: bool,
    /// BAC/PACE failed: most likely the MRZ/CAN does not belong to this passport.
    pub access_denied: bool,
    /// A CAN was given but the chip has no PACE: only the MRZ opens it.
    pub needs_mrz: bool,
    /// Staff cancelled.
    pub cancelled: bool,
    /// The technical cause (no personal data).
    pub detail: String,
}

/// Why a service call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFailure {
    /// The plain sentence for staff.
    pub message: String,
    /// The service may have acted but the answer was lost.
    pub outcome_unknown: bool,
}

/// What moves the workflow: staff actions and worker results (tagged with their job).
pub enum Input {
    Start,
    Submit(DocumentInput),
    /// The reader sees a card; reading starts.
    CardPresent {
        job: u64,
    },
    Progress {
        job: u64,
        file: String,
        done: usize,
        total: usize,
    },
    ReadDone {
        job: u64,
        result: Result<Box<ChipResult>, ReadFailure>,
    },
    /// Staff confirm the review; `consent` is the customer's consent checkbox.
    Confirm {
        consent: bool,
    },
    /// A step of the enrolment calls started, finished or was skipped (resumed enrolment).
    EnrolProgress {
        job: u64,
        step: Step,
        state: StepState,
    },
    Enrolled {
        job: u64,
        result: Result<EnrolStarted, ServiceFailure>,
    },
    /// The face-scan page (or the demo stand-in) reports the scan ended. It does not decide
    /// the outcome: validate does.
    ScanFinished {
        job: u64,
    },
    Validated {
        job: u64,
        result: Result<ValidateOutcome, ServiceFailure>,
    },
    Cancel,
    Choose(Way),
    /// Reader or service status changed (from the status watchers). Not for the workflow:
    /// the kiosk shows it on Home and Place passport.
    Status(StatusEvent),
    NewCustomer,
    IdleTimeout,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Input::Start => "Start",
            Input::Submit(_) => "Submit(REDACTED)",
            Input::CardPresent { .. } => "CardPresent",
            Input::Progress { .. } => "Progress",
            Input::ReadDone { result: Ok(_), .. } => "ReadDone(ok)",
            Input::ReadDone { result: Err(_), .. } => "ReadDone(err)",
            Input::Confirm { .. } => "Confirm",
            Input::EnrolProgress { step, state, .. } => {
                return write!(f, "EnrolProgress({}, {state:?})", step.as_str());
            }
            Input::Enrolled { .. } => "Enrolled",
            Input::ScanFinished { .. } => "ScanFinished",
            Input::Validated { .. } => "Validated",
            Input::Cancel => "Cancel",
            Input::Choose(w) => return write!(f, "Choose({w:?})"),
            Input::Status(_) => "Status",
            Input::NewCustomer => "NewCustomer",
            Input::IdleTimeout => "IdleTimeout",
        };
        f.write_str(name)
    }
}

/// Work the driver must do; results come back as [`Input`]s with the same `job`.
pub enum Effect {
    /// Wait for a passport on the reader, then read it with `key` (chip thread).
    ReadPassport { job: u64, key: Password, cancel: Arc<AtomicBool> },
    /// enrol token → enrol image → verify token, with records (network).
    /// Each step is reported back as [`Input::EnrolProgress`]. Once `cancel` is set (staff
    /// cancel, New customer, idle timeout) no further call is made and the record is
    /// abandoned.
    Enrol {
        job: u64,
        user_id: UserId,
        image: Zeroizing<Vec<u8>>,
        facts: DocumentFacts,
        source: ImageSource,
        cancel: Arc<AtomicBool>,
    },
    /// A new verify token for an enrolled user_id (network); `cancel` as for `Enrol`.
    NewVerifyToken { job: u64, user_id: UserId, cancel: Arc<AtomicBool> },
    /// Open the face-scan page for this token.
    LaunchScan { job: u64, user_id: String, verify_token: String, scan_url: String },
    /// Validate the scan of this token, once (network).
    Validate { job: u64, user_id: UserId, verify_token: String },
    /// The customer's enrolment was dropped (they left, idle timeout, new customer) before
    /// any validate outcome: once the network job of that enrolment (if any) has ended,
    /// the record is marked abandoned and its tokens invalidated with the service. No result
    /// comes back. `reason` is plain words without personal data.
    Abandon { user_id: UserId, reason: &'static str },
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::ReadPassport { job, .. } => write!(f, "ReadPassport(job {job})"),
            Effect::Enrol { job, .. } => write!(f, "Enrol(job {job})"),
            Effect::NewVerifyToken { job, .. } => write!(f, "NewVerifyToken(job {job})"),
            Effect::LaunchScan { job, .. } => write!(f, "LaunchScan(job {job})"),
            Effect::Validate { job, .. } => write!(f, "Validate(job {job})"),
            Effect::Abandon { reason, .. } => write!(f, "Abandon({reason})"),
        }
    }
}
