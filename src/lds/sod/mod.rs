//! EF.SOD, the document security object (ICAO 9303 Part 10 §4.6.2): tag 77 around a CMS
//! SignedData (RFC 5652) whose eContent is the LDSSecurityObject
//!
//! ```text
//! LDSSecurityObject ::= SEQUENCE {
//!   version LDSSecurityObjectVersion,            -- v0(0), v1(1) with ldsVersionInfo
//!   hashAlgorithm DigestAlgorithmIdentifier,
//!   dataGroupHashValues SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//!   ldsVersionInfo LDSVersionInfo OPTIONAL }
//! DataGroupHash ::= SEQUENCE { dataGroupNumber DataGroupNumber, dataGroupHashValue OCTET STRING }
//! LDSVersionInfo ::= SEQUENCE { ldsVersion PRINTABLE STRING, unicodeVersion PRINTABLE STRING }
//! ```
//!
//! This module reads the hashes and compares them with data groups; the signature and the
//! certificate chain are for passive authentication (`signed_data` keeps the CMS bytes).

pub(crate) mod ber;
mod hash;

use std::collections::BTreeMap;
use std::fmt;

use asn1_rs::{Class, Tag};
use subtle::ConstantTimeEq;

pub use hash::HashAlgorithm;

use super::LdsError;
use crate::iso7816::tlv;
use ber::{Ber, expect, octets, small_uint, text};

const FILE: &str = "EF.SOD";
/// id-signedData 1.2.840.113549.1.7.2
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// id-icao-mrtd-security-ldsSecurityObject 2.23.136.1.1.1
const OID_LDS_SECURITY_OBJECT: &[u8] = &[0x67, 0x81, 0x08, 0x01, 0x01, 0x01];

/// The parsed EF.SOD. `Debug` lists the data groups, not the hashes (a DG1 hash would
/// let the MRZ be searched for) nor the CMS bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Sod {
    pub hash_algorithm: HashAlgorithm,
    /// LDSSecurityObject version: 0, or 1 with `lds_version`.
    pub version: u8,
    /// Data-group number → hash.
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
    /// The CMS ContentInfo bytes inside the 77 wrapper (BER as stored), for passive
    /// authentication.
    pub signed_data: Vec<u8>,
    /// The encapsulated content (the DER LDSSecurityObject the signature covers).
    pub lds_security_object: Vec<u8>,
    /// LDS version of a v1 object, e.g. "0108".
    pub lds_version: Option<String>,
    /// Unicode version of a v1 object, e.g. "040000".
    pub unicode_version: Option<String>,
}

/// The result of comparing a data group with the hash the SOD lists for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCheck {
    Match,
    Mismatch,
    /// The SOD lists no hash for this data group.
    NotListed,
}

/// The LDSSecurityObject fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    pub version: u8,
    pub hash_algorithm: HashAlgorithm,
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
    pub lds_version: Option<String>,
    pub unicode_version: Option<String>,
}

/// Parses EF.SOD (BER, definite or indefinite lengths).
pub fn parse(bytes: &[u8]) -> Result<Sod, LdsError> {
    let mut top = Ber::new(bytes, FILE);
    let wrapper = top.next("77 wrapper")?;
    expect(&wrapper, Class::Application, Tag(23), FILE, "77 wrapper")?;
    top.finish("77 wrapper")?;

    let e_content = encapsulated_content(
        wrapper.data,
        FILE,
        OID_LDS_SECURITY_OBJECT,
        "id-icao-mrtd-security-ldsSecurityObject (2.23.136.1.1.1)",
    )?;
    let lso = parse_lds_security_object(&e_content)?;
    Ok(Sod {
        hash_algorithm: lso.hash_algorithm,
        version: lso.version,
        dg_hashes: lso.dg_hashes,
        signed_data: wrapper.data.to_vec(),
        lds_security_object: e_content,
        lds_version: lso.lds_version,
        unicode_version: lso.unicode_version,
    })
}

/// Parses an LDSSecurityObject (the eContent of EF.SOD).
pub fn parse_lds_security_object(bytes: &[u8]) -> Result<LdsSecurityObject, LdsError> {
    let mut top = Ber::new(bytes, FILE);
    let seq = top.universal(Tag::Sequence, "LDSSecurityObject")?;
    top.finish("LDSSecurityObject")?;
    let mut s = Ber::new(seq.data, FILE);
    let version = small_uint(&s.universal(Tag::Integer, "version")?, FILE, "version")?;
    let version = match version {
        0 | 1 => version as u8,
        v => return Err(LdsError::invalid(FILE, format!("LDSSecurityObject version {v}"))),
    };
    let alg_seq = s.universal(Tag::Sequence, "hashAlgorithm")?;
    let mut alg = Ber::new(alg_seq.data, FILE);
    let oid = alg.universal(Tag::Oid, "hashAlgorithm algorithm")?;
    let hash_algorithm = HashAlgorithm::from_oid_content(oid.data).ok_or_else(|| {
        let name = asn1_rs::Oid::new(std::borrow::Cow::Borrowed(oid.data)).to_id_string();
        LdsError::invalid(FILE, format!("hash algorithm {name} is not SHA-1 or SHA-2"))
    })?;
    if !alg.is_empty() {
        let params = alg.next("hashAlgorithm parameters")?;
        expect(&params, Class::Universal, Tag::Null, FILE, "hashAlgorithm parameters")?;
    }
    alg.finish("hashAlgorithm")?;

    let list = s.universal(Tag::Sequence, "dataGroupHashValues")?;
    let mut items = Ber::new(list.data, FILE);
    let mut dg_hashes = BTreeMap::new();
    while !items.is_empty() {
        let entry = items.universal(Tag::Sequence, "DataGroupHash")?;
        let mut it = Ber::new(entry.data, FILE);
        let number =
            small_uint(&it.universal(Tag::Integer, "dataGroupNumber")?, FILE, "dataGroupNumber")?;
        let hash = octets(&it.next("dataGroupHashValue")?, FILE, "dataGroupHashValue")?;
        it.finish("DataGroupHash")?;
        let dg = u8::try_from(number).ok().filter(|n| (1..=16).contains(n)).ok_or_else(|| {
            LdsError::invalid(FILE, format!("data group number {number} is not 1..16"))
        })?;
        if hash.len() != hash_algorithm.output_len() {
            return Err(LdsError::invalid(
                FILE,
                format!(
                    "DG{dg} hash is {} bytes, {} gives {}",
                    hash.len(),
                    hash_algorithm.name(),
                    hash_algorithm.output_len()
                ),
            ));
        }
        if dg_hashes.insert(dg, hash).is_some() {
            return Err(LdsError::invalid(FILE, format!("DG{dg} is listed twice")));
        }
    }
    if dg_hashes.is_empty() {
        return Err(LdsError::Missing { file: FILE, what: "data group hash" });
    }

    let (mut lds_version, mut unicode_version) = (None, None);
    if !s.is_empty() {
        let info = s.universal(Tag::Sequence, "ldsVersionInfo")?;
        let mut i = Ber::new(info.data, FILE);
        lds_version = Some(text(&i.next("ldsVersion")?, FILE, "ldsVersion")?);
        unicode_version = Some(text(&i.next("unicodeVersion")?, FILE, "unicodeVersion")?);
        i.finish("ldsVersionInfo")?;
    }
    s.finish("LDSSecurityObject")?;
    Ok(LdsSecurityObject { version, hash_algorithm, dg_hashes, lds_version, unicode_version })
}

impl fmt::Debug for Sod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sod")
            .field("hash_algorithm", &self.hash_algorithm)
            .field("version", &self.version)
            .field("data_groups", &self.dg_hashes.keys().collect::<Vec<_>>())
            .field("lds_version", &self.lds_version)
            .field("signed_data", &format_args!("<{} bytes>", self.signed_data.len()))
            .finish_non_exhaustive()
    }
}

impl Sod {
    /// Checks each data group in `files` (number → bytes as read): one result per file.
    /// Data groups the SOD hashes but that were not read are not in the result (the keys
    /// of `dg_hashes` list them).
    pub fn check_all(&self, files: &BTreeMap<u8, Vec<u8>>) -> BTreeMap<u8, HashCheck> {
        files.iter().map(|(dg, bytes)| (*dg, self.check(*dg, bytes))).collect()
    }

    /// Compares the bytes of data group `dg` (the whole file as read) with its listed hash.
    pub fn check(&self, dg: u8, dg_bytes: &[u8]) -> HashCheck {
        match self.dg_hashes.get(&dg) {
            None => HashCheck::NotListed,
            Some(expected) => {
                let actual = self.hash_algorithm.digest(dg_bytes);
                if bool::from(actual.as_slice().ct_eq(expected.as_slice())) {
                    HashCheck::Match
                } else {
                    HashCheck::Mismatch
                }
            }
        }
    }
}

/// The eContent of a CMS ContentInfo around a SignedData (RFC 5652 §5.2) whose eContentType
/// must be `content_type` (DER content octets of the OID, `type_name` in errors). BER as stored; the signature is
/// for passive authentication.
pub(crate) fn encapsulated_content(
    content_info_bytes: &[u8],
    file: &'static str,
    content_type: &[u8],
    type_name: &str,
) -> Result<Vec<u8>, LdsError> {
    let mut inside = Ber::new(content_info_bytes, file);
    let content_info = inside.universal(Tag::Sequence, "ContentInfo")?;
    inside.finish("ContentInfo")?;
    let mut ci = Ber::new(content_info.data, file);
    let ci_type = ci.universal(Tag::Oid, "ContentInfo contentType")?;
    if ci_type.data != OID_SIGNED_DATA {
        return Err(LdsError::invalid(file, "ContentInfo is not id-signedData"));
    }
    let explicit = ci.next("ContentInfo content")?;
    expect(&explicit, Class::ContextSpecific, Tag(0), file, "ContentInfo content")?;
    ci.finish("ContentInfo")?;

    let mut outer_sd = Ber::new(explicit.data, file);
    let signed = outer_sd.universal(Tag::Sequence, "SignedData")?;
    outer_sd.finish("SignedData")?;
    let mut sd = Ber::new(signed.data, file);
    let _version =
        small_uint(&sd.universal(Tag::Integer, "SignedData version")?, file, "SignedData version")?;
    sd.universal(Tag::Set, "SignedData digestAlgorithms")?;
    let encap = sd.universal(Tag::Sequence, "encapContentInfo")?;
    let mut e = Ber::new(encap.data, file);
    let e_type = e.universal(Tag::Oid, "eContentType")?;
    if e_type.data != content_type {
        return Err(LdsError::invalid(file, format!("eContentType is not {type_name}")));
    }
    let e_explicit = e.next("eContent")?;
    expect(&e_explicit, Class::ContextSpecific, Tag(0), file, "eContent")?;
    e.finish("encapContentInfo")?;
    let mut ec = Ber::new(e_explicit.data, file);
    let e_content = octets(&ec.next("eContent")?, file, "eContent")?;
    ec.finish("eContent")?;
    Ok(e_content)
}

fn der_uint(n: u8) -> Vec<u8> {
    if n & 0x80 != 0 { tlv::tlv(0x02, &[0x00, n]) } else { tlv::tlv(0x02, &[n]) }
}

/// Encodes a version-0 LDSSecurityObject in DER (hash algorithm parameters absent), for
/// the simulator to wrap in CMS SignedData.
pub fn encode_lds_security_object(alg: HashAlgorithm, hashes: &BTreeMap<u8, Vec<u8>>) -> Vec<u8> {
    let algorithm = tlv::tlv(0x30, &tlv::tlv(0x06, alg.oid_content()));
    let mut list = Vec::new();
    for (dg, hash) in hashes {
        let entry = [der_uint(*dg), tlv::tlv(0x04, hash)].concat();
        tlv::encode(0x30, &entry, &mut list);
    }
    let body = [der_uint(0), algorithm, tlv::tlv(0x30, &list)].concat();
    tlv::tlv(0x30, &body)
}
