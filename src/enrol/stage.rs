//! Where the enrolment workflow is ([`Stage`]) and the ways forward it offers after a
//! problem or a result ([`Way`]): what a screen shows, nothing personal.

use super::progress::Checklist;

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
    /// The chip cannot be read: take the photo from the passport's photo page (`oid`).
    UsePhotoPage,
    /// Capture the photo page again.
    ScanPageAgain,
    /// Type the customer reference again (photo on file).
    ReenterReference,
}

/// Where the workflow is. Each stage holds only what its screen shows; personal data sits
/// in `personal::Personal`, owned by the workflow.
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
    /// Capturing the photo page: a camera's live preview, or waiting for the scanner's
    /// file. `note` is the capture's latest plain remark (resolution, a refused file).
    PageCapture {
        note: Option<String>,
    },
    /// The captured page is being read (OCR of the MRZ, portrait crop) off the UI thread.
    PageReading,
    /// Photo on file: staff type the customer reference; `error` says why the last was refused.
    Reference {
        error: Option<String>,
    },
    /// Fetching the photo on file (worker thread).
    Fetching,
    /// Staff check the photo and its source, and confirm consent.
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
            Stage::PageCapture { .. } => "page-capture",
            Stage::PageReading => "page-reading",
            Stage::Reference { .. } => "reference",
            Stage::Fetching => "fetching",
            Stage::Review => "review",
            Stage::Enrolling { .. } => "enrolling",
            Stage::FaceScan { .. } => "face-scan",
            Stage::Validating => "validating",
            Stage::Result { .. } => "result",
            Stage::Problem { .. } => "problem",
        }
    }
}
