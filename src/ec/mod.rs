//! Elliptic-curve arithmetic for the curves no maintained crate covers: the brainpool
//! curves of RFC 5639 that ICAO 9303-11 standardizes besides P256r1/P384r1
//! (brainpoolP192r1, P224r1, P320r1, P512r1). Built the way RustCrypto's curve crates are:
//! constant-time Montgomery field elements (`primefield` over `crypto-bigint`) and the
//! complete projective formulas of `primeorder`, behind the traits of `elliptic-curve` 0.14.

pub mod brainpool;

pub use brainpool::{BrainpoolP192r1, BrainpoolP224r1, BrainpoolP320r1, BrainpoolP512r1};
