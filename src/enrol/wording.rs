//! Plain sentences for staff: every refusal and failure of the workflow said in words a
//! branch employee can act on, with the way forward. Never echoes personal data.

use super::personal::Personal;
use super::signals::{ReadFailure, ServiceFailure};
use super::stage::{Stage, Way};
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
    let chip = p.chip();
    if let Some(e) = &chip.face_error {
        return format!("{e} The customer cannot be enrolled from this passport.");
    }
    match &chip.face {
        Some(f) if !f.problems.is_empty() => format!(
            "The photo does not meet iProov's image rules: {}. The customer cannot be \
             enrolled from this passport.",
            f.problems.join("; ")
        ),
        _ => "The chip photo does not meet iProov's image rules.".to_owned(),
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
