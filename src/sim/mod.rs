//! Simulated passport chip: an ISO 7816 file system with the LDS files of a
//! profile, BAC, PACE and secure messaging (ICAO 9303 Parts 10 and 11), behaviour options that
//! mimic real chips and their faults, an in-process [`CardChannel`](crate::card::CardChannel),
//! a vsmartcard vpcd link to put it behind pcscd, and a maker of signed test profiles.
//!
//! In process: `Chip::new(&Profile::demo()?, Behaviour::default())` is a
//! [`CardChannel`](crate::card::CardChannel). Behind pcscd: `vpcd::spawn(&profile, behaviour,
//! "127.0.0.1:35963")` (reader "Virtual PCD 00 00"), or `enrol-kiosk simulate --profile DIR|demo`.
//!
//! A profile folder holds `EF.COM.bin`, `EF.DG1.bin`, `EF.DG2.bin`, `EF.SOD.bin` (and any other
//! `EF.<name>.bin`, e.g. `EF.CardAccess.bin`) and a `profile.toml`, all fields of `[behaviour]`
//! optional:
//!
//! ```toml
//! mrz = "P<UTOSPECIMEN<<ALEX<SAMPLE<<<<<<<<<<<<<<<<<<\nD231458907UTO9003129F3104161<<<<<<<<<<<<<<04"
//! can = "123456"                # Card Access Number (PACE password)
//! [pace]                        # EF.CardAccess advertises it (written by the loader)
//! parameter_id = 13             # 0–2 RFC 5114 DH, 8–18 P-192 … P-521, brainpoolP192r1 … P512r1
//! mapping = "gm"                # gm, im, or cam (needs chip-ca.key: the chip's CA private
//!                               # key, raw big-endian scalar of the curve's field length)
//! cipher = "AES-128"            # 3DES, AES-128, AES-192, AES-256 (CAM: AES only)
//! bac = true                    # the chip accepts BAC too (default)
//! [behaviour]
//! max_le = 192                  # largest plaintext Le served
//! extended_length = false       # extended APDUs → 6700
//! le_overflow = "truncate"      # or "wrong-length" (default): Le > max_le → 6700
//! latency_ms = 37               # per APDU
//! remove_after_apdu = 40        # the card leaves after APDU 40 (once) and comes back
//! wrong_mac_at_apdu = 12        # response MAC of APDU 12 corrupted (once)
//! omit_do99 = true              # protected responses with data lack DO'99'
//! eof_6282 = true               # reads past the end answer 6282
//! overread_6282_no_mac = true   # protected reads past the end: 6282, DO'87', no MAC
//! overread_sw = 0x6B00          # reads past the end refused with 6B00 (or 6700 …)
//! select_mf_sw = 0x6A86         # SELECT MF answered 6A86 (or 6982, 6A81, 6A87, 6D00)
//! application_selected_at_reset = true  # eMRTD application current at reset; SFIs DF-local
//! atr_capabilities = true       # ATR historical bytes: card capabilities (extended Lc/Le)
//! ef_atr_info = true            # EF.ATR/INFO with DO'7F66' (ATR points to it)
//! evil_file = "EF.DG2"          # its header declares declare_length bytes
//! declare_length = 4294967295
//! atr = "3B8880010000000000000000 09"
//! denied_sw = 0x6988            # answer to a wrong BAC key (default 6300)
//! truncate_ga = 2               # PACE GENERAL AUTHENTICATE 2 answered with 1 byte (once)
//! ca_clone = true               # Chip Authentication with another key than DG14's (a clone)
//! ca_refuse_kat = true          # MSE:Set KAT refused (6A86): the terminal must use Set AT + GA
//! aa_wrong_challenge = true     # Active Authentication signs another challenge (a clone)
//! aa_ecdsa_der = true           # Active Authentication answers ECDSA in DER, not r‖s
//! ```
//!
//! A `chip-aa.der` (PKCS#8, RSA or EC on P-256/P-384/brainpoolP256r1/P384r1) in the folder is
//! the chip's Active Authentication key: the chip then answers INTERNAL AUTHENTICATE under
//! secure messaging (RSA: ISO/IEC 9796-2 scheme 1, SHA-1 trailer BC unless `[aa] hash` names
//! another; ECDSA: SHA-256 unless `[aa] hash` says otherwise). `make-profile --aa rsa|ecdsa`
//! writes it with EF.DG15 (and DG14's ActiveAuthenticationInfo for ECDSA).

pub mod aa;
pub mod behaviour;
mod budget;
pub mod chip;
mod chip_ca;
pub mod cli;
pub mod fs;
pub mod make;
pub mod make_ca;
pub mod pace_infos;
pub mod profile;
mod sod_ber;
pub mod vpcd;

pub use behaviour::{Behaviour, LeOverflow};
pub use chip::Chip;
pub use make::{MadeProfile, MakeOptions, make_profile};
pub use profile::{PaceSettings, Profile};
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
    #[error("simulator profile: [pace]: {0}")]
    Pace(String),
    #[error("simulator profile: Chip Authentication: {0}")]
    Ca(String),
    #[error("simulator profile: Active Authentication key (chip-aa.der): {0}")]
    AaKey(String),
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
    #[error("profile maker: EF.SOD is not a 77-wrapped ContentInfo to re-encode: {0}")]
    SodEncoding(crate::iso7816::tlv::TlvError),
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
#[cfg(test)]
mod tests_aa;
#[cfg(test)]
mod tests_ca;
#[cfg(test)]
mod tests_pace;
#[cfg(test)]
mod tests_pace_family;
#[cfg(test)]
mod tests_quirks;
#[cfg(test)]
mod tests_removal;

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
