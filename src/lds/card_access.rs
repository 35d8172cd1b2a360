//! EF.CardAccess (ICAO 9303 Part 11 §9.2): `SecurityInfos ::= SET OF SecurityInfo`, each
//! `SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }`.
//! PACEInfo (§9.2.1: protocol, version INTEGER, parameterId INTEGER OPTIONAL) is parsed into
//! key agreement, mapping and cipher (§9.2.1, Table of PACE object identifiers); the Chip
//! Authentication infos (§9.2.5, §9.2.6) in `lds::chip_authentication`; every other
//! SecurityInfo is kept as [`SecurityInfo::Unknown`] and never makes the file fail.
//!
//! Real cards append bytes after the SET (German and Slovenian eIDs): they are ignored.

use super::LdsError;
use super::chip_authentication::{self, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo};
use crate::iso7816::tlv::{self, Reader, Tlv};

const FILE: &str = "EF.CardAccess";
/// Most SecurityInfos accepted in one file (real files hold fewer than ten).
pub const MAX_INFOS: usize = 64;
/// id-PACE = 0.4.0.127.0.7.2.2.4 (BSI TR-03110-3 §A.1.1), DER content bytes.
const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];
const TAG_SET: u32 = 0x31;
const TAG_SEQUENCE: u32 = 0x30;
const TAG_OID: u32 = 0x06;
const TAG_INTEGER: u32 = 0x02;

/// The key agreement of a PACE protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Diffie–Hellman over a prime field.
    Dh,
    /// Elliptic-curve Diffie–Hellman.
    Ecdh,
}

/// The mapping of a PACE protocol (ICAO 9303 Part 11 §4.4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// Generic Mapping (GM).
    Generic,
    /// Integrated Mapping (IM).
    Integrated,
    /// Chip Authentication Mapping (CAM), ECDH only.
    ChipAuthentication,
}

/// The symmetric cipher suite of a PACE protocol (the secure-messaging cipher afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaceCipher {
    /// 3DES-CBC-CBC (retail MAC).
    TripleDes,
    /// AES-CBC-CMAC-128.
    Aes128,
    /// AES-CBC-CMAC-192.
    Aes192,
    /// AES-CBC-CMAC-256.
    Aes256,
}

/// A PACE protocol object identifier, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    pub key_agreement: KeyAgreement,
    pub mapping: Mapping,
    pub cipher: PaceCipher,
}

impl PaceProtocol {
    /// Decodes the DER content bytes of an OID `id-PACE.<mapping>.<cipher>`; `None` for other
    /// OIDs (e.g. PACEDomainParameterInfo's `id-PACE-ECDH-GM` without a cipher arc).
    pub fn from_oid(oid: &[u8]) -> Option<PaceProtocol> {
        let (head, &[kind, suite]) = oid.split_last_chunk::<2>()?;
        if head != ID_PACE {
            return None;
        }
        let (key_agreement, mapping) = match kind {
            1 => (KeyAgreement::Dh, Mapping::Generic),
            2 => (KeyAgreement::Ecdh, Mapping::Generic),
            3 => (KeyAgreement::Dh, Mapping::Integrated),
            4 => (KeyAgreement::Ecdh, Mapping::Integrated),
            6 => (KeyAgreement::Ecdh, Mapping::ChipAuthentication),
            _ => return None,
        };
        let cipher = match suite {
            1 if mapping != Mapping::ChipAuthentication => PaceCipher::TripleDes,
            2 => PaceCipher::Aes128,
            3 => PaceCipher::Aes192,
            4 => PaceCipher::Aes256,
            _ => return None,
        };
        Some(PaceProtocol { key_agreement, mapping, cipher })
    }

    /// The DER content bytes of this protocol's OID (10 bytes).
    pub fn oid(&self) -> Vec<u8> {
        let kind = match (self.key_agreement, self.mapping) {
            (KeyAgreement::Dh, Mapping::Generic) => 1,
            (KeyAgreement::Ecdh, Mapping::Generic) => 2,
            (KeyAgreement::Dh, Mapping::Integrated) => 3,
            (KeyAgreement::Ecdh, Mapping::Integrated) => 4,
            (_, Mapping::ChipAuthentication) => 6,
        };
        let suite = match self.cipher {
            PaceCipher::TripleDes => 1,
            PaceCipher::Aes128 => 2,
            PaceCipher::Aes192 => 3,
            PaceCipher::Aes256 => 4,
        };
        let mut oid = ID_PACE.to_vec();
        oid.extend_from_slice(&[kind, suite]);
        oid
    }

    /// The name used in reports, e.g. "PACE-ECDH-GM-AES-128".
    pub fn name(&self) -> String {
        let ka = match self.key_agreement {
            KeyAgreement::Dh => "DH",
            KeyAgreement::Ecdh => "ECDH",
        };
        let m = match self.mapping {
            Mapping::Generic => "GM",
            Mapping::Integrated => "IM",
            Mapping::ChipAuthentication => "CAM",
        };
        let c = match self.cipher {
            PaceCipher::TripleDes => "3DES",
            PaceCipher::Aes128 => "AES-128",
            PaceCipher::Aes192 => "AES-192",
            PaceCipher::Aes256 => "AES-256",
        };
        format!("PACE-{ka}-{m}-{c}")
    }
}

/// A PACEInfo (ICAO 9303 Part 11 §9.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    pub protocol: PaceProtocol,
    /// Version; ICAO 9303 requires 2.
    pub version: u64,
    /// Standardized domain parameter identifier (§9.5.1: 12 = NIST P-256, 13 =
    /// brainpoolP256r1, …); absent when the file carries explicit domain parameters.
    pub parameter_id: Option<u64>,
}

impl PaceInfo {
    /// DER encoding (for the simulator's EF.CardAccess).
    pub fn encode(&self) -> Vec<u8> {
        let mut body = tlv::tlv(TAG_OID, &self.protocol.oid());
        body.extend(tlv::tlv(TAG_INTEGER, &der_uint(self.version)));
        if let Some(id) = self.parameter_id {
            body.extend(tlv::tlv(TAG_INTEGER, &der_uint(id)));
        }
        tlv::tlv(TAG_SEQUENCE, &body)
    }
}

/// id-icao-mrtd-security-aaProtocolObject = 2.23.136.1.1.5 (ICAO 9303 Part 11 §9.2),
/// DER content bytes.
const ID_AA: [u8; 6] = [0x67, 0x81, 0x08, 0x01, 0x01, 0x05];

/// An ActiveAuthenticationInfo of DG14 (ICAO 9303 Part 11 §9.2): the signature algorithm
/// of an ECDSA Active Authentication key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    /// Version; ICAO 9303 requires 1.
    pub version: u64,
    /// The signature algorithm OID, dotted (e.g. ecdsa-with-SHA256 "1.2.840.10045.4.3.2").
    pub signature_algorithm: String,
}

impl ActiveAuthenticationInfo {
    /// DER encoding (for the simulator's DG14); `None` when the algorithm is not a valid
    /// dotted OID.
    pub fn encode(&self) -> Option<Vec<u8>> {
        let alg = der::asn1::ObjectIdentifier::new(&self.signature_algorithm).ok()?;
        let mut body = tlv::tlv(TAG_OID, &ID_AA);
        body.extend(tlv::tlv(TAG_INTEGER, &der_uint(self.version)));
        body.extend(tlv::tlv(TAG_OID, alg.as_bytes()));
        Some(tlv::tlv(TAG_SEQUENCE, &body))
    }
}

/// One SecurityInfo of EF.CardAccess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityInfo {
    Pace(PaceInfo),
    // Chip Authentication (§9.2.5, §9.2.6; parsed in `lds::chip_authentication`).
    ChipAuthentication(ChipAuthenticationInfo),
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    /// Active Authentication's signature algorithm (DG14 only).
    ActiveAuthentication(ActiveAuthenticationInfo),
    /// Any other SecurityInfo (Chip Authentication, Terminal Authentication, domain
    /// parameters, proprietary …), or a PACE OID whose data does not parse: kept by OID.
    Unknown {
        oid: String,
    },
}

/// The SecurityInfos of EF.CardAccess, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardAccess {
    pub infos: Vec<SecurityInfo>,
}

impl CardAccess {
    /// The PACEInfos, in file order.
    pub fn pace_infos(&self) -> impl Iterator<Item = &PaceInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
    }

    /// The ChipAuthenticationInfos, in file order.
    pub fn ca_infos(&self) -> impl Iterator<Item = &ChipAuthenticationInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthentication(c) => Some(c),
            _ => None,
        })
    }

    /// The ChipAuthenticationPublicKeyInfos, in file order.
    pub fn ca_public_keys(&self) -> impl Iterator<Item = &ChipAuthenticationPublicKeyInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(k) => Some(k),
            _ => None,
        })
    }

    /// The first ActiveAuthenticationInfo, if any.
    pub fn active_authentication(&self) -> Option<&ActiveAuthenticationInfo> {
        self.infos.iter().find_map(|i| match i {
            SecurityInfo::ActiveAuthentication(a) => Some(a),
            _ => None,
        })
    }

    /// DER encoding of a SET OF the given PACEInfos (for the simulator).
    pub fn encode_pace(infos: &[PaceInfo]) -> Vec<u8> {
        let body: Vec<u8> = infos.iter().flat_map(PaceInfo::encode).collect();
        tlv::tlv(TAG_SET, &body)
    }
}

/// Parses EF.CardAccess. Bytes after the SET are ignored (a known card quirk); a broken SET,
/// an element that is not a SEQUENCE starting with an OID, or more than [`MAX_INFOS`]
/// elements is an error.
pub fn parse(bytes: &[u8]) -> Result<CardAccess, LdsError> {
    parse_security_infos(bytes, FILE)
}

/// Parses a DER `SecurityInfos` SET (EF.CardAccess, or the content of EF.DG14) with the
/// rules of [`parse`]; `file` names the file in errors.
pub(crate) fn parse_security_infos(
    bytes: &[u8],
    file: &'static str,
) -> Result<CardAccess, LdsError> {
    let err = LdsError::tlv(file);
    let mut outer = Reader::new(bytes);
    let set = outer.expect(TAG_SET).map_err(&err)?;
    if !outer.is_empty() {
        tracing::debug!(file, bytes = outer.remaining().len(), "ignoring trailing bytes");
    }
    let mut r = Reader::nested(&set);
    let mut infos = Vec::new();
    while !r.is_empty() {
        LdsError::check_count(file, "SecurityInfos", infos.len() + 1, MAX_INFOS)?;
        let seq = r.expect(TAG_SEQUENCE).map_err(&err)?;
        infos.push(security_info(&seq, file)?);
    }
    Ok(CardAccess { infos })
}

fn security_info(seq: &Tlv<'_>, file: &'static str) -> Result<SecurityInfo, LdsError> {
    let err = LdsError::tlv(file);
    let mut r = Reader::nested(seq);
    let oid = r.expect(TAG_OID).map_err(&err)?;
    if chip_authentication::is_ca_oid(oid.value) {
        let parsed = chip_authentication::parse_info(oid.value, r.clone())
            .map(SecurityInfo::ChipAuthentication)
            .or_else(|| {
                chip_authentication::parse_public_key_info(oid.value, r)
                    .map(SecurityInfo::ChipAuthenticationPublicKey)
            });
        return Ok(parsed.unwrap_or_else(|| {
            tracing::debug!(file, oid = %oid_string(oid.value), "malformed Chip Authentication info kept as unknown");
            SecurityInfo::Unknown { oid: oid_string(oid.value) }
        }));
    }
    if oid.value == ID_AA {
        return Ok(match active_authentication_info(r) {
            Some(info) => SecurityInfo::ActiveAuthentication(info),
            None => {
                tracing::debug!(file, "malformed ActiveAuthenticationInfo kept as unknown");
                SecurityInfo::Unknown { oid: oid_string(oid.value) }
            }
        });
    }
    let Some(protocol) = PaceProtocol::from_oid(oid.value) else {
        return Ok(SecurityInfo::Unknown { oid: oid_string(oid.value) });
    };
    match pace_info(protocol, r) {
        Some(info) => Ok(SecurityInfo::Pace(info)),
        None => {
            tracing::debug!(file, protocol = %protocol.name(), "malformed PACEInfo kept as unknown");
            Ok(SecurityInfo::Unknown { oid: oid_string(oid.value) })
        }
    }
}

/// version INTEGER, parameterId INTEGER OPTIONAL, nothing else.
fn pace_info(protocol: PaceProtocol, mut r: Reader<'_>) -> Option<PaceInfo> {
    let version = uint(r.expect(TAG_INTEGER).ok()?.value)?;
    let parameter_id =
        if r.is_empty() { None } else { Some(uint(r.expect(TAG_INTEGER).ok()?.value)?) };
    r.finish().ok()?;
    Some(PaceInfo { protocol, version, parameter_id })
}

/// version INTEGER, signatureAlgorithm OBJECT IDENTIFIER, nothing else.
fn active_authentication_info(mut r: Reader<'_>) -> Option<ActiveAuthenticationInfo> {
    let version = uint(r.expect(TAG_INTEGER).ok()?.value)?;
    let alg = r.expect(TAG_OID).ok()?;
    r.finish().ok()?;
    if alg.value.is_empty() {
        return None;
    }
    Some(ActiveAuthenticationInfo { version, signature_algorithm: oid_string(alg.value) })
}

/// A non-negative DER INTEGER of at most 8 value bits' worth of bytes (a leading 00 allowed).
pub(crate) fn uint(value: &[u8]) -> Option<u64> {
    let (&first, _) = value.split_first()?;
    if first & 0x80 != 0 {
        return None;
    }
    let digits = match value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    };
    if digits.len() > 8 {
        return None;
    }
    Some(digits.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// DER content bytes of a non-negative INTEGER.
pub(crate) fn der_uint(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
    let mut out = Vec::with_capacity(9);
    if bytes.get(start).is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or(&[0]));
    out
}

/// Dotted form of DER OID content bytes ("0.4.0.127.0.7.2.2.3.2.1"); arcs that overflow 64
/// bits or a truncated arc are shown as "?".
pub fn oid_string(value: &[u8]) -> String {
    let mut arcs: Vec<String> = Vec::new();
    let mut acc: Option<u64> = Some(0);
    for (i, b) in value.iter().enumerate() {
        acc = acc.and_then(|a| a.checked_mul(128)).map(|a| a | u64::from(b & 0x7F));
        if b & 0x80 != 0 && i + 1 < value.len() {
            continue;
        }
        let arc = if b & 0x80 != 0 { None } else { acc };
        match (arcs.is_empty(), arc) {
            (true, Some(a)) => {
                let first = (a / 40).min(2);
                arcs.push(first.to_string());
                arcs.push((a - first * 40).to_string());
            }
            (_, Some(a)) => arcs.push(a.to_string()),
            (_, None) => arcs.push("?".into()),
        }
        acc = Some(0);
    }
    arcs.join(".")
}

#[cfg(test)]
#[path = "card_access_tests.rs"]
mod tests;
