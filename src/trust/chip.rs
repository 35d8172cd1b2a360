//! The chip's authenticity as a whole (ICAO 9303 Part 11 §6, §4.4.3.5): the checks the read
//! ran (CA, AA), the PACE-CAM check against EF.CardSecurity (counted only when EF.CardSecurity
//! passes passive authentication), the mechanisms the signed data offers (EF.DG14's Chip
//! Authentication keys, EF.DG15), and the verdict.

use std::collections::BTreeMap;
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::card_security::{self, CardSecurityAuth};
use super::passive::Status;
use super::store::TrustStore;
use crate::authentication::{Check, ChipVerdict, Method, Outcome, verdict};
use crate::iso7816::tlv::Reader;
use crate::lds::card_access::{self, Mapping};
use crate::lds::card_security::ChipAuthenticationPublicKey;
use crate::lds::{Ef, card_security::public_keys};

/// Checks PACE-CAM evidence against the chip's Chip Authentication public key.
pub type CamVerify<'a> = &'a dyn Fn(&ChipAuthenticationPublicKey) -> bool;

/// The chip's authenticity: the verdict and every check behind it.
#[derive(Debug, Clone)]
pub struct ChipAuthentication {
    pub verdict: ChipVerdict,
    /// The read's checks, the PACE-CAM check, and a `Failed` check for each mechanism the
    /// signed data offers that the read did not run.
    pub checks: Vec<Check>,
    /// Passive authentication of EF.CardSecurity, when it was read.
    pub card_security: Option<CardSecurityAuth>,
}

/// Files as read, by name.
pub type Files = BTreeMap<String, Zeroizing<Vec<u8>>>;

/// Assesses the chip. `chip_checks`: what the read ran; `cam`: the PACE-CAM evidence when
/// PACE-CAM was used; `pa`: passive authentication of EF.SOD and the data groups.
pub fn assess(
    files: &Files,
    chip_checks: &[Check],
    cam: Option<CamVerify<'_>>,
    pa: Status,
    store: &TrustStore,
    at: SystemTime,
) -> ChipAuthentication {
    let issuing_state = files
        .get(&Ef::Dg(1).name())
        .and_then(|b| crate::lds::dg1::parse(b).ok())
        .map(|m| m.issuing_state.clone());
    let card_security = files
        .get(&Ef::CardSecurity.name())
        .map(|b| card_security::check(b, issuing_state.as_deref(), store, at));
    let mut checks = chip_checks.to_vec();
    if let Some(verify) = cam {
        checks.push(cam_check(verify, card_security.as_ref(), cam_key_id(files)));
    }
    let offered = offered(files);
    let checks = crate::authentication::verdict::with_missing(&checks, &offered);
    ChipAuthentication {
        verdict: verdict(pa == Status::Valid, &checks, &[]),
        checks,
        card_security,
    }
}

/// The PACE-CAM check (§4.4.3.5.2): EF.CardSecurity present and `valid`, a Chip
/// Authentication key in it (by keyId when it lists several), and the evidence verifying
/// against that key. An EF.CardSecurity that cannot be judged (no trust store, no CSCA for
/// the country) leaves the check `Unsupported` unless the evidence does not even match.
pub fn cam_check(
    verify: CamVerify<'_>,
    card_security: Option<&CardSecurityAuth>,
    key_id: Option<u64>,
) -> Check {
    let fail = |detail: String| Check::new(Method::PaceCam, Outcome::Failed, detail);
    let Some(auth) = card_security else {
        return fail("the chip used PACE-CAM but has no readable EF.CardSecurity".into());
    };
    if auth.status == Status::Invalid {
        return fail(format!("EF.CardSecurity is not genuine: {}", auth.reason));
    }
    let Some(cs) = &auth.card_security else {
        return fail("EF.CardSecurity does not parse".into());
    };
    let key = match cs.chip_authentication_keys.as_slice() {
        [only] => Some(only),
        _ => key_id.and_then(|id| cs.chip_authentication_key(Some(id))),
    };
    let Some(key) = key else {
        let count = cs.chip_authentication_keys.len();
        return fail(match (count, key_id) {
            (0, _) => "EF.CardSecurity holds no Chip Authentication public key".into(),
            (_, Some(id)) => format!("EF.CardSecurity holds no Chip Authentication key {id}"),
            (_, None) => format!("EF.CardSecurity holds {count} keys and none is chosen"),
        });
    };
    let named = key.key_id.map_or_else(String::new, |id| format!(" {id}"));
    if !verify(key) {
        return fail(format!(
            "the chip's PACE-CAM proof does not match the Chip Authentication key{named} of \
             EF.CardSecurity"
        ));
    }
    if auth.status == Status::Valid {
        Check::new(
            Method::PaceCam,
            Outcome::Passed,
            format!(
                "the chip proved it holds the Chip Authentication key{named} of EF.CardSecurity"
            ),
        )
    } else {
        Check::new(
            Method::PaceCam,
            Outcome::Unsupported,
            format!("not counted: EF.CardSecurity could not be verified ({})", auth.reason),
        )
    }
}

/// The keyId PACE-CAM uses when EF.CardSecurity lists several keys: the parameterId of
/// EF.CardAccess's CAM PACEInfo (BSI TR-03110-3 §A.1.1.1, as real German chips do).
fn cam_key_id(files: &Files) -> Option<u64> {
    let ca = card_access::parse(files.get(&Ef::CardAccess.name())?).ok()?;
    ca.pace_infos().find(|p| p.protocol.mapping == Mapping::ChipAuthentication)?.parameter_id
}

/// The mechanisms the chip's signed data offers: Chip Authentication when EF.DG14 holds a
/// Chip Authentication public key (or does not parse: fail closed), Active Authentication
/// when EF.DG15 was read or EF.COM / EF.SOD lists it.
pub fn offered(files: &Files) -> Vec<Method> {
    let mut offered = Vec::new();
    if let Some(dg14) = files.get(&Ef::Dg(14).name()) {
        let keys = Reader::new(dg14)
            .expect(crate::lds::dg14::TAG_DG14)
            .ok()
            .and_then(|t| public_keys(t.value, "EF.DG14").ok());
        if keys.is_none_or(|k| !k.is_empty()) {
            offered.push(Method::ChipAuthentication);
        }
    }
    // A PACE-CAM PACEInfo in the signed EF.DG14: a chip that then opens with another mapping
    // (its unsigned EF.CardAccess leaving CAM out) is a copy avoiding the proof.
    let dg14_offers_cam = files
        .get(&Ef::Dg(14).name())
        .and_then(|b| crate::lds::dg14::parse(b).ok())
        .is_some_and(|i| i.pace_infos().any(|p| p.protocol.mapping == Mapping::ChipAuthentication));
    if dg14_offers_cam {
        offered.push(Method::PaceCam);
    }
    let listed = |n: u8| files.contains_key(&Ef::Dg(n).name()) || crate::lds::lists(files, n);
    if listed(15) {
        offered.push(Method::ActiveAuthentication);
    }
    offered
}

#[cfg(test)]
#[path = "chip_tests.rs"]
mod tests;
