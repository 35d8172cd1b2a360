//! The document signer's chain to a trusted CSCA (ICAO 9303 Part 11 §5.1 step 3, Part 12
//! §7.1): candidates by issuer name and authorityKeyIdentifier/subjectKeyIdentifier, the DSC
//! signature with the CSCA key, both validity periods at the time of checking, the CSCA's
//! basicConstraints and keyUsage, the DSC's keyUsage. CRLs in the store whose signature
//! verifies with the chosen CSCA are checked for the DSC, and their nextUpdate with it.

use std::time::SystemTime;

use super::cert::Validity;
use super::policy::Revocation;
use super::store::{Anchor, TrustStore};
use super::{Certificate, TrustError};

/// The result of chaining a document signer certificate.
#[derive(Debug, Clone)]
pub enum ChainOutcome {
    /// Signed by a trusted CSCA; both certificates valid now; not revoked by a CRL loaded.
    /// `notes` say which CRLs were checked; `revocation` whether one was current.
    Trusted { csca: Anchor, notes: Vec<String>, revocation: Revocation },
    /// Something is wrong (signature, dates, key usage): passive authentication fails.
    Broken { reason: String, kind: BrokenKind, csca: Option<Anchor> },
    /// No trusted CSCA for this issuer (or key): cannot tell.
    NoCsca { reason: String },
    /// The algorithm or key is not handled: cannot tell.
    Unsupported { reason: String },
}

/// Which check broke the chain (for the staff summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenKind {
    Signature,
    DscExpired,
    DscNotYetValid,
    CscaExpired,
    CscaNotYetValid,
    KeyUsage,
    /// The CSCA found is not a CA (basicConstraints cA, keyUsage keyCertSign).
    NotCa,
    Revoked,
}

/// Chains `dsc` to a CSCA in `store`, checking validity at `at`.
pub fn verify_chain(dsc: &Certificate, store: &TrustStore, at: SystemTime) -> ChainOutcome {
    let issuer = dsc.issuer_text();
    let named = store.issuers_of(dsc);
    if named.is_empty() {
        return ChainOutcome::NoCsca {
            reason: format!("no trusted CSCA certificate for the issuer \"{issuer}\""),
        };
    }
    let candidates: Vec<&Anchor> = match dsc.authority_key_id() {
        Some(aki) => named
            .iter()
            .copied()
            .filter(|a| a.cert.subject_key_id().is_none_or(|ski| ski == aki))
            .collect(),
        None => named.clone(),
    };
    if candidates.is_empty() {
        return ChainOutcome::NoCsca {
            reason: format!(
                "no trusted CSCA certificate with the document signer's authority key \
                 identifier for \"{issuer}\" ({} with that name but other keys)",
                named.len()
            ),
        };
    }
    // Of the candidates whose key verifies the DSC (a CSCA and its link certificates share
    // a key), prefer one valid now.
    let mut unsupported = None;
    let mut failed = None;
    let mut verifying = Vec::new();
    for a in &candidates {
        match dsc.verify_signed_by(&a.cert) {
            Ok(()) => verifying.push(*a),
            Err(e @ TrustError::Unsupported(_)) => unsupported = Some(e.to_string()),
            Err(e @ TrustError::Invalid(_)) => failed = Some(e.to_string()),
            Err(_) => {}
        }
    }
    let chosen = verifying
        .iter()
        .find(|a| a.cert.validity_at(at) == Validity::Valid)
        .or(verifying.first())
        .copied();
    let Some(csca) = chosen else {
        if let Some(reason) = unsupported {
            return ChainOutcome::Unsupported {
                reason: format!("the document signer certificate's signature: {reason}"),
            };
        }
        return ChainOutcome::Broken {
            reason: format!(
                "the document signer certificate's signature does not verify with the key of \
                 the trusted CSCA \"{issuer}\" ({} candidate(s)){}",
                candidates.len(),
                failed.map(|e| format!(": {e}")).unwrap_or_default()
            ),
            kind: BrokenKind::Signature,
            csca: None,
        };
    };
    let broken =
        |kind, reason: String| ChainOutcome::Broken { reason, kind, csca: Some(csca.clone()) };
    let (dsc_from, dsc_to) = dsc.validity_dates();
    match dsc.validity_at(at) {
        Validity::Valid => {}
        Validity::Expired => {
            return broken(
                BrokenKind::DscExpired,
                format!("the document signer certificate expired on {dsc_to}"),
            );
        }
        Validity::NotYetValid => {
            return broken(
                BrokenKind::DscNotYetValid,
                format!("the document signer certificate is not valid before {dsc_from}"),
            );
        }
    }
    let (ca_from, ca_to) = csca.cert.validity_dates();
    match csca.cert.validity_at(at) {
        Validity::Valid => {}
        Validity::Expired => {
            return broken(
                BrokenKind::CscaExpired,
                format!("the CSCA certificate \"{}\" expired on {ca_to}", csca.cert.subject_text()),
            );
        }
        Validity::NotYetValid => {
            return broken(
                BrokenKind::CscaNotYetValid,
                format!(
                    "the CSCA certificate \"{}\" is not valid before {ca_from}",
                    csca.cert.subject_text()
                ),
            );
        }
    }
    // ICAO 9303 Part 12 §7.1.1: keyUsage is mandatory in both, basicConstraints in the CSCA.
    if !dsc.key_usage().is_some_and(|(sign, _)| sign) {
        return broken(
            BrokenKind::KeyUsage,
            "the document signer certificate's key usage does not include digitalSignature".into(),
        );
    }
    if csca.cert.basic_constraints_ca() != Some(true) {
        return broken(
            BrokenKind::NotCa,
            format!(
                "the CSCA certificate \"{}\" is not a CA (basicConstraints cA is not TRUE)",
                csca.cert.subject_text()
            ),
        );
    }
    if !csca.cert.key_usage().is_some_and(|(_, cert_sign)| cert_sign) {
        return broken(
            BrokenKind::KeyUsage,
            "the CSCA certificate's key usage does not include keyCertSign".into(),
        );
    }
    let mut notes = Vec::new();
    let mut revocation = Revocation::NotChecked;
    for crl in store.crls().iter().filter(|c| csca.cert.subject_is(c.issuer())) {
        if let Err(e) = crl.verify_signed_by(&csca.cert) {
            notes.push(format!("CRL {} ignored: not signed by this CSCA ({e})", crl.origin));
            continue;
        }
        if let Some(date) = crl.revocation_of(dsc.serial()) {
            return broken(
                BrokenKind::Revoked,
                format!(
                    "the document signer certificate was revoked on {date} (CRL {} of \"{}\")",
                    crl.origin,
                    csca.cert.subject_text()
                ),
            );
        }
        // RFC 5280 §5.1.2.5: past nextUpdate (or without one) the list may miss revocations.
        match crl.next_update() {
            Some((date, next)) if next >= at => {
                notes.push(format!(
                    "CRL {} (this update {}, next update {date}) checked: not revoked",
                    crl.origin,
                    crl.this_update()
                ));
                revocation = Revocation::Current;
            }
            next => {
                let date = next.map(|(d, _)| d);
                notes.push(format!(
                    "CRL {} (this update {}) checked: not revoked, but it is stale (next update {})",
                    crl.origin,
                    crl.this_update(),
                    date.as_deref().unwrap_or("missing")
                ));
                if revocation != Revocation::Current {
                    revocation = Revocation::Stale { next_update: date };
                }
            }
        }
    }
    if notes.is_empty() {
        notes.push("no CRL for this CSCA in the trust store: revocation not checked".into());
    }
    ChainOutcome::Trusted { csca: csca.clone(), notes, revocation }
}
