//! Authentication of the chip (ICAO 9303 Part 11 §6.1 Active Authentication, §6.2 Chip
//! Authentication, §4.4.3.5 PACE with Chip Authentication Mapping): what each mechanism found
//! during the read, and the chip verdict — genuine, not proven, or FAILED. Passive
//! authentication proves the data; only these prove the chip is not a copy.

pub mod active;
pub mod chip;
pub mod iso9796;

use serde::Serialize;

/// A mechanism that proves the chip holds a private key the issuer signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Method {
    /// PACE with Chip Authentication Mapping (§4.4.3.5), checked against EF.CardSecurity.
    #[serde(rename = "PACE-CAM")]
    PaceCam,
    /// Chip Authentication v1 with the key of EF.DG14 (§6.2).
    #[serde(rename = "CA")]
    ChipAuthentication,
    /// Active Authentication with the key of EF.DG15 (§6.1).
    #[serde(rename = "AA")]
    ActiveAuthentication,
}

impl Method {
    /// The name staff and report.json see.
    pub fn name(self) -> &'static str {
        match self {
            Method::PaceCam => "PACE-CAM",
            Method::ChipAuthentication => "CA",
            Method::ActiveAuthentication => "AA",
        }
    }
}

/// What one mechanism found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The chip proved it holds the private key.
    Passed,
    /// The chip failed the proof, refused it, or answered malformed data although it
    /// offers the mechanism: a cloned or altered chip.
    Failed,
    /// The chip offers the mechanism with an algorithm this kiosk cannot run.
    Unsupported,
}

/// One mechanism's result, with detail for logs and report.json (never secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub method: Method,
    pub outcome: Outcome,
    pub detail: String,
}

impl Check {
    pub fn new(method: Method, outcome: Outcome, detail: impl Into<String>) -> Check {
        Check { method, outcome, detail: detail.into() }
    }
}

pub mod verdict;

pub use verdict::{ChipVerdict, verdict};
