//! The read report (`report.json`): what was read, what it says, and whether it is authentic,
//! as architecture.md's contract defines it. Built from the raw files; holds personal data,
//! so it is written only where the operator asked (`read --out`).

use crate::lds::{self, Ef, sod::HashCheck};
use crate::reader::passport::PassportRead;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub access: String,
    pub files: BTreeMap<String, usize>,
    pub mrz: Option<MrzReport>,
    pub face: Option<FaceReport>,
    pub passive_authentication: PassiveAuthReport,
    pub apdus: u64,
    pub bytes_read: u64,
    pub elapsed_ms: u64,
    pub chunk_size: usize,
    /// Problems met while interpreting the files (the raw files are still written).
    pub problems: Vec<String>,
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

/// Passive authentication: `valid`, `invalid` or `unverified`, and why.
#[derive(Debug, Serialize)]
pub struct PassiveAuthReport {
    pub status: String,
    pub reason: String,
    pub hash_algorithm: Option<String>,
    /// "match", "mismatch" or "not listed" per data group read.
    pub data_groups: BTreeMap<String, String>,
}

/// The face image exactly as stored in DG2, with its file name (`face.jp2` …).
pub fn face_file(read: &PassportRead) -> Option<(String, Vec<u8>)> {
    let dg2 = read.files.get(&Ef::Dg(2).name())?;
    let parsed = lds::dg2::parse(dg2).ok()?;
    let face = parsed.faces.into_iter().next()?;
    Some((format!("face.{}", face.format.extension()), face.data.clone()))
}

/// Interprets what was read.
pub fn build(read: &PassportRead) -> Report {
    let mut problems = Vec::new();
    let files = read.files.iter().map(|(k, v)| (k.clone(), v.len())).collect();

    let mrz = read.files.get(&Ef::Dg(1).name()).and_then(|b| match lds::dg1::parse(b) {
        Ok(m) => Some(MrzReport {
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
        }),
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

    let passive_authentication = passive_auth(read, &mut problems);
    Report {
        access: read.access.clone(),
        files,
        mrz,
        face,
        passive_authentication,
        apdus: read.apdus,
        bytes_read: read.bytes_read,
        elapsed_ms: read.elapsed.as_millis() as u64,
        chunk_size: read.chunk_size,
        problems,
    }
}

fn passive_auth(read: &PassportRead, problems: &mut Vec<String>) -> PassiveAuthReport {
    let Some(sod_bytes) = read.files.get(&Ef::Sod.name()) else {
        return PassiveAuthReport {
            status: "unverified".into(),
            reason: "EF.SOD was not read".into(),
            hash_algorithm: None,
            data_groups: BTreeMap::new(),
        };
    };
    let sod = match lds::sod::parse(sod_bytes) {
        Ok(s) => s,
        Err(e) => {
            problems.push(format!("EF.SOD: {e}"));
            return PassiveAuthReport {
                status: "invalid".into(),
                reason: format!("EF.SOD cannot be parsed: {e}"),
                hash_algorithm: None,
                data_groups: BTreeMap::new(),
            };
        }
    };
    let mut data_groups = BTreeMap::new();
    let mut mismatched = Vec::new();
    for (name, bytes) in &read.files {
        let Some(Ef::Dg(n)) = Ef::from_name(name) else { continue };
        let verdict = match sod.check(n, bytes) {
            HashCheck::Match => "match",
            HashCheck::Mismatch => {
                mismatched.push(name.clone());
                "mismatch"
            }
            HashCheck::NotListed => {
                mismatched.push(name.clone());
                "not listed"
            }
        };
        data_groups.insert(name.clone(), verdict.to_owned());
    }
    let (status, reason) = if mismatched.is_empty() {
        (
            "unverified",
            "every data group read matches its hash in EF.SOD; the EF.SOD signature and the \
             document signer's chain to a CSCA are not checked yet"
                .to_owned(),
        )
    } else {
        ("invalid", format!("hash mismatch with EF.SOD for {}", mismatched.join(", ")))
    };
    PassiveAuthReport {
        status: status.into(),
        reason,
        hash_algorithm: Some(sod.hash_algorithm.name().to_owned()),
        data_groups,
    }
}
