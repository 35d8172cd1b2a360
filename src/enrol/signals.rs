//! What goes in and out of the enrolment state machine: the document staff typed, the
//! [`Input`]s (staff actions and worker results, tagged with their job) and the [`Effect`]s
//! the driver carries out. `Debug` never prints personal data.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use zeroize::Zeroizing;

use super::personal::ChipResult;
use super::sources::{OnFilePhoto, PageReadout, PhotoFailure};
use super::stage::Way;
use super::status::StatusEvent;
use crate::access::{AccessError, Password};
use crate::card::CardError;
use crate::iproov::journey::{EnrolStarted, StepState, ValidateOutcome};
use crate::iproov::{ImageSource, UserId};
use crate::reader::ReadError;
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
    /// The chip answered, but wrongly or not at all, in a way placing it again will not fix
    /// (malformed or oversized data, secure messaging broken, no answer): the photo page
    /// is offered.
    pub unreadable: bool,
    /// The technical cause (no personal data).
    pub detail: String,
}

impl ReadFailure {
    /// Reduces a read error to what staff can act on.
    pub fn from_read_error(e: &ReadError) -> ReadFailure {
        ReadFailure {
            card_gone: e.is_card_gone(),
            access_denied: matches!(e, ReadError::Access(AccessError::Denied)),
            needs_mrz: matches!(e, ReadError::Access(AccessError::CanNeedsPace)),
            cancelled: matches!(e, ReadError::Cancelled),
            unreadable: retry_wont_fix(e),
            detail: e.to_string(),
        }
    }
}

/// True when reading this chip again will not help: it answered, but with malformed,
/// oversized or unprotected data, broken secure messaging or an access protocol it cannot
/// finish. Not when staff cancelled, the key was refused (type it again), the passport was
/// moved, the chip stayed silent (place it again; a second failure offers the photo page
/// anyway), or the kiosk's own reader failed (fix the reader).
pub fn retry_wont_fix(e: &ReadError) -> bool {
    let kiosk_side = |c: &CardError| {
        matches!(
            c,
            CardError::ServiceNotRunning
                | CardError::NoReader
                | CardError::ReaderNotFound(_)
                | CardError::NoCard
                | CardError::Timeout
                | CardError::Cancelled
                | CardError::Unresponsive
                | CardError::Pcsc(_)
                | CardError::Io(_)
        )
    };
    match e {
        ReadError::Cancelled
        | ReadError::Access(AccessError::Denied | AccessError::CanNeedsPace) => false,
        _ if e.is_card_gone() => false,
        ReadError::Card(c)
        | ReadError::Sm(crate::sm::SmError::Card(c))
        | ReadError::Access(AccessError::Card(c))
        | ReadError::Access(AccessError::Sm(crate::sm::SmError::Card(c))) => !kiosk_side(c),
        _ => true,
    }
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
    /// The page capture's latest remark (resolution, a refused file), for the capture screen.
    CaptureNote {
        job: u64,
        note: String,
    },
    /// A downscaled live frame of the page capture (a camera). Not for the workflow: the
    /// kiosk shows it while the capture of job `job` is on screen, then drops it.
    PagePreview {
        job: u64,
        frame: Box<image::RgbImage>,
    },
    /// The photo page was captured (encoded image bytes), or the capture gave up.
    PageCaptured {
        job: u64,
        result: Result<Zeroizing<Vec<u8>>, PhotoFailure>,
    },
    /// The captured page was read: its MRZ and portrait, or why it cannot be used.
    PageRead {
        job: u64,
        result: Result<Box<PageReadout>, PhotoFailure>,
    },
    /// Staff chose "Photo on file" on Home.
    StartOnFile,
    /// The customer reference typed for the photo on file.
    SubmitReference(Zeroizing<String>),
    /// The photo on file was fetched and prepared, or why not.
    OnFileFetched {
        job: u64,
        result: Result<Box<OnFilePhoto>, PhotoFailure>,
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
            Input::CaptureNote { .. } => "CaptureNote",
            Input::PagePreview { .. } => "PagePreview",
            Input::PageCaptured { result: Ok(_), .. } => "PageCaptured(ok)",
            Input::PageCaptured { result: Err(_), .. } => "PageCaptured(err)",
            Input::PageRead { result: Ok(_), .. } => "PageRead(ok)",
            Input::PageRead { result: Err(_), .. } => "PageRead(err)",
            Input::StartOnFile => "StartOnFile",
            Input::SubmitReference(_) => "SubmitReference(REDACTED)",
            Input::OnFileFetched { result: Ok(_), .. } => "OnFileFetched(ok)",
            Input::OnFileFetched { result: Err(_), .. } => "OnFileFetched(err)",
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
    /// Capture the photo page (capture thread) until a page arrives or `cancel` is set;
    /// remarks come back as [`Input::CaptureNote`], the page as [`Input::PageCaptured`].
    CapturePage { job: u64, cancel: Arc<AtomicBool> },
    /// Read the captured page: OCR of the MRZ and the portrait crop (photo thread), back as
    /// [`Input::PageRead`].
    ReadPage { job: u64, page: Zeroizing<Vec<u8>> },
    /// Fetch and prepare the photo on file for `reference` (photo thread), back as
    /// [`Input::OnFileFetched`].
    FetchOnFile { job: u64, reference: Zeroizing<String> },
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
            Effect::CapturePage { job, .. } => write!(f, "CapturePage(job {job})"),
            Effect::ReadPage { job, .. } => write!(f, "ReadPage(job {job})"),
            Effect::FetchOnFile { job, .. } => write!(f, "FetchOnFile(job {job})"),
            Effect::NewVerifyToken { job, .. } => write!(f, "NewVerifyToken(job {job})"),
            Effect::LaunchScan { job, .. } => write!(f, "LaunchScan(job {job})"),
            Effect::Validate { job, .. } => write!(f, "Validate(job {job})"),
            Effect::Abandon { reason, .. } => write!(f, "Abandon({reason})"),
        }
    }
}
