//! Passive authentication of EF.CardSecurity (BSI TR-03110-3 §A.1.2, ICAO 9303 Part 11 §5.1
//! applied to the SecurityObject): the SignedData's signature with the document signer it
//! carries, the signer's country against DG1's issuing state, and the signer's chain to a
//! trusted CSCA — the rules of EF.SOD. PACE-CAM counts only when this is `valid`.

use std::time::SystemTime;

use super::chain::{ChainOutcome, verify_chain};
use super::country::alpha2_of_issuing_state;
use super::passive::{CertInfo, Status};
use super::sod_signature::verify_signed_data;
use super::store::TrustStore;
use super::{TrustError, cms};
use crate::lds::card_security::{self, CardSecurity};

/// id-SecurityObject (BSI TR-03110-3 §A.1.2.5).
pub const SECURITY_OBJECT: &str = "0.4.0.127.0.7.3.2.1";

/// The outcome of passive authentication of EF.CardSecurity.
#[derive(Debug, Clone)]
pub struct CardSecurityAuth {
    /// `valid`: signed by a document signer chaining to a trusted CSCA of the issuing state.
    /// `invalid`: damaged, forged, or not chaining although the store knows the country.
    /// `unverified`: no trust store, or no CSCA for this country in it.
    pub status: Status,
    /// Why, for logs and report.json.
    pub reason: String,
    /// The parsed file (`None` when it does not parse).
    pub card_security: Option<CardSecurity>,
    pub document_signer: Option<CertInfo>,
    pub csca: Option<CertInfo>,
}

/// Checks EF.CardSecurity `bytes` against `store` at `at`; `issuing_state` is DG1's (three
/// letters, `None` when DG1 was not read).
pub fn check(
    bytes: &[u8],
    issuing_state: Option<&str>,
    store: &TrustStore,
    at: SystemTime,
) -> CardSecurityAuth {
    let mut auth = CardSecurityAuth {
        status: Status::Invalid,
        reason: String::new(),
        card_security: None,
        document_signer: None,
        csca: None,
    };
    let parsed = match card_security::parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            auth.reason = format!("EF.CardSecurity cannot be parsed: {e}");
            return auth;
        }
    };
    auth.card_security = Some(parsed);
    let loaded = !store.is_empty();
    let expected = issuing_state.and_then(alpha2_of_issuing_state);
    // With CSCAs of the document's country loaded, what cannot be decided is `invalid`.
    let knows = |c: Option<&str>| loaded && c.is_none_or(|c| store.has_country(c));
    let signature =
        cms::parse_content_info(bytes).and_then(|sd| verify_signed_data(&sd, SECURITY_OBJECT));
    let v = match signature {
        Ok(v) => v,
        Err(e) => {
            let unsure = matches!(e, TrustError::Unsupported(_) | TrustError::NoCertificate(_));
            auth.reason = format!("the EF.CardSecurity signature does not verify: {e}");
            if unsure && !knows(expected) {
                auth.status = Status::Unverified;
            }
            return auth;
        }
    };
    auth.document_signer = Some(CertInfo::of(&v.signer, None));
    let dsc_country = v.signer.issuer_country().map(|c| c.to_uppercase());
    if let Some(expected) = expected
        && dsc_country.as_deref() != Some(expected)
    {
        auth.reason = format!(
            "the EF.CardSecurity signer's country ({}) is not the issuing state ({expected})",
            dsc_country.as_deref().unwrap_or("none")
        );
        return auth;
    }
    if !loaded {
        auth.status = Status::Unverified;
        auth.reason = "EF.CardSecurity's signature verifies with the document signer it \
                       carries, but no CSCA trust store is configured"
            .into();
        return auth;
    }
    let country = expected.map(str::to_owned).or(dsc_country);
    match verify_chain(&v.signer, store, at) {
        ChainOutcome::Trusted { csca, .. } => {
            auth.status = Status::Valid;
            auth.reason = format!(
                "EF.CardSecurity's {} signature verifies and its signer chains to the trusted \
                 CSCA \"{}\"",
                v.algorithm.name(),
                csca.cert.subject_text()
            );
            auth.csca = Some(CertInfo::of(&csca.cert, Some(&csca.origin)));
        }
        ChainOutcome::Broken { reason, csca, .. } => {
            auth.reason = format!("EF.CardSecurity's signer: {reason}");
            auth.csca = csca.map(|a| CertInfo::of(&a.cert, Some(&a.origin)));
        }
        ChainOutcome::NoCsca { reason } | ChainOutcome::Unsupported { reason } => {
            auth.reason = format!("EF.CardSecurity's signature verifies, but {reason}");
            if !knows(country.as_deref()) {
                auth.status = Status::Unverified;
            }
        }
    }
    auth
}
