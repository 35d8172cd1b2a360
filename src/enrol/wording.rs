//! Plain sentences for staff: every refusal and failure of the workflow said in words a
//! branch employee can act on, with the way forward. Never echoes personal data.

use super::personal::{Personal, Photo};
use super::signals::{ReadFailure, ServiceFailure};
use super::sources::{Comparison, PhotoFailure};
use super::stage::{Stage, Way};
use crate::iproov::ImageSource;
use crate::mrz::{Field, MrzError};

/// Why the typed MRZ was refused, and what to check.
pub fn mrz_error(e: &MrzError) -> String {
    match e {
        MrzError::CheckDigit { field, .. } | MrzError::CheckDigitNotDigit { field, .. } => {
            if *field == Field::Composite {
                "The last check digit does not match: one character of the second line is \
                 probably mistyped."
                    .to_owned()
            } else {
                format!(
                    "The {field} does not match its check digit: one character is probably \
                     mistyped. Compare it with the passport."
                )
            }
        }
        MrzError::Layout { found } => format!(
            "This does not look like an MRZ ({found}). A passport MRZ is 2 lines of 44 \
             characters; the second line alone is enough."
        ),
        MrzError::InvalidCharacter { line, position } => {
            format!("Line {line}, character {position} cannot be in an MRZ (only A-Z, 0-9 and <).")
        }
        MrzError::InvalidDate { field } => format!("The {field} is not a valid date (YYMMDD)."),
        MrzError::Empty { field } => format!("The {field} is missing."),
        MrzError::InvalidCan => "The CAN is the 6 digits printed on the photo page (often at \
             the top right, or beside the photo). Type exactly 6 digits."
            .to_owned(),
        other => format!("The MRZ was not accepted: {other}."),
    }
}

/// The Problem stage for a failed chip read.
/// `with_can`: the chip was opened with the CAN (PACE), not the MRZ.
pub fn read_problem(f: &ReadFailure, with_can: bool) -> Stage {
    if f.cancelled {
        Stage::Problem {
            title: "Reading was cancelled".into(),
            detail: "Nothing was read. Place the passport again, or type the MRZ again.".into(),
            ways: vec![Way::PlaceAgain, Way::ReenterDocument, Way::NewCustomer],
        }
    } else if f.card_gone {
        Stage::Problem {
            title: "The passport was moved away".into(),
            detail: "The chip stopped answering before everything was read. Place the passport \
                     flat on the reader again and keep it still until reading has finished."
                .into(),
            ways: vec![Way::PlaceAgain, Way::NewCustomer],
        }
    } else if f.needs_mrz {
        Stage::Problem {
            title: "This passport cannot be opened with the CAN".into(),
            detail: "Its chip only accepts the MRZ. Type or scan the 2 lines at the bottom of \
                     the photo page instead."
                .into(),
            ways: vec![Way::ReenterDocument, Way::NewCustomer],
        }
    } else if f.access_denied && with_can {
        Stage::Problem {
            title: "The chip did not accept the CAN".into(),
            detail: "The 6 digits typed do not belong to this passport (or one is mistyped). \
                     Compare them with the CAN on the photo page, or use the MRZ instead."
                .into(),
            ways: vec![Way::ReenterDocument, Way::PlaceAgain, Way::NewCustomer],
        }
    } else if f.access_denied {
        Stage::Problem {
            title: "The chip did not accept the MRZ".into(),
            detail: "The MRZ typed does not belong to this passport (or has a typing error). \
                     Check the document number and the two dates, then try again."
                .into(),
            ways: vec![Way::ReenterDocument, Way::PlaceAgain, Way::NewCustomer],
        }
    } else {
        Stage::Problem {
            title: "The chip could not be read".into(),
            detail: format!(
                "Place the passport again. If this keeps happening, the chip may be damaged \
                 ({}).",
                f.detail
            ),
            ways: vec![Way::PlaceAgain, Way::NewCustomer],
        }
    }
}

/// Why the chip photo cannot be enrolled.
pub fn face_unusable(p: &Personal) -> String {
    if let Some(e) = p.chip().and_then(|c| c.face_error.as_ref()) {
        return format!("{e} The customer cannot be enrolled from this passport.");
    }
    let from = match p.source() {
        ImageSource::Eid => "from this passport",
        ImageSource::Oid => "from this scan of the photo page",
        ImageSource::Selfie => "from this photo on file",
    };
    match p.face() {
        Some(f) if !f.problems.is_empty() => format!(
            "The photo does not meet iProov's image rules: {}. The customer cannot be \
             enrolled {from}.",
            f.problems.join("; ")
        ),
        _ => "The photo does not meet iProov's image rules.".to_owned(),
    }
}

/// The Problem when the held photo cannot be enrolled (image rules), with the way forward
/// its source allows.
pub fn photo_unusable(p: &Personal) -> Stage {
    let (title, ways) = match p.source() {
        ImageSource::Eid => ("The chip photo cannot be used", vec![Way::NewCustomer]),
        ImageSource::Oid => {
            ("The photo on the page cannot be used", vec![Way::ScanPageAgain, Way::NewCustomer])
        }
        ImageSource::Selfie => {
            ("The photo on file cannot be used", vec![Way::ReenterReference, Way::NewCustomer])
        }
    };
    Stage::Problem { title: title.into(), detail: face_unusable(p), ways }
}

/// Why a photo-page document cannot be enrolled though its page was read (it expired), as
/// the chip path's policy refuses an expired passport. None when nothing refuses it.
pub fn photo_refused(p: &Personal) -> Option<Stage> {
    let Photo::Page { page, .. } = p.photo() else { return None };
    page.expired.then(|| Stage::Problem {
        title: "This passport has expired".into(),
        detail: "The expiry date read from the photo page has passed. An expired document is \
                 not enrolled."
            .into(),
        ways: vec![Way::NewCustomer],
    })
}

/// The Problem after staff cancelled the page capture or its reading.
pub fn page_cancelled() -> Stage {
    Stage::Problem {
        title: "Scanning the photo page was cancelled".into(),
        detail: "Nothing was kept. Scan the photo page again, or try the chip again.".into(),
        ways: vec![Way::ScanPageAgain, Way::PlaceAgain, Way::NewCustomer],
    }
}

/// The Problem when the page capture or its reading failed.
pub fn page_failed(f: PhotoFailure) -> Stage {
    Stage::Problem {
        title: f.title,
        detail: f.detail,
        ways: vec![Way::ScanPageAgain, Way::NewCustomer],
    }
}

/// The Problem when the page's MRZ did not verify (a check digit failed, or no MRZ found).
pub fn page_mrz_unreadable(problems: &[String]) -> Stage {
    let why =
        if problems.is_empty() { String::new() } else { format!(" ({})", problems.join("; ")) };
    Stage::Problem {
        title: "The MRZ on the photo page could not be read".into(),
        detail: format!(
            "The 2 lines at the bottom of the photo page did not read correctly{why}. Scan the \
             page again: flat on the glass, the whole page, no glare."
        ),
        ways: vec![Way::ScanPageAgain, Way::NewCustomer],
    }
}

/// The Problem when the page's MRZ differs from what was typed: the path stops.
pub fn page_mismatch(c: &Comparison) -> Stage {
    Stage::Problem {
        title: "The photo page does not match the document typed".into(),
        detail: super::sources::mismatch_sentence(c),
        ways: vec![Way::ScanPageAgain, Way::ReenterDocument, Way::NewCustomer],
    }
}

/// The Problem after staff cancelled fetching the photo on file.
pub fn fetch_cancelled() -> Stage {
    Stage::Problem {
        title: "Fetching the photo on file was cancelled".into(),
        detail: "Nothing was kept. Type the customer reference again, or finish.".into(),
        ways: vec![Way::ReenterReference, Way::NewCustomer],
    }
}

/// The Problem when the photo on file could not be fetched or prepared.
pub fn fetch_failed(f: PhotoFailure) -> Stage {
    Stage::Problem {
        title: f.title,
        detail: f.detail,
        ways: vec![Way::ReenterReference, Way::NewCustomer],
    }
}

/// Staff sentences for a failed face-scan result.
pub fn failed_scan(reason: Option<&str>) -> String {
    let why = match reason {
        Some(r) if !r.is_empty() => format!("iProov gave the reason: {r}. "),
        _ => String::new(),
    };
    format!(
        "{why}Ask the customer to look straight at the screen in even light, without glasses or \
         a hat, and start a new face scan."
    )
}

/// The Problem stage after the enrolment calls failed. An answer lost in flight is never
/// repeated (the records say "outcome unknown"): staff start over instead.
pub fn enrol_failed(f: &ServiceFailure) -> Stage {
    let ways = if f.outcome_unknown {
        vec![Way::NewCustomer]
    } else {
        vec![Way::RetryEnrol, Way::NewCustomer]
    };
    Stage::Problem {
        title: "The enrolment with iProov did not go through".into(),
        detail: f.message.clone(),
        ways,
    }
}

/// The Problem stage after a new face scan could not be prepared (its verify token
/// failed). The photo stays enrolled: another new scan may work, or staff finish.
pub fn new_scan_failed(f: &ServiceFailure) -> Stage {
    Stage::Problem {
        title: "A new face scan could not be started".into(),
        detail: format!(
            "{} The customer's photo is still enrolled: start a new face scan again in a \
             moment, or finish with this customer.",
            f.message
        ),
        ways: vec![Way::NewScan, Way::NewCustomer],
    }
}

/// The Problem stage when validate gave no result. When its answer was lost the outcome
/// is unknown: the record keeps that for follow-up and this scan is never validated again,
/// but a new face scan gets a result of its own.
pub fn validate_failed(f: &ServiceFailure) -> Stage {
    if f.outcome_unknown {
        Stage::Problem {
            title: "The result of this face scan is unknown".into(),
            detail: format!(
                "iProov's answer was lost ({}). The enrolment record is marked for follow-up \
                 and this scan will not be checked again. To get a result now, start a new \
                 face scan; or finish with this customer.",
                f.message
            ),
            ways: vec![Way::NewScan, Way::NewCustomer],
        }
    } else {
        Stage::Problem {
            title: "The face scan result could not be fetched".into(),
            detail: format!(
                "{} The customer's photo is still enrolled: start a new face scan, or finish \
                 with this customer.",
                f.message
            ),
            ways: vec![Way::NewScan, Way::NewCustomer],
        }
    }
}

/// The Problem stage after staff stopped the enrolment calls.
pub fn enrolment_stopped() -> Stage {
    Stage::Problem {
        title: "The enrolment was stopped".into(),
        detail: "Nothing more is sent to iProov for this customer, and the enrolment record is \
                 marked as abandoned. The customer's data has been wiped from the kiosk."
            .into(),
        ways: vec![Way::NewCustomer],
    }
}

/// Why a document was refused because an earlier enrolment was still held (a fault of the
/// kiosk, never of the customer).
pub fn held_enrolment_refused() -> String {
    "The kiosk still held the previous enrolment, so it wiped everything to keep customers \
     apart. Type or scan this customer's MRZ or CAN again."
        .to_owned()
}
