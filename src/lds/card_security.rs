//! EF.CardSecurity (ICAO 9303 Part 11 §9.2 SecurityInfos, BSI TR-03110-3 §A.1.2; file 011D of the
//! master file): a CMS SignedData (RFC 5652) whose eContentType is id-SecurityObject
//! (0.4.0.127.0.7.3.2.1) and whose eContent is the chip's `SecurityInfos`, signed by a
//! document signer like EF.SOD. PACE with Chip Authentication Mapping takes the chip's key
//! from here:
//!
//! ```text
//! ChipAuthenticationPublicKeyInfo ::= SEQUENCE {
//!   protocol OBJECT IDENTIFIER (id-PK-DH | id-PK-ECDH),
//!   chipAuthenticationPublicKey SubjectPublicKeyInfo,
//!   keyId INTEGER OPTIONAL }
//! ```
//!
//! The signature and the chain are for passive authentication (`trust::card_security`).

use std::fmt;

use super::LdsError;
use super::card_access::{CardAccess, parse_security_infos};
use super::sod::encapsulated_content;
use crate::iso7816::tlv::{self, Reader, Tlv};

const FILE: &str = "EF.CardSecurity";
/// id-SecurityObject 0.4.0.127.0.7.3.2.1 (BSI TR-03110-3 §A.1.2.5), DER content octets.
const OID_SECURITY_OBJECT: &[u8] = &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x02, 0x01];
/// id-PK 0.4.0.127.0.7.2.2.1 (BSI TR-03110-3 §A.1.1.2); id-PK-DH = .1, id-PK-ECDH = .2.
const ID_PK: &[u8] = &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01];
/// Most ChipAuthenticationPublicKeyInfos accepted (real files hold one or two).
pub const MAX_KEYS: usize = 16;
const TAG_SET: u32 = 0x31;
const TAG_SEQUENCE: u32 = 0x30;
const TAG_OID: u32 = 0x06;
const TAG_INTEGER: u32 = 0x02;
const TAG_BIT_STRING: u32 = 0x03;

/// The key agreement of a chip authentication public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyAgreement {
    /// id-PK-DH.
    Dh,
    /// id-PK-ECDH.
    Ecdh,
}

/// A ChipAuthenticationPublicKeyInfo: the chip's static key for Chip Authentication and
/// PACE-CAM.
#[derive(Clone, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKey {
    pub key_agreement: PublicKeyAgreement,
    /// keyId, when the file lists it (required when there are several keys).
    pub key_id: Option<u64>,
    /// The SubjectPublicKeyInfo, DER as in the file (algorithm and domain parameters).
    pub subject_public_key_info: Vec<u8>,
    /// The AlgorithmIdentifier's OID, dotted.
    pub algorithm: String,
    /// The AlgorithmIdentifier's parameters, DER (absent when the identifier has none).
    pub parameters: Option<Vec<u8>>,
    /// The public key: the BIT STRING's bytes (an uncompressed point 04‖X‖Y for ECDH, the
    /// DER INTEGER y for DH).
    pub public_key: Vec<u8>,
}

impl fmt::Debug for ChipAuthenticationPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipAuthenticationPublicKey")
            .field("key_agreement", &self.key_agreement)
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm)
            .field("public_key", &format_args!("<{} bytes>", self.public_key.len()))
            .finish_non_exhaustive()
    }
}

/// The parsed EF.CardSecurity. `Debug` leaves out the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct CardSecurity {
    /// Every SecurityInfo (PACEInfos parsed, others by OID).
    pub security_infos: CardAccess,
    /// The ChipAuthenticationPublicKeyInfos, in file order.
    pub chip_authentication_keys: Vec<ChipAuthenticationPublicKey>,
    /// The whole file (the CMS ContentInfo), for passive authentication.
    pub signed_data: Vec<u8>,
}

impl fmt::Debug for CardSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardSecurity")
            .field("security_infos", &self.security_infos)
            .field("chip_authentication_keys", &self.chip_authentication_keys)
            .field("signed_data", &format_args!("<{} bytes>", self.signed_data.len()))
            .finish()
    }
}

impl CardSecurity {
    /// The key PACE-CAM or Chip Authentication uses: the one with `key_id` when given (and
    /// the file lists keyIds), else the only one; `None` when absent or ambiguous.
    pub fn chip_authentication_key(
        &self,
        key_id: Option<u64>,
    ) -> Option<&ChipAuthenticationPublicKey> {
        match key_id {
            Some(id) => self.chip_authentication_keys.iter().find(|k| k.key_id == Some(id)),
            None => match self.chip_authentication_keys.as_slice() {
                [only] => Some(only),
                _ => None,
            },
        }
    }
}

/// Parses EF.CardSecurity (BER as stored; nothing may follow the ContentInfo).
pub fn parse(bytes: &[u8]) -> Result<CardSecurity, LdsError> {
    let content = encapsulated_content(
        bytes,
        FILE,
        OID_SECURITY_OBJECT,
        "id-SecurityObject (0.4.0.127.0.7.3.2.1)",
    )?;
    let security_infos = parse_security_infos(&content, FILE)?;
    let chip_authentication_keys = public_keys(&content, FILE)?;
    Ok(CardSecurity { security_infos, chip_authentication_keys, signed_data: bytes.to_vec() })
}

/// The ChipAuthenticationPublicKeyInfos of a SecurityInfos SET (EF.CardSecurity's, or the
/// content of EF.DG14); `file` names the file in errors.
pub fn public_keys(
    security_infos: &[u8],
    file: &'static str,
) -> Result<Vec<ChipAuthenticationPublicKey>, LdsError> {
    let err = LdsError::tlv(file);
    let mut outer = Reader::new(security_infos);
    let set = outer.expect(TAG_SET).map_err(&err)?;
    let mut r = Reader::nested(&set);
    let mut keys = Vec::new();
    while !r.is_empty() {
        let seq = r.expect(TAG_SEQUENCE).map_err(&err)?;
        let mut info = Reader::nested(&seq);
        let oid = info.expect(TAG_OID).map_err(&err)?;
        let key_agreement = match oid.value.split_last() {
            Some((1, arc)) if arc == ID_PK => PublicKeyAgreement::Dh,
            Some((2, arc)) if arc == ID_PK => PublicKeyAgreement::Ecdh,
            _ => continue,
        };
        LdsError::check_count(file, "ChipAuthenticationPublicKeyInfos", keys.len() + 1, MAX_KEYS)?;
        keys.push(public_key(key_agreement, info, file)?);
    }
    Ok(keys)
}

fn public_key(
    key_agreement: PublicKeyAgreement,
    mut info: Reader<'_>,
    file: &'static str,
) -> Result<ChipAuthenticationPublicKey, LdsError> {
    let err = LdsError::tlv(file);
    let spki = info.expect(TAG_SEQUENCE).map_err(&err)?;
    let key_id = if info.is_empty() {
        None
    } else {
        let id = info.expect(TAG_INTEGER).map_err(&err)?;
        Some(uint(&id).ok_or_else(|| LdsError::invalid(file, "keyId is not a small INTEGER"))?)
    };
    info.finish().map_err(&err)?;

    let mut s = Reader::nested(&spki);
    let algorithm = s.expect(TAG_SEQUENCE).map_err(&err)?;
    let bits = s.expect(TAG_BIT_STRING).map_err(&err)?;
    s.finish().map_err(&err)?;
    let mut a = Reader::nested(&algorithm);
    let alg_oid = a.expect(TAG_OID).map_err(&err)?;
    let parameters = if a.is_empty() {
        None
    } else {
        let p = a.read().map_err(&err)?;
        Some(tlv::tlv(p.tag, p.value))
    };
    a.finish().map_err(&err)?;
    let public_key = match bits.value.split_first() {
        Some((0, key)) if !key.is_empty() => key.to_vec(),
        _ => return Err(LdsError::invalid(file, "the public key BIT STRING is empty or padded")),
    };
    Ok(ChipAuthenticationPublicKey {
        key_agreement,
        key_id,
        subject_public_key_info: tlv::tlv(TAG_SEQUENCE, spki.value),
        algorithm: super::card_access::oid_string(alg_oid.value),
        parameters,
        public_key,
    })
}

/// A non-negative INTEGER of at most 8 significant bytes.
fn uint(t: &Tlv<'_>) -> Option<u64> {
    let (&first, _) = t.value.split_first()?;
    if first & 0x80 != 0 {
        return None;
    }
    let digits = match t.value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    };
    if digits.len() > 8 {
        return None;
    }
    Some(digits.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// DER of a ChipAuthenticationPublicKeyInfo (for the simulator's EF.CardSecurity and DG14).
pub fn encode_public_key_info(
    key_agreement: PublicKeyAgreement,
    subject_public_key_info: &[u8],
    key_id: Option<u64>,
) -> Vec<u8> {
    let last = match key_agreement {
        PublicKeyAgreement::Dh => 1,
        PublicKeyAgreement::Ecdh => 2,
    };
    let mut body = tlv::tlv(TAG_OID, &[ID_PK, &[last]].concat());
    body.extend_from_slice(subject_public_key_info);
    if let Some(id) = key_id {
        let bytes = id.to_be_bytes();
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(7);
        let mut v = Vec::new();
        if bytes.get(start).is_some_and(|b| b & 0x80 != 0) {
            v.push(0);
        }
        v.extend_from_slice(bytes.get(start..).unwrap_or(&[0]));
        body.extend(tlv::tlv(TAG_INTEGER, &v));
    }
    tlv::tlv(TAG_SEQUENCE, &body)
}

#[cfg(test)]
#[path = "card_security_tests.rs"]
mod tests;
