//! Passive authentication as a whole (ICAO 9303 Part 11 §5.1): data-group hashes against
//! EF.SOD, the EF.SOD signature, the document signer's chain to a trusted CSCA, and the
//! certificates' country against DG1's issuing state (Part 12 §7.1.1), with a verdict
//! (`valid` | `invalid` | `unverified`), the reason, and one plain line for staff. With a
//! trust store loaded, whatever the document's content makes undecidable is `invalid`;
//! `unverified` means only "no trust store" or "no CSCA for this country".

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use super::chain::{BrokenKind, ChainOutcome, verify_chain};
use super::country::alpha2_of_issuing_state;
use super::policy::Revocation;
use super::sod_signature::verify_sod;
use super::store::TrustStore;
use super::{Certificate, TrustError};
use crate::lds::sod::{self, HashAlgorithm, HashCheck};

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Hashes match, the signature verifies, the signer chains to a trusted CSCA.
    Valid,
    /// Something was changed or forged.
    Invalid,
    /// Could not be decided: no trust store, or no CSCA for this country in it.
    Unverified,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Unverified => "unverified",
        }
    }

    /// The status named by [`Status::as_str`].
    pub fn from_name(name: &str) -> Option<Status> {
        [Status::Valid, Status::Invalid, Status::Unverified]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// What a certificate is, for the report (no personal data: certificates name authorities).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub country: Option<String>,
    pub common_name: Option<String>,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub public_key: String,
    /// Where a trusted certificate came from (file, master list).
    pub origin: Option<String>,
}

impl CertInfo {
    pub fn of(cert: &Certificate, origin: Option<&str>) -> CertInfo {
        let (not_before, not_after) = cert.validity_dates();
        CertInfo {
            subject: cert.subject_text(),
            issuer: cert.issuer_text(),
            country: cert.country(),
            common_name: cert.common_name(),
            serial: hex::encode_upper(cert.serial()),
            not_before,
            not_after,
            public_key: cert.public_key().map(|k| k.describe()).unwrap_or_else(|e| e.to_string()),
            origin: origin.map(str::to_owned),
        }
    }
}

/// The outcome of passive authentication.
#[derive(Debug, Clone)]
pub struct PassiveAuth {
    pub status: Status,
    /// Why, for the operator and report.json.
    pub reason: String,
    /// One plain line for staff ("Genuine: signed by CSCA DE (csca-germany)").
    pub summary: String,
    pub hash_algorithm: Option<HashAlgorithm>,
    /// Per data group read.
    pub data_groups: BTreeMap<u8, HashCheck>,
    /// "valid", "invalid: …", "unsupported: …", "not checked".
    pub signature: String,
    pub signature_algorithm: Option<String>,
    pub document_signer: Option<CertInfo>,
    pub csca: Option<CertInfo>,
    /// Remarks (relaxed signer match, …).
    pub notes: Vec<String>,
    /// Whether a current CRL of the CSCA was checked.
    pub revocation: Revocation,
}

fn dg_words(dg: u8) -> String {
    match dg {
        1 => "the personal data (DG1)".into(),
        2 => "the photo (DG2)".into(),
        n => format!("data group DG{n}"),
    }
}

/// Runs passive authentication over EF.SOD (`None` if it was not read) and the data groups
/// read (number → bytes), trusting `store`, with certificate validity checked at `at`.
pub fn check(
    sod_bytes: Option<&[u8]>,
    data_groups: &BTreeMap<u8, &[u8]>,
    store: &TrustStore,
    at: SystemTime,
) -> PassiveAuth {
    let mut pa = PassiveAuth {
        status: Status::Unverified,
        reason: String::new(),
        summary: String::new(),
        hash_algorithm: None,
        data_groups: BTreeMap::new(),
        signature: "not checked".into(),
        signature_algorithm: None,
        document_signer: None,
        csca: None,
        notes: Vec::new(),
        revocation: Revocation::NotChecked,
    };
    let loaded = !store.is_empty();
    let Some(sod_bytes) = sod_bytes else {
        pa.reason = "EF.SOD was not read".into();
        if loaded {
            pa.status = Status::Invalid;
            pa.summary = "FAILED: the chip's security data (EF.SOD) is missing".into();
        } else {
            pa.summary = "Not verified: the chip's security data (EF.SOD) was not read".into();
        }
        return pa;
    };
    let sod = match sod::parse(sod_bytes) {
        Ok(s) => s,
        Err(e) => {
            pa.status = Status::Invalid;
            pa.reason = format!("EF.SOD cannot be parsed: {e}");
            pa.summary = "FAILED: the chip's security data (EF.SOD) is damaged".into();
            return pa;
        }
    };
    pa.hash_algorithm = Some(sod.hash_algorithm);
    pa.data_groups = data_groups.iter().map(|(n, bytes)| (*n, sod.check(*n, bytes))).collect();

    // DG1's issuing state (only when DG1 was read), for the country checks.
    let issuing_state = data_groups
        .get(&1)
        .and_then(|b| crate::lds::dg1::parse(b).ok())
        .map(|m| m.issuing_state.trim_end_matches('<').to_owned());

    // Hashes first: a changed data group is the most useful thing to say.
    let mut failures = Vec::new();
    let mut summary = None;
    for (dg, check) in &pa.data_groups {
        match check {
            HashCheck::Match => {}
            HashCheck::Mismatch => {
                failures.push(format!("DG{dg} does not match its hash in EF.SOD"));
                summary.get_or_insert_with(|| {
                    format!("FAILED: {} was changed after issue", dg_words(*dg))
                });
            }
            HashCheck::NotListed => {
                failures.push(format!("DG{dg} is not listed in EF.SOD"));
                summary.get_or_insert_with(|| {
                    format!("FAILED: {} is not covered by the chip's signature", dg_words(*dg))
                });
            }
        }
    }

    let signature = verify_sod(&sod.signed_data);
    let verified = match signature {
        Ok(v) => {
            pa.signature = "valid".into();
            pa.signature_algorithm = Some(v.algorithm.name());
            pa.document_signer = Some(CertInfo::of(&v.signer, None));
            pa.notes.extend(v.notes.iter().cloned());
            Some(v)
        }
        Err(e) => {
            let unsure = matches!(e, TrustError::Unsupported(_) | TrustError::NoCertificate(_));
            pa.signature =
                if unsure { format!("not checked: {e}") } else { format!("invalid: {e}") };
            if !unsure {
                failures.push(format!("the EF.SOD signature is wrong: {e}"));
                summary.get_or_insert_with(|| {
                    "FAILED: the chip's security data (EF.SOD) is not signed correctly".into()
                });
            } else if failures.is_empty() {
                pa.reason = format!(
                    "every data group read matches EF.SOD, but the signature \
                                     cannot be checked: {e}"
                );
                let country = issuing_state.as_deref().and_then(alpha2_of_issuing_state);
                if loaded && country.is_none_or(|c| store.has_country(c)) {
                    // A trust store that could judge this country's documents: a chip whose
                    // signature cannot be checked is not this country's genuine chip.
                    pa.status = Status::Invalid;
                    pa.summary = match e {
                        TrustError::NoCertificate(_) => {
                            "FAILED: no document signer certificate on the chip".into()
                        }
                        _ => format!("FAILED: the chip's signature cannot be checked: {e}"),
                    };
                } else {
                    pa.summary = match e {
                        TrustError::NoCertificate(_) => {
                            "Not verified: no document signer certificate on the chip".into()
                        }
                        _ => format!("Not verified: {e}"),
                    };
                }
                return pa;
            }
            None
        }
    };
    if !failures.is_empty() {
        pa.status = Status::Invalid;
        pa.reason = failures.join("; ");
        pa.summary = summary.unwrap_or_else(|| "FAILED: passive authentication".into());
        return pa;
    }
    let Some(v) = verified else {
        return pa;
    };
    // ICAO 9303 Part 12 §7.1.1: the signer's country is the issuing state's.
    let dsc_country = v.signer.issuer_country().map(|c| c.to_uppercase());
    let mut uncompared = None;
    if let Some(state) = &issuing_state {
        match alpha2_of_issuing_state(state) {
            Some(expected) => {
                let subject = v.signer.country().map(|c| c.to_uppercase());
                let agrees = |c: &Option<String>| c.as_deref() == Some(expected);
                if !agrees(&dsc_country) || (subject.is_some() && !agrees(&subject)) {
                    let shown = dsc_country.clone().unwrap_or_else(|| "none".into());
                    pa.status = Status::Invalid;
                    pa.reason = format!(
                        "the document signer certificate's country ({shown}, subject {}) is not \
                         the issuing state {state} ({expected}) of DG1",
                        subject.as_deref().unwrap_or("none")
                    );
                    pa.summary = format!(
                        "FAILED: the document was signed for country {shown}, but it says it \
                         was issued by {state}"
                    );
                    return pa;
                }
            }
            None => uncompared = Some(state.clone()),
        }
    }
    // The country whose CSCAs the store must hold to judge this document.
    let country = issuing_state
        .as_deref()
        .and_then(alpha2_of_issuing_state)
        .map(str::to_owned)
        .or(dsc_country.clone());
    let store_knows_country = country.as_deref().is_none_or(|c| store.has_country(c));
    let country = dsc_country;
    let for_issuer = country.as_ref().map_or("this issuer".to_owned(), |c| format!("issuer {c}"));
    let of_issuer = country.as_ref().map_or("of this issuer".to_owned(), |c| c.clone());
    let for_issuer_csca = country.as_ref().map_or("this issuer".to_owned(), |c| c.clone());
    if !loaded {
        pa.reason = "every data group read matches EF.SOD and its signature verifies with the \
                     document signer certificate it carries, but no CSCA trust store is \
                     configured"
            .into();
        pa.summary = "Not verified: no CSCA trust store configured".into();
        return pa;
    }
    match verify_chain(&v.signer, store, at) {
        ChainOutcome::Trusted { csca, notes, revocation } => {
            pa.notes.extend(notes);
            pa.revocation = revocation;
            pa.csca = Some(CertInfo::of(&csca.cert, Some(&csca.origin)));
            if let Some(state) = uncompared {
                pa.reason = format!(
                    "the signature chains to the trusted CSCA \"{}\", but the issuing state \
                     {state} has no ISO 3166 country code to compare with the certificates",
                    csca.cert.subject_text()
                );
                pa.summary = format!("Not verified: issuing state {state} cannot be matched");
                return pa;
            }
            pa.status = Status::Valid;
            let name = csca.cert.display_name();
            let c = csca.cert.country().map(|c| c.to_uppercase()).or(country).unwrap_or_default();
            pa.reason = format!(
                "every data group read matches EF.SOD, its {} signature verifies, and the \
                 document signer chains to the trusted CSCA \"{}\"",
                v.algorithm.name(),
                csca.cert.subject_text()
            );
            pa.summary = if c.is_empty() {
                format!("Genuine: signed by CSCA {name}")
            } else {
                format!("Genuine: signed by CSCA {c} ({name})")
            };
        }
        ChainOutcome::Broken { reason, kind, csca } => {
            pa.status = Status::Invalid;
            pa.summary = match kind {
                BrokenKind::Signature => {
                    format!(
                        "FAILED: the document signer is not signed by the trusted CSCA {of_issuer}"
                    )
                }
                BrokenKind::DscExpired => format!(
                    "FAILED: the document signer certificate expired on {}",
                    v.signer.validity_dates().1
                ),
                BrokenKind::DscNotYetValid => format!(
                    "FAILED: the document signer certificate is not valid before {}",
                    v.signer.validity_dates().0
                ),
                BrokenKind::CscaExpired => format!(
                    "FAILED: the CSCA certificate for {for_issuer_csca} expired on {}",
                    csca.as_ref().map(|c| c.cert.validity_dates().1).unwrap_or_default()
                ),
                BrokenKind::CscaNotYetValid => format!(
                    "FAILED: the CSCA certificate for {for_issuer_csca} is not valid before {}",
                    csca.as_ref().map(|c| c.cert.validity_dates().0).unwrap_or_default()
                ),
                BrokenKind::Revoked => {
                    let date = reason.split("revoked on ").nth(1).unwrap_or_default();
                    let date = date.split(' ').next().unwrap_or_default();
                    format!("FAILED: the document signer certificate was revoked on {date}")
                }
                BrokenKind::KeyUsage => {
                    "FAILED: a certificate's key usage does not allow this signature".into()
                }
                BrokenKind::NotCa => {
                    format!("FAILED: the CSCA certificate for {for_issuer_csca} is not a CA")
                }
            };
            pa.reason = reason;
            pa.csca = csca.map(|a| CertInfo::of(&a.cert, Some(&a.origin)));
        }
        ChainOutcome::NoCsca { reason } if store_knows_country => {
            // The store holds this country's CSCAs and none signed this document signer.
            pa.status = Status::Invalid;
            pa.reason = format!("hashes and signature are good, but {reason}");
            pa.summary =
                format!("FAILED: the document signer is not signed by a trusted CSCA {of_issuer}");
        }
        ChainOutcome::NoCsca { reason } => {
            pa.reason = format!("hashes and signature are good, but {reason}");
            pa.summary = format!("Not verified: no trusted certificate for {for_issuer}");
        }
        ChainOutcome::Unsupported { reason } if store_knows_country => {
            pa.status = Status::Invalid;
            pa.reason = format!("hashes and signature are good, but {reason}");
            pa.summary = format!("FAILED: {reason}");
        }
        ChainOutcome::Unsupported { reason } => {
            pa.reason = format!("hashes and signature are good, but {reason}");
            pa.summary = format!("Not verified: {reason}");
        }
    }
    pa
}
