//! The Chip Authentication SecurityInfos of EF.DG14 (ICAO 9303 Part 11 §9.2.5, §9.2.6; BSI
//! TR-03110-3 §A.1.1.2): ChipAuthenticationInfo (protocol id-CA-DH/ECDH-<cipher>, version,
//! keyId OPTIONAL) and ChipAuthenticationPublicKeyInfo (id-PK-DH/ECDH, a SubjectPublicKeyInfo
//! with its domain parameters, keyId OPTIONAL). ECDH keys carry a named curve or explicit
//! X9.62 ECParameters (mapped to a standardized curve by the terminal); DH keys X9.42
//! DomainParameters (p, g, q) or PKCS #3 DHParameter (p, g) and the public value as an INTEGER
//! inside the BIT STRING. Every size is bounded; an element that does not parse is `None`
//! here (the caller keeps it as an unknown SecurityInfo).

use super::card_access::{KeyAgreement, PaceCipher, der_uint, oid_string, uint};
use crate::iso7816::tlv::{self, Reader};

/// id-CA = 0.4.0.127.0.7.2.2.3 (TR-03110-3 §A.1.1.2), DER content bytes.
const ID_CA: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03];
/// id-PK = 0.4.0.127.0.7.2.2.1.
const ID_PK: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01];
/// id-ecPublicKey 1.2.840.10045.2.1 (RFC 5480).
const ID_EC_PUBLIC_KEY: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// prime-field 1.2.840.10045.1.1 (X9.62).
const ID_PRIME_FIELD: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01];
/// dhpublicnumber 1.2.840.10046.2.1 (X9.42, RFC 3279 §2.3.3).
const ID_DH_PUBLIC_NUMBER: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3E, 0x02, 0x01];
/// dhKeyAgreement 1.2.840.113549.1.3.1 (PKCS #3), used by some chips.
const ID_DH_PKCS3: [u8; 9] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x03, 0x01];
/// Longest integer or octet string accepted in a key (a 4096-bit DH modulus and a sign byte).
pub const MAX_KEY_FIELD: usize = 513;

const TAG_INTEGER: u32 = 0x02;
const TAG_BIT_STRING: u32 = 0x03;
const TAG_OCTET_STRING: u32 = 0x04;
const TAG_OID: u32 = 0x06;
const TAG_SEQUENCE: u32 = 0x30;

/// A Chip Authentication protocol: id-CA-<DH|ECDH>-<cipher>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    pub key_agreement: KeyAgreement,
    /// The secure-messaging cipher after Chip Authentication.
    pub cipher: PaceCipher,
}

impl CaProtocol {
    /// Decodes the DER content bytes of `id-CA.<DH 1|ECDH 2>.<cipher 1..4>`.
    pub fn from_oid(oid: &[u8]) -> Option<CaProtocol> {
        let (head, &[kind, suite]) = oid.split_last_chunk::<2>()?;
        if head != ID_CA {
            return None;
        }
        Some(CaProtocol { key_agreement: key_agreement(kind)?, cipher: cipher(suite)? })
    }

    /// The DER content bytes of this protocol's OID.
    pub fn oid(&self) -> Vec<u8> {
        let mut oid = ID_CA.to_vec();
        oid.push(kind(self.key_agreement));
        oid.push(match self.cipher {
            PaceCipher::TripleDes => 1,
            PaceCipher::Aes128 => 2,
            PaceCipher::Aes192 => 3,
            PaceCipher::Aes256 => 4,
        });
        oid
    }

    /// e.g. "CA-ECDH-AES-128".
    pub fn name(&self) -> String {
        let ka = match self.key_agreement {
            KeyAgreement::Dh => "DH",
            KeyAgreement::Ecdh => "ECDH",
        };
        let c = match self.cipher {
            PaceCipher::TripleDes => "3DES",
            PaceCipher::Aes128 => "AES-128",
            PaceCipher::Aes192 => "AES-192",
            PaceCipher::Aes256 => "AES-256",
        };
        format!("CA-{ka}-{c}")
    }
}

fn key_agreement(kind: u8) -> Option<KeyAgreement> {
    match kind {
        1 => Some(KeyAgreement::Dh),
        2 => Some(KeyAgreement::Ecdh),
        _ => None,
    }
}

fn kind(ka: KeyAgreement) -> u8 {
    match ka {
        KeyAgreement::Dh => 1,
        KeyAgreement::Ecdh => 2,
    }
}

fn cipher(suite: u8) -> Option<PaceCipher> {
    match suite {
        1 => Some(PaceCipher::TripleDes),
        2 => Some(PaceCipher::Aes128),
        3 => Some(PaceCipher::Aes192),
        4 => Some(PaceCipher::Aes256),
        _ => None,
    }
}

/// A ChipAuthenticationInfo (§9.2.5): protocol, version INTEGER (1 for CA v1), keyId INTEGER
/// OPTIONAL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    pub protocol: CaProtocol,
    pub version: u64,
    pub key_id: Option<u64>,
}

impl ChipAuthenticationInfo {
    /// DER encoding (for the simulator's DG14).
    pub fn encode(&self) -> Vec<u8> {
        let mut body = tlv::tlv(TAG_OID, &self.protocol.oid());
        body.extend(tlv::tlv(TAG_INTEGER, &der_uint(self.version)));
        if let Some(id) = self.key_id {
            body.extend(tlv::tlv(TAG_INTEGER, &der_uint(id)));
        }
        tlv::tlv(TAG_SEQUENCE, &body)
    }
}

/// The domain parameters of an ECDH key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcDomain {
    /// A named curve, as a dotted OID ("1.3.36.3.3.2.8.1.1.7").
    Named(String),
    /// Explicit X9.62 ECParameters over a prime field (all big-endian bytes as encoded).
    Explicit(ExplicitCurve),
}

/// X9.62 ECParameters: `p`, `a`, `b`, base point `g` (SEC 1 encoded), order `n`, cofactor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplicitCurve {
    pub p: Vec<u8>,
    pub a: Vec<u8>,
    pub b: Vec<u8>,
    pub g: Vec<u8>,
    pub n: Vec<u8>,
    pub cofactor: Option<Vec<u8>>,
}

/// The public key of a ChipAuthenticationPublicKeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaPublicKey {
    /// ECDH: the domain parameters and the SEC 1 point (bytes of the BIT STRING).
    Ec { domain: EcDomain, point: Vec<u8> },
    /// DH: modulus `p`, generator `g`, subgroup order `q` (absent in PKCS #3 parameters),
    /// public value `y` (integers without a leading sign byte).
    Dh { p: Vec<u8>, g: Vec<u8>, q: Option<Vec<u8>>, y: Vec<u8> },
}

/// A ChipAuthenticationPublicKeyInfo (§9.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    pub key_agreement: KeyAgreement,
    pub public_key: CaPublicKey,
    pub key_id: Option<u64>,
}

impl ChipAuthenticationPublicKeyInfo {
    /// DER encoding (for the simulator's DG14). A named curve is written as its OID.
    pub fn encode(&self) -> Vec<u8> {
        let mut pk_oid = ID_PK.to_vec();
        pk_oid.push(kind(self.key_agreement));
        let spki = match &self.public_key {
            CaPublicKey::Ec { domain, point } => {
                let params = match domain {
                    EcDomain::Named(oid) => tlv::tlv(TAG_OID, &oid_bytes(oid)),
                    EcDomain::Explicit(c) => encode_explicit(c),
                };
                let mut alg = tlv::tlv(TAG_OID, &ID_EC_PUBLIC_KEY);
                alg.extend(params);
                let mut bits = vec![0];
                bits.extend_from_slice(point);
                let mut body = tlv::tlv(TAG_SEQUENCE, &alg);
                body.extend(tlv::tlv(TAG_BIT_STRING, &bits));
                tlv::tlv(TAG_SEQUENCE, &body)
            }
            CaPublicKey::Dh { p, g, q, y } => {
                let mut params = tlv::tlv(TAG_INTEGER, &der_bytes(p));
                params.extend(tlv::tlv(TAG_INTEGER, &der_bytes(g)));
                let alg_oid: &[u8] = match q {
                    Some(q) => {
                        params.extend(tlv::tlv(TAG_INTEGER, &der_bytes(q)));
                        &ID_DH_PUBLIC_NUMBER
                    }
                    None => &ID_DH_PKCS3,
                };
                let mut alg = tlv::tlv(TAG_OID, alg_oid);
                alg.extend(tlv::tlv(TAG_SEQUENCE, &params));
                let mut bits = vec![0];
                bits.extend(tlv::tlv(TAG_INTEGER, &der_bytes(y)));
                let mut body = tlv::tlv(TAG_SEQUENCE, &alg);
                body.extend(tlv::tlv(TAG_BIT_STRING, &bits));
                tlv::tlv(TAG_SEQUENCE, &body)
            }
        };
        let mut body = tlv::tlv(TAG_OID, &pk_oid);
        body.extend(spki);
        if let Some(id) = self.key_id {
            body.extend(tlv::tlv(TAG_INTEGER, &der_uint(id)));
        }
        tlv::tlv(TAG_SEQUENCE, &body)
    }
}

/// True when `oid` is an id-CA-* or id-PK-* OID (the Chip Authentication SecurityInfos).
pub fn is_ca_oid(oid: &[u8]) -> bool {
    (oid.len() == ID_CA.len() + 2 && oid.starts_with(&ID_CA))
        || (oid.len() == ID_PK.len() + 1 && oid.starts_with(&ID_PK))
}

/// A ChipAuthenticationInfo after its OID: version INTEGER, keyId INTEGER OPTIONAL.
pub(crate) fn parse_info(oid: &[u8], mut r: Reader<'_>) -> Option<ChipAuthenticationInfo> {
    let protocol = CaProtocol::from_oid(oid)?;
    let version = uint(r.expect(TAG_INTEGER).ok()?.value)?;
    let key_id = optional_key_id(&mut r)?;
    r.finish().ok()?;
    Some(ChipAuthenticationInfo { protocol, version, key_id })
}

/// A ChipAuthenticationPublicKeyInfo after its OID: SubjectPublicKeyInfo, keyId OPTIONAL.
pub(crate) fn parse_public_key_info(
    oid: &[u8],
    mut r: Reader<'_>,
) -> Option<ChipAuthenticationPublicKeyInfo> {
    let (head, &[k]) = oid.split_last_chunk::<1>()?;
    if head != ID_PK {
        return None;
    }
    let key_agreement = key_agreement(k)?;
    let spki = r.expect(TAG_SEQUENCE).ok()?;
    let key_id = optional_key_id(&mut r)?;
    r.finish().ok()?;
    let mut s = Reader::nested(&spki);
    let alg = s.expect(TAG_SEQUENCE).ok()?;
    let bits = s.expect(TAG_BIT_STRING).ok()?;
    s.finish().ok()?;
    // No unused bits: the key is whole bytes.
    let key_bytes = match bits.value {
        [0, rest @ ..] if !rest.is_empty() && rest.len() <= MAX_KEY_FIELD => rest,
        _ => return None,
    };
    let mut a = Reader::nested(&alg);
    let alg_oid = a.expect(TAG_OID).ok()?;
    let public_key = match key_agreement {
        KeyAgreement::Ecdh if alg_oid.value == ID_EC_PUBLIC_KEY => {
            let domain = ec_domain(&mut a)?;
            CaPublicKey::Ec { domain, point: key_bytes.to_vec() }
        }
        KeyAgreement::Dh
            if alg_oid.value == ID_DH_PUBLIC_NUMBER || alg_oid.value == ID_DH_PKCS3 =>
        {
            let params = a.expect(TAG_SEQUENCE).ok()?;
            let mut pr = Reader::nested(&params);
            let p = integer(&mut pr)?;
            let g = integer(&mut pr)?;
            // X9.42: q, then j and validationParms (ignored); PKCS #3: privateValueLength.
            let q =
                if alg_oid.value == ID_DH_PUBLIC_NUMBER { Some(integer(&mut pr)?) } else { None };
            let mut yr = Reader::new(key_bytes);
            let y = integer(&mut yr)?;
            yr.finish().ok()?;
            CaPublicKey::Dh { p, g, q, y }
        }
        _ => return None,
    };
    a.finish().ok()?;
    Some(ChipAuthenticationPublicKeyInfo { key_agreement, public_key, key_id })
}

/// The ECParameters: a named curve OID or explicit SpecifiedECDomain (X9.62, RFC 3279).
fn ec_domain(a: &mut Reader<'_>) -> Option<EcDomain> {
    let params = a.read().ok()?;
    match params.tag {
        TAG_OID => Some(EcDomain::Named(oid_string(params.value))),
        TAG_SEQUENCE => {
            let mut r = Reader::nested(&params);
            let version = uint(r.expect(TAG_INTEGER).ok()?.value)?;
            if !(1..=3).contains(&version) {
                return None;
            }
            let field = r.expect(TAG_SEQUENCE).ok()?;
            let mut f = Reader::nested(&field);
            if f.expect(TAG_OID).ok()?.value != ID_PRIME_FIELD {
                return None;
            }
            let p = integer(&mut f)?;
            f.finish().ok()?;
            let curve = r.expect(TAG_SEQUENCE).ok()?;
            let mut c = Reader::nested(&curve);
            let ca = bounded(c.expect(TAG_OCTET_STRING).ok()?.value)?;
            let cb = bounded(c.expect(TAG_OCTET_STRING).ok()?.value)?;
            // An optional seed BIT STRING follows; it is not needed to identify the curve.
            let g = bounded(r.expect(TAG_OCTET_STRING).ok()?.value)?;
            let n = integer(&mut r)?;
            let cofactor = if r.is_empty() { None } else { Some(integer(&mut r)?) };
            r.finish().ok()?;
            Some(EcDomain::Explicit(ExplicitCurve { p, a: ca, b: cb, g, n, cofactor }))
        }
        _ => None,
    }
}

fn optional_key_id(r: &mut Reader<'_>) -> Option<Option<u64>> {
    if r.is_empty() { Some(None) } else { Some(Some(uint(r.expect(TAG_INTEGER).ok()?.value)?)) }
}

fn bounded(v: &[u8]) -> Option<Vec<u8>> {
    (!v.is_empty() && v.len() <= MAX_KEY_FIELD).then(|| v.to_vec())
}

/// A non-negative INTEGER's magnitude (leading 00 sign byte removed), bounded.
fn integer(r: &mut Reader<'_>) -> Option<Vec<u8>> {
    let v = r.expect(TAG_INTEGER).ok()?.value;
    let (&first, _) = v.split_first()?;
    if first & 0x80 != 0 || v.len() > MAX_KEY_FIELD {
        return None;
    }
    let digits = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    };
    Some(digits.to_vec())
}

/// DER INTEGER content of a big-endian magnitude.
fn der_bytes(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude.iter().position(|b| *b != 0).unwrap_or(magnitude.len());
    let digits = magnitude.get(start..).unwrap_or(&[]);
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

fn encode_explicit(c: &ExplicitCurve) -> Vec<u8> {
    let mut field = tlv::tlv(TAG_OID, &ID_PRIME_FIELD);
    field.extend(tlv::tlv(TAG_INTEGER, &der_bytes(&c.p)));
    let mut curve = tlv::tlv(TAG_OCTET_STRING, &c.a);
    curve.extend(tlv::tlv(TAG_OCTET_STRING, &c.b));
    let mut body = tlv::tlv(TAG_INTEGER, &[1]);
    body.extend(tlv::tlv(TAG_SEQUENCE, &field));
    body.extend(tlv::tlv(TAG_SEQUENCE, &curve));
    body.extend(tlv::tlv(TAG_OCTET_STRING, &c.g));
    body.extend(tlv::tlv(TAG_INTEGER, &der_bytes(&c.n)));
    if let Some(h) = &c.cofactor {
        body.extend(tlv::tlv(TAG_INTEGER, &der_bytes(h)));
    }
    tlv::tlv(TAG_SEQUENCE, &body)
}

/// DER content bytes of a dotted OID (arcs that do not parse give an empty OID).
pub fn oid_bytes(dotted: &str) -> Vec<u8> {
    let arcs: Option<Vec<u64>> = dotted.split('.').map(|a| a.parse().ok()).collect();
    let Some(arcs) = arcs else { return Vec::new() };
    let (Some(&first), Some(&second)) = (arcs.first(), arcs.get(1)) else { return Vec::new() };
    let mut out = Vec::new();
    for arc in std::iter::once(first * 40 + second).chain(arcs.iter().skip(2).copied()) {
        let mut chunk = vec![(arc & 0x7F) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(((rest & 0x7F) as u8) | 0x80);
            rest >>= 7;
        }
        out.extend(chunk.iter().rev());
    }
    out
}

#[cfg(test)]
#[path = "chip_authentication_tests.rs"]
mod tests;
