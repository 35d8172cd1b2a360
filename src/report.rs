//! The read report (`report.json`): what was read, what it says, and whether it is authentic,
//! as architecture.md's contract defines it. Built from the raw files; holds personal data,
//! so it is written only where the operator asked (`read --out`).

use crate::authentication::{ChipVerdict, Method, Outcome};
use crate::lds::card_security::ChipAuthenticationPublicKey;
use crate::lds::{self, Ef, sod::HashCheck};
use crate::reader::passport::PassportRead;
use crate::trust::chip::CamVerify;
use crate::trust::{self, TrustStore, passive::CertInfo};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub access: String,
    /// PACE offered or not, why BAC was used instead, and the EF.DG14 cross-check.
    pub access_control: AccessControlReport,
    pub files: BTreeMap<String, usize>,
    pub mrz: Option<MrzReport>,
    pub face: Option<FaceReport>,
    pub passive_authentication: PassiveAuthReport,
    /// Whether the chip itself is genuine (PACE-CAM, Chip and Active Authentication).
    pub chip_authentication: ChipAuthenticationReport,
    pub apdus: u64,
    pub bytes_read: u64,
    pub elapsed_ms: u64,
    pub chunk_size: usize,
    /// Problems met while interpreting the files (the raw files are still written).
    pub problems: Vec<String>,
}

/// Access control (ICAO 9303 Part 11 §4.2, §9.2): `note` is "PACE offered, BAC used: …"
/// when that happened; `security_infos` compares EF.CardAccess and the signed EF.DG14 with
/// the protocol used: `consistent`, `not checked` (no EF.DG14) or `invalid` (the document
/// fails, like a failed passive authentication).
#[derive(Debug, Serialize)]
pub struct AccessControlReport {
    pub protocol: String,
    pub pace_offered: bool,
    pub note: Option<String>,
    pub security_infos: String,
    pub security_infos_reason: String,
}

/// DG1's MRZ fields.
#[derive(Debug, Serialize)]
pub struct MrzReport {
    pub format: String,
    pub document_code: String,
    pub document_number: String,
    pub issuing_state: String,
    pub nationality: String,
    pub date_of_birth: String,
    pub date_of_expiry: String,
    pub sex: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
}

/// The first face of DG2.
#[derive(Debug, Serialize)]
pub struct FaceReport {
    pub format: String,
    pub file: String,
    pub width: u16,
    pub height: u16,
    pub bytes: usize,
    pub faces_in_dg2: usize,
}

/// Passive authentication (ICAO 9303 Part 11 §5.1): `valid`, `invalid` or `unverified`,
/// and why.
#[derive(Debug, Serialize)]
pub struct PassiveAuthReport {
    pub status: String,
    pub reason: String,
    pub hash_algorithm: Option<String>,
    /// "match", "mismatch" or "not listed" per data group read.
    pub data_groups: BTreeMap<String, String>,
    /// One plain line for staff: "Genuine: signed by CSCA DE (csca-germany)",
    /// "Not verified: no trusted certificate for issuer UTO", "FAILED: the photo (DG2) was
    /// changed after issue".
    pub summary: String,
    /// The EF.SOD signature: "valid", "invalid: …", "not checked: …".
    pub signature: String,
    pub signature_algorithm: Option<String>,
    /// The document signer certificate carried in EF.SOD.
    pub document_signer: Option<CertInfo>,
    /// The trusted CSCA the document signer chains to (also set when a date check failed).
    pub csca: Option<CertInfo>,
    /// Remarks (e.g. how the signer certificate was matched).
    pub notes: Vec<String>,
    /// Whether the document signer was checked against a CRL: `{"state": "not_checked"}`,
    /// `{"state": "current"}` or `{"state": "stale", "next_update": "YYYY-MM-DD"}`.
    pub revocation: trust::policy::Revocation,
}

/// The chip's authenticity (ICAO 9303 Part 11 §6.1, §6.2, §4.4.3.5): `verdict` is
/// `genuine` (passive authentication valid and PACE-CAM, CA or AA passed), `not proven`
/// (the chip offers none, or none this kiosk runs) or `failed` (a check failed, or a
/// mechanism the signed data offers was not run: a cloned or altered chip).
#[derive(Debug, Serialize)]
pub struct ChipAuthenticationReport {
    pub verdict: ChipVerdict,
    /// One plain line for staff.
    pub summary: String,
    pub checks: Vec<CheckReport>,
    /// Passive authentication of EF.CardSecurity (`valid`, `invalid`, `unverified`), when
    /// it was read (after PACE-CAM), and why.
    pub card_security: Option<String>,
    pub card_security_reason: Option<String>,
}

/// One mechanism's result: `method` PACE-CAM | CA | AA, `result` passed | failed |
/// unsupported.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub method: Method,
    pub result: Outcome,
    pub detail: String,
}

/// The face image exactly as stored in DG2, with its file name (`face.jp2` …).
pub fn face_file(read: &PassportRead) -> Option<(String, Vec<u8>)> {
    let dg2 = read.files.get(&Ef::Dg(2).name())?;
    let parsed = lds::dg2::parse(dg2).ok()?;
    let face = parsed.faces.into_iter().next()?;
    Some((format!("face.{}", face.format.extension()), face.data.clone()))
}

/// Interprets what was read, with no CSCA trust store: passive authentication can at best be
/// "unverified".
pub fn build(read: &PassportRead) -> Report {
    build_with(read, &TrustStore::new())
}

/// Interprets what was read; passive authentication trusts the CSCAs in `store`, with
/// certificate validity checked now.
pub fn build_with(read: &PassportRead, store: &TrustStore) -> Report {
    build_at(read, store, SystemTime::now())
}

impl From<&crate::mrz::Mrz> for MrzReport {
    fn from(m: &crate::mrz::Mrz) -> MrzReport {
        MrzReport {
            format: format!("{:?}", m.format).to_uppercase(),
            document_code: m.document_code.clone(),
            document_number: m.document_number.clone(),
            issuing_state: m.issuing_state.clone(),
            nationality: m.nationality.clone(),
            date_of_birth: m.date_of_birth.clone(),
            date_of_expiry: m.date_of_expiry.clone(),
            sex: m.sex.clone(),
            primary_identifier: m.primary_identifier.clone(),
            secondary_identifier: m.secondary_identifier.clone(),
        }
    }
}

/// As [`build_with`], checking certificate validity at `at`.
pub fn build_at(read: &PassportRead, store: &TrustStore, at: SystemTime) -> Report {
    let mut problems = Vec::new();
    let files = read.files.iter().map(|(k, v)| (k.clone(), v.len())).collect();

    let mrz = read.files.get(&Ef::Dg(1).name()).and_then(|b| match lds::dg1::parse(b) {
        Ok(m) => Some(MrzReport::from(&m)),
        Err(e) => {
            problems.push(format!("EF.DG1: {e}"));
            None
        }
    });

    let face = read.files.get(&Ef::Dg(2).name()).and_then(|b| match lds::dg2::parse(b) {
        Ok(dg2) => {
            let n = dg2.faces.len();
            dg2.faces.first().map(|f| FaceReport {
                format: f.format.extension().to_owned(),
                file: format!("face.{}", f.format.extension()),
                width: f.width,
                height: f.height,
                bytes: f.data.len(),
                faces_in_dg2: n,
            })
        }
        Err(e) => {
            problems.push(format!("EF.DG2: {e}"));
            None
        }
    });

    let passive_authentication = passive_auth(read, store, at, &mut problems);
    let chip_authentication = chip_auth(read, &passive_authentication, store, at);
    let ac = &read.access_control;
    let access_control = AccessControlReport {
        protocol: read.access.clone(),
        pace_offered: ac.pace_offered,
        note: ac.note(),
        security_infos: ac.security_infos.status().to_owned(),
        security_infos_reason: ac.security_infos.reason().to_owned(),
    };
    Report {
        access: read.access.clone(),
        access_control,
        files,
        mrz,
        face,
        passive_authentication,
        chip_authentication,
        apdus: read.apdus,
        bytes_read: read.bytes_read,
        elapsed_ms: read.elapsed.as_millis() as u64,
        chunk_size: read.chunk_size,
        problems,
    }
}

fn chip_auth(
    read: &PassportRead,
    pa: &PassiveAuthReport,
    store: &TrustStore,
    at: SystemTime,
) -> ChipAuthenticationReport {
    let pa_status = trust::Status::from_name(&pa.status).unwrap_or(trust::Status::Invalid);
    let verify = read.cam.as_ref().map(|evidence| {
        // Every PACE-CAM session of the read must prove the same key.
        move |key: &ChipAuthenticationPublicKey| {
            evidence.verify(&key.public_key)
                && read.cam_later.iter().all(|later| later.verify(&key.public_key))
        }
    });
    let cam: Option<CamVerify<'_>> = verify.as_ref().map(|f| f as CamVerify<'_>);
    let assessed = trust::chip::assess(&read.files, &read.chip_checks, cam, pa_status, store, at);
    for check in assessed.checks.iter().filter(|c| c.outcome != Outcome::Passed) {
        tracing::warn!(method = check.method.name(), outcome = ?check.outcome, detail = %check.detail, "chip authentication");
    }
    ChipAuthenticationReport {
        verdict: assessed.verdict,
        summary: assessed.verdict.staff_line().to_owned(),
        checks: assessed
            .checks
            .into_iter()
            .map(|c| CheckReport { method: c.method, result: c.outcome, detail: c.detail })
            .collect(),
        card_security: assessed.card_security.as_ref().map(|c| c.status.as_str().to_owned()),
        card_security_reason: assessed.card_security.map(|c| c.reason),
    }
}

fn passive_auth(
    read: &PassportRead,
    store: &TrustStore,
    at: SystemTime,
    problems: &mut Vec<String>,
) -> PassiveAuthReport {
    let sod = read.files.get(&Ef::Sod.name());
    let names: BTreeMap<u8, String> = read
        .files
        .keys()
        .filter_map(|name| match Ef::from_name(name) {
            Some(Ef::Dg(n)) => Some((n, name.clone())),
            _ => None,
        })
        .collect();
    let dgs: BTreeMap<u8, &[u8]> = names
        .iter()
        .filter_map(|(n, name)| read.files.get(name).map(|b| (*n, b.as_slice())))
        .collect();
    let pa = trust::check(sod.map(|b| b.as_slice()), &dgs, store, at);
    if sod.is_some() && pa.hash_algorithm.is_none() {
        problems.push(format!("EF.SOD: {}", pa.reason));
    }
    let data_groups = pa
        .data_groups
        .iter()
        .filter_map(|(n, check)| {
            let verdict = match check {
                HashCheck::Match => "match",
                HashCheck::Mismatch => "mismatch",
                HashCheck::NotListed => "not listed",
            };
            names.get(n).map(|name| (name.clone(), verdict.to_owned()))
        })
        .collect();
    PassiveAuthReport {
        status: pa.status.as_str().to_owned(),
        reason: pa.reason,
        hash_algorithm: pa.hash_algorithm.map(|h| h.name().to_owned()),
        data_groups,
        summary: pa.summary,
        signature: pa.signature,
        signature_algorithm: pa.signature_algorithm,
        document_signer: pa.document_signer,
        csca: pa.csca,
        notes: pa.notes,
        revocation: pa.revocation,
    }
}
