//! Errors of the LDS parsers (ICAO 9303 Part 10): each names the file and where.

use crate::iso7816::tlv::TlvError;
use crate::mrz::MrzError;

/// Why LDS bytes were not accepted. `file` is the EF name ("EF.DG2").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LdsError {
    /// The BER-TLV structure is broken (offset inside the file in the message).
    #[error("{file}: {source}")]
    Tlv {
        file: &'static str,
        #[source]
        source: TlvError,
    },
    /// A mandatory element is absent.
    #[error("{file}: {what} is missing")]
    Missing { file: &'static str, what: &'static str },
    /// An element has a value the specification does not allow.
    #[error("{file}: {what}")]
    Invalid { file: &'static str, what: String },
    /// A declared length or count is above what this parser accepts.
    #[error("{file}: {what} declares {declared}, more than the limit of {limit}")]
    TooLarge { file: &'static str, what: &'static str, declared: u64, limit: u64 },
    /// A valid but unsupported encoding.
    #[error("{file}: {what} is not supported")]
    Unsupported { file: &'static str, what: &'static str },
    /// The ASN.1 (BER/DER) structure is broken.
    #[error("{file}: ASN.1 {what}: {detail}")]
    Asn1 { file: &'static str, what: &'static str, detail: String },
    /// DG1's MRZ did not validate.
    #[error("{file}: MRZ: {source}")]
    Mrz {
        file: &'static str,
        #[source]
        source: MrzError,
    },
}

impl LdsError {
    /// A TLV error in `file`.
    pub(crate) fn tlv(file: &'static str) -> impl Fn(TlvError) -> LdsError {
        move |source| LdsError::Tlv { file, source }
    }

    pub(crate) fn invalid(file: &'static str, what: impl Into<String>) -> LdsError {
        LdsError::Invalid { file, what: what.into() }
    }

    /// Checks a declared count against its cap before anything is allocated for it.
    pub(crate) fn check_count(
        file: &'static str,
        what: &'static str,
        declared: usize,
        limit: usize,
    ) -> Result<usize, LdsError> {
        if declared > limit {
            return Err(LdsError::TooLarge {
                file,
                what,
                declared: declared as u64,
                limit: limit as u64,
            });
        }
        Ok(declared)
    }
}
