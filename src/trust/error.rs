//! Errors of passive authentication (ICAO 9303 Part 11 §5.1, Part 12): CMS, certificates,
//! algorithms and the trust store.

use std::path::PathBuf;

use crate::lds::LdsError;

/// Why a signature, certificate or trust-store file was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The BER/DER structure is broken (CMS, certificate, master list …).
    #[error(transparent)]
    Asn1(#[from] LdsError),
    /// A certificate does not parse as X.509.
    #[error("certificate: {0}")]
    Certificate(String),
    /// Something the specification requires is absent or wrong.
    #[error("{0}")]
    Invalid(String),
    /// A well-formed algorithm, curve or key this implementation does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A signature does not verify.
    #[error("signature does not verify: {0}")]
    BadSignature(String),
    /// The certificate needed is not there (no document signer in EF.SOD, …).
    #[error("{0}")]
    NoCertificate(String),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file, count or size is above the cap.
    #[error("{what}: {actual} is above the limit of {limit}")]
    TooLarge { what: String, actual: u64, limit: u64 },
}

impl TrustError {
    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        TrustError::Invalid(what.into())
    }

    pub(crate) fn unsupported(what: impl Into<String>) -> Self {
        TrustError::Unsupported(what.into())
    }
}
