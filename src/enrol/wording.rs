//! Plain sentences for staff: every refusal and failure of the workflow said in words a
//! branch employee can act on, with the way forward. Never echoes personal data.

use super::machine::{ReadFailure, Stage, Way};
use super::personal::Personal;
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
