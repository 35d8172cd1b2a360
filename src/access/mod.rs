//! Chip access control (ICAO 9303 Part 11 §4.3 BAC, §4.4 PACE): proving knowledge of the
//! MRZ (or CAN) to the chip and establishing the secure-messaging session keys (§9.7).

pub mod bac;
pub mod kdf;
pub mod pace;
mod password;
#[cfg(test)]
pub(crate) mod test_rng;

pub use password::Password;

use crate::card::CardError;
use crate::iso7816::StatusWord;
use crate::sm::SmError;

/// Why access control failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("the chip refused the access key: check the MRZ (or CAN) typed")]
    Denied,
    #[error("access control: {0}")]
    Card(#[from] CardError),
    #[error("access control: {0}")]
    Sm(#[from] SmError),
    #[error("access control: {step} answered status {sw}")]
    Status { step: &'static str, sw: StatusWord },
    #[error("access control: unexpected chip response: {0}")]
    BadResponse(&'static str),
    #[error("access control (chip side): malformed command: {0}")]
    BadCommand(&'static str),
    #[error("access control (chip side): EXTERNAL AUTHENTICATE without a preceding GET CHALLENGE")]
    NoChallenge,
    #[error("access control: {0} out of order")]
    OutOfOrder(&'static str),
    #[error("access control: not supported: {0}")]
    Unsupported(&'static str),
    #[error("PACE: {0}")]
    Curve(#[from] pace::CurveError),
    #[error("PACE: {0}")]
    Dh(#[from] pace::dh::DhError),
    #[error(
        "this passport's chip does not support PACE, so the CAN cannot open it: type or scan \
         the MRZ from the photo page instead"
    )]
    CanNeedsPace,
    /// EF.CardAccess offers only PACE variants this kiosk cannot run (the reason names the
    /// curve or group, the mapping and the version), and BAC cannot stand in.
    #[error("{0}")]
    PaceUnsupported(String),
}

impl AccessError {
    /// The status word a chip answers for this failure (for the simulator): 6300 for a
    /// wrong key, 6700 for a malformed command, 6985 without a challenge.
    pub fn chip_status(&self) -> StatusWord {
        match self {
            Self::Denied => StatusWord::VerificationFailed,
            Self::BadCommand(_) => StatusWord::WrongLength,
            Self::NoChallenge | Self::OutOfOrder(_) => StatusWord::ConditionsNotSatisfied,
            Self::Unsupported(_) | Self::Curve(_) | Self::Dh(_) => StatusWord::IncorrectData,
            Self::Status { sw, .. } => *sw,
            Self::Sm(e) => e.chip_status(),
            Self::Card(_)
            | Self::BadResponse(_)
            | Self::CanNeedsPace
            | Self::PaceUnsupported(_) => StatusWord::Other(0x6F00),
        }
    }
}
