//! Errors of the file-reading layer, each with the file it concerns.

use crate::card::CardError;
use crate::iso7816::StatusWord;
use crate::iso7816::tlv::TlvError;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Card(#[from] CardError),
    #[error("secure messaging failed: {0}")]
    Sm(#[from] crate::sm::SmError),
    #[error("access control failed: {0}")]
    Access(#[from] crate::access::AccessError),
    #[error("{file} is not on the chip")]
    NotFound { file: String },
    #[error("reading {file} is not allowed without further authentication (status {sw})")]
    Denied { file: String, sw: StatusWord },
    #[error("the chip answered {sw} while reading {file} at offset {offset}")]
    Status { file: String, offset: usize, sw: StatusWord },
    #[error("{file} declares {declared} bytes, more than the {cap}-byte limit")]
    TooLarge { file: String, declared: usize, cap: usize },
    #[error("{file} does not start with a valid TLV header: {source}")]
    BadHeader { file: String, source: TlvError },
    #[error("{file} has an indefinite length that does not end properly: {source}")]
    Framing { file: String, source: super::indefinite::FramingError },
    #[error("{file}: the chip sent a malformed odd-INS READ BINARY response")]
    BadOddResponse { file: String },
    #[error("{file}: the chip returned no data at offset {offset} before the declared end")]
    ShortFile { file: String, offset: usize },
    #[error("{file}: the chip sent too little data per READ BINARY; stopped after {cap} commands")]
    TooManyApdus { file: String, cap: usize },
    #[error("reading was cancelled")]
    Cancelled,
}

impl ReadError {
    /// True when the chip answered with a status word that means it has no such file to
    /// give (not found, access denied, another refusal, nothing at offset 0): an optional
    /// file is then absent, unlike a transport or secure-messaging failure.
    pub fn is_absent_file(&self) -> bool {
        matches!(
            self,
            Self::NotFound { .. }
                | Self::Denied { .. }
                | Self::Status { .. }
                | Self::ShortFile { offset: 0, .. }
        )
    }

    /// True when the error is the card leaving the field (staff should place it again).
    pub fn is_card_gone(&self) -> bool {
        use crate::access::AccessError;
        use crate::sm::SmError;
        let gone = |c: &CardError| {
            matches!(c, CardError::CardRemoved | CardError::CardReset | CardError::NoCard)
        };
        match self {
            Self::Card(c)
            | Self::Sm(SmError::Card(c))
            | Self::Access(AccessError::Card(c))
            | Self::Access(AccessError::Sm(SmError::Card(c))) => gone(c),
            _ => false,
        }
    }
}
