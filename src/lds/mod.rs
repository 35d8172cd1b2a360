//! Logical Data Structure (ICAO 9303 Part 10, Part 11 §9.2): file identifiers, EF.CardAccess, EF.CardSecurity, EF.COM, DG1 (MRZ), DG2
//! (face, CBEFF + ISO/IEC 19794-5), DG11 and DG12 (additional personal and document details), DG14 (SecurityInfos), DG15 (Active Authentication key) and EF.SOD (LDS security object hashes).
//!
//! All parsers take hostile bytes: they never panic, never allocate from a declared
//! length, and name the file and place of every error.

pub mod card_access;
pub mod card_security;
pub mod chip_authentication;
pub mod com;
pub mod dg1;
pub mod dg11;
pub mod dg12;
pub mod dg14;
pub mod dg15;
pub mod dg2;
mod ef;
mod error;
#[cfg(test)]
mod roundtrip_tests;
pub mod sod;
#[cfg(test)]
mod tests;
pub mod text_dg;

pub use ef::Ef;
pub use error::LdsError;

use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// True when EF.COM or EF.SOD among `files` (read so far, by name) lists data group `n`
/// (a file that does not parse lists nothing).
pub fn lists(files: &BTreeMap<String, Zeroizing<Vec<u8>>>, n: u8) -> bool {
    let in_com = files
        .get(&Ef::Com.name())
        .and_then(|b| com::parse(b).ok())
        .is_some_and(|com| com.data_groups.contains(&n));
    let in_sod = files
        .get(&Ef::Sod.name())
        .and_then(|b| sod::parse(b).ok())
        .is_some_and(|sod| sod.dg_hashes.contains_key(&n));
    in_com || in_sod
}
