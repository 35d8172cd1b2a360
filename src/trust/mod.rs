//! Passive authentication (ICAO 9303 Part 11 §5.1, Part 12): the EF.SOD signature, the
//! document signer's chain to a trusted CSCA (for EF.CardSecurity too), the CSCA trust store (certificates and
//! master lists), and the enrolment policy that turns a verdict into a decision.

pub mod card_security;
pub mod cert;
pub mod chain;
pub mod chip;
pub mod cms;
pub mod config;
pub mod country;
pub mod crl;
pub mod ec;
pub mod ec_key;
mod error;
pub mod key;
pub mod oid;
pub mod passive;
pub mod policy;
pub mod sod_signature;
pub mod store;

pub use cert::Certificate;
pub use error::TrustError;
pub use passive::{PassiveAuth, Status, check};
pub use policy::{Decision, Policy};
pub use store::TrustStore;
