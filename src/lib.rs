//! enrol-kiosk: enrol a customer's face with iProov from the photo on their passport chip.
//!
//! The chain runs one way: `mrz` → `access` (BAC/PACE) → `sm` → `reader` → `lds` → `face`
//! → `iproov` → `records`. `card` and `iso7816` are the transport beneath; `sim` is a
//! software passport chip for tests and the demo. See ARCHITECTURE.md.

pub mod access;
pub mod authentication;
pub mod capture;
pub mod card;
pub mod cli;
pub mod config_error;
pub mod ec;
pub mod enrol;
pub mod face;
pub mod hardening;
pub mod iproov;
pub mod iso7816;
pub mod kiosk;
pub mod lds;
pub mod mrz;
pub mod page;
pub mod reader;
pub mod records;
pub mod report;
pub mod selfie;
pub mod sim;
pub mod sm;
pub mod trust;
