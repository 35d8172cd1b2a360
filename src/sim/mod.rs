//! Simulated passport chip (issue 2 item 8): an ISO 7816 file system with the LDS files of a
//! profile, BAC and 3DES secure messaging (ICAO 9303 Parts 10 and 11), behaviour options that
//! mimic real chips and their faults, an in-process [`CardChannel`](crate::card::CardChannel),
//! a vsmartcard vpcd link to put it behind pcscd, and a maker of signed test profiles.

pub mod behaviour;
pub mod chip;
pub mod cli;
pub mod fs;
pub mod make;
pub mod profile;
pub mod vpcd;

pub use behaviour::{Behaviour, LeOverflow};
pub use chip::Chip;
pub use make::{MadeProfile, MakeOptions, make_profile};
pub use profile::Profile;
pub use vpcd::{VpcdHandle, spawn};

use std::path::PathBuf;

/// What went wrong in the simulator: loading or making a profile, or the vpcd link.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("simulator: cannot read or write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("simulator profile: {path} is {size} bytes, more than the {cap} allowed")]
    TooLarge { path: PathBuf, size: u64, cap: u64 },
    #[error("simulator profile: {path} is not UTF-8 text")]
    ProfileNotUtf8 { path: PathBuf },
    #[error("simulator profile: {path} is not a valid profile.toml: {source}")]
    ProfileToml { path: PathBuf, source: toml::de::Error },
    #[error(
        "simulator profile: {name:?} is not an EF name the chip knows (EF.COM, EF.DG1..16, EF.SOD, EF.CardAccess)"
    )]
    UnknownFile { name: String },
    #[error("simulator profile: the MRZ is not valid: {0}")]
    Mrz(#[from] crate::mrz::MrzError),
    #[error("profile maker: {0}")]
    Lds(#[from] crate::lds::LdsError),
    #[error("profile maker: the face image is not JPEG or JPEG 2000, or its size cannot be read")]
    FaceImage,
    #[error("profile maker: DER encoding failed: {0}")]
    Der(#[from] der::Error),
    #[error("profile maker: building a certificate failed: {0}")]
    Certificate(#[from] x509_cert::builder::Error),
    #[error("profile maker: building the CMS SignedData of EF.SOD failed: {0}")]
    Cms(CmsBuildError),
    #[error("profile maker: a public key could not be encoded: {0}")]
    Spki(#[from] spki::Error),
    #[error("simulator: {addr:?} is not a HOST:PORT address")]
    BadAddress { addr: String },
    #[error("simulator: vpcd link to {addr}: {source}")]
    Vpcd { addr: String, source: std::io::Error },
    #[error("simulator: the simulator thread panicked")]
    ThreadPanicked,
}

#[cfg(test)]
mod tests;

/// The `cms` builder's error, which does not implement `std::error::Error` itself.
#[derive(Debug)]
pub struct CmsBuildError(pub cms::builder::Error);

impl std::fmt::Display for CmsBuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<cms::builder::Error> for SimError {
    fn from(e: cms::builder::Error) -> Self {
        SimError::Cms(CmsBuildError(e))
    }
}
