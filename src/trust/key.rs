//! Public keys (RFC 5480, RFC 8017 §A.1.1) and signature algorithms (RFC 4055, RFC 5758,
//! BSI TR-03111 §5.2.1) of document signers and CSCAs, and one `verify` for all of them:
//! RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA (DER or plain r‖s) with SHA-1/SHA-2.

use asn1_rs::{Class, Tag};
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::TrustError;
use super::cms::{AlgorithmId, algorithm_id};
use super::ec::Curve;
use super::ec_key::EcPublicKey;
use super::oid;
use crate::lds::sod::HashAlgorithm;
use crate::lds::sod::ber::{Ber, expect, small_uint};

const FILE: &str = "public key";
/// Largest RSA modulus accepted, in bits.
const MAX_RSA_BITS: usize = 8192;

/// The hash algorithm with this OID (dotted).
pub fn hash_by_oid(dotted: &str) -> Option<HashAlgorithm> {
    Some(match dotted {
        "1.3.14.3.2.26" => HashAlgorithm::Sha1,
        "2.16.840.1.101.3.4.2.4" => HashAlgorithm::Sha224,
        "2.16.840.1.101.3.4.2.1" => HashAlgorithm::Sha256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithm::Sha384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithm::Sha512,
        _ => return None,
    })
}

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    RsaPkcs1,
    RsaPss {
        salt_len: usize,
    },
    /// ECDSA with a DER `SEQUENCE { r, s }` signature.
    Ecdsa,
    /// ECDSA with a plain r‖s signature (BSI TR-03111).
    EcdsaPlain,
}

/// A signature scheme and the hash it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureAlgorithm {
    pub scheme: Scheme,
    pub hash: HashAlgorithm,
}

impl SignatureAlgorithm {
    /// Interprets a signatureAlgorithm. `digest` is the SignerInfo's digestAlgorithm, used
    /// when the OID names only the key type (rsaEncryption, id-ecPublicKey).
    pub fn from_id(
        alg: &AlgorithmId,
        digest: Option<HashAlgorithm>,
    ) -> Result<SignatureAlgorithm, TrustError> {
        use HashAlgorithm::*;
        let need_digest = || {
            digest.ok_or_else(|| {
                TrustError::unsupported(format!("signature algorithm {} without a digest", alg.oid))
            })
        };
        let (scheme, hash) = match alg.oid.as_str() {
            oid::RSA_ENCRYPTION => (Scheme::RsaPkcs1, need_digest()?),
            "1.2.840.113549.1.1.5" => (Scheme::RsaPkcs1, Sha1),
            "1.2.840.113549.1.1.14" => (Scheme::RsaPkcs1, Sha224),
            "1.2.840.113549.1.1.11" => (Scheme::RsaPkcs1, Sha256),
            "1.2.840.113549.1.1.12" => (Scheme::RsaPkcs1, Sha384),
            "1.2.840.113549.1.1.13" => (Scheme::RsaPkcs1, Sha512),
            oid::RSASSA_PSS => pss_params(alg.params.as_deref())?,
            oid::EC_PUBLIC_KEY => (Scheme::Ecdsa, need_digest()?),
            "1.2.840.10045.4.1" => (Scheme::Ecdsa, Sha1),
            "1.2.840.10045.4.3.1" => (Scheme::Ecdsa, Sha224),
            "1.2.840.10045.4.3.2" => (Scheme::Ecdsa, Sha256),
            "1.2.840.10045.4.3.3" => (Scheme::Ecdsa, Sha384),
            "1.2.840.10045.4.3.4" => (Scheme::Ecdsa, Sha512),
            "0.4.0.127.0.7.1.1.4.1.1" => (Scheme::EcdsaPlain, Sha1),
            "0.4.0.127.0.7.1.1.4.1.2" => (Scheme::EcdsaPlain, Sha224),
            "0.4.0.127.0.7.1.1.4.1.3" => (Scheme::EcdsaPlain, Sha256),
            "0.4.0.127.0.7.1.1.4.1.4" => (Scheme::EcdsaPlain, Sha384),
            "0.4.0.127.0.7.1.1.4.1.5" => (Scheme::EcdsaPlain, Sha512),
            other => {
                return Err(TrustError::unsupported(format!("signature algorithm {other}")));
            }
        };
        Ok(SignatureAlgorithm { scheme, hash })
    }

    /// "ECDSA SHA-256", "RSA PKCS#1 v1.5 SHA-256", "RSASSA-PSS SHA-256" …
    pub fn name(&self) -> String {
        let h = self.hash.name();
        match self.scheme {
            Scheme::RsaPkcs1 => format!("RSA PKCS#1 v1.5 {h}"),
            Scheme::RsaPss { .. } => format!("RSASSA-PSS {h}"),
            Scheme::Ecdsa => format!("ECDSA {h}"),
            Scheme::EcdsaPlain => format!("ECDSA (plain) {h}"),
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1); the MGF1 hash must equal the message hash.
fn pss_params(params: Option<&[u8]>) -> Result<(Scheme, HashAlgorithm), TrustError> {
    let (mut hash, mut mgf_hash, mut salt_len) = (HashAlgorithm::Sha1, HashAlgorithm::Sha1, 20);
    let body = match params {
        None => &[][..],
        Some(raw) => {
            let mut top = Ber::new(raw, FILE);
            let seq = top.next("RSASSA-PSS-params")?;
            if seq.header.tag() == Tag::Null {
                &[][..]
            } else {
                expect(&seq, Class::Universal, Tag::Sequence, FILE, "RSASSA-PSS-params")?;
                seq.data
            }
        }
    };
    let mut fields = Ber::new(body, FILE);
    while !fields.is_empty() {
        let field = fields.next("RSASSA-PSS-params field")?;
        let mut inner = Ber::new(field.data, FILE);
        match field.header.tag().0 {
            0 => {
                let a = inner.universal(Tag::Sequence, "PSS hashAlgorithm")?;
                let id = algorithm_id(a.data, "PSS hashAlgorithm")?;
                hash = hash_by_oid(&id.oid)
                    .ok_or_else(|| TrustError::unsupported(format!("PSS hash {}", id.oid)))?;
            }
            1 => {
                let a = inner.universal(Tag::Sequence, "PSS maskGenAlgorithm")?;
                let id = algorithm_id(a.data, "PSS maskGenAlgorithm")?;
                if id.oid != oid::MGF1 {
                    return Err(TrustError::unsupported(format!("PSS mask generation {}", id.oid)));
                }
                let raw = id.params.unwrap_or_default();
                let mut p = Ber::new(&raw, FILE);
                let h = p.universal(Tag::Sequence, "MGF1 hash")?;
                let hid = algorithm_id(h.data, "MGF1 hash")?;
                mgf_hash = hash_by_oid(&hid.oid)
                    .ok_or_else(|| TrustError::unsupported(format!("MGF1 hash {}", hid.oid)))?;
            }
            2 => {
                let v =
                    small_uint(&inner.universal(Tag::Integer, "PSS saltLength")?, FILE, "salt")?;
                salt_len = usize::try_from(v)
                    .ok()
                    .filter(|v| *v <= 1024)
                    .ok_or_else(|| TrustError::invalid("PSS saltLength out of range"))?;
            }
            3 => {
                let t =
                    small_uint(&inner.universal(Tag::Integer, "PSS trailer")?, FILE, "trailer")?;
                if t != 1 {
                    return Err(TrustError::unsupported(format!("PSS trailerField {t}")));
                }
            }
            _ => return Err(TrustError::invalid("unknown RSASSA-PSS-params field")),
        }
    }
    if mgf_hash != hash {
        return Err(TrustError::unsupported(format!(
            "RSASSA-PSS with {} and MGF1 {}",
            hash.name(),
            mgf_hash.name()
        )));
    }
    Ok((Scheme::RsaPss { salt_len }, hash))
}

/// A document signer's or CSCA's public key.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Rsa(RsaPublicKey),
    Ec { key: Box<EcPublicKey>, explicit: bool },
}

impl PublicKey {
    /// From a SubjectPublicKeyInfo's algorithm (OID, parameter encoding) and key bits.
    pub fn from_spki(alg: &AlgorithmId, key: &[u8]) -> Result<PublicKey, TrustError> {
        match alg.oid.as_str() {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => rsa_key(key),
            oid::EC_PUBLIC_KEY => {
                let raw = alg.params.as_deref().ok_or_else(|| {
                    TrustError::invalid("EC public key without domain parameters")
                })?;
                let (curve, explicit) = ec_params(raw)?;
                let key = EcPublicKey::from_sec1(curve, key)?;
                Ok(PublicKey::Ec { key: Box::new(key), explicit })
            }
            other => Err(TrustError::unsupported(format!("public key algorithm {other}"))),
        }
    }

    /// "RSA 2048", "EC brainpoolP256r1 (explicit parameters)" …
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa(k) => format!("RSA {}", rsa::traits::PublicKeyParts::n(k).bits()),
            PublicKey::Ec { key, explicit: true } => {
                format!("EC {} (explicit parameters)", key.curve().name)
            }
            PublicKey::Ec { key, .. } => format!("EC {}", key.curve().name),
        }
    }

    /// Verifies `signature` over `message` (hashed here with the algorithm's hash).
    pub fn verify(
        &self,
        alg: &SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), TrustError> {
        let digest = alg.hash.digest(message);
        let bad = |e: rsa::Error| TrustError::BadSignature(format!("{}: {e}", alg.name()));
        match (self, alg.scheme) {
            (PublicKey::Rsa(key), Scheme::RsaPkcs1) => {
                key.verify(pkcs1(alg.hash), &digest, signature).map_err(bad)
            }
            (PublicKey::Rsa(key), Scheme::RsaPss { salt_len }) => {
                key.verify(pss(alg.hash, salt_len), &digest, signature).map_err(bad)
            }
            (PublicKey::Ec { key, .. }, Scheme::Ecdsa) => {
                let (r, s) = der_signature(signature)?;
                key.verify(&digest, r, s)
            }
            (PublicKey::Ec { key, .. }, Scheme::EcdsaPlain) => {
                let half = key.curve().order_len();
                if signature.len() != 2 * half {
                    return Err(TrustError::BadSignature("plain ECDSA signature length".into()));
                }
                let (r, s) = signature.split_at(half);
                key.verify(&digest, r, s)
            }
            _ => Err(TrustError::invalid(format!(
                "{} signature with a {} key",
                alg.name(),
                self.describe()
            ))),
        }
    }
}

fn pkcs1(hash: HashAlgorithm) -> Pkcs1v15Sign {
    match hash {
        HashAlgorithm::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
        HashAlgorithm::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
        HashAlgorithm::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        HashAlgorithm::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        HashAlgorithm::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
    }
}

fn pss(hash: HashAlgorithm, salt: usize) -> Pss {
    match hash {
        HashAlgorithm::Sha1 => Pss::new_with_salt::<Sha1>(salt),
        HashAlgorithm::Sha224 => Pss::new_with_salt::<Sha224>(salt),
        HashAlgorithm::Sha256 => Pss::new_with_salt::<Sha256>(salt),
        HashAlgorithm::Sha384 => Pss::new_with_salt::<Sha384>(salt),
        HashAlgorithm::Sha512 => Pss::new_with_salt::<Sha512>(salt),
    }
}

fn unsigned(any: &asn1_rs::Any<'_>) -> num_bigint_dig::BigUint {
    num_bigint_dig::BigUint::from_bytes_be(any.data)
}

fn rsa_key(key: &[u8]) -> Result<PublicKey, TrustError> {
    let mut top = Ber::new(key, FILE);
    let seq = top.universal(Tag::Sequence, "RSAPublicKey")?;
    let mut s = Ber::new(seq.data, FILE);
    let n = unsigned(&s.universal(Tag::Integer, "modulus")?);
    let e = unsigned(&s.universal(Tag::Integer, "publicExponent")?);
    RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
        .map(PublicKey::Rsa)
        .map_err(|e| TrustError::invalid(format!("RSA public key: {e}")))
}

/// ECDSA-Sig-Value (RFC 5480 §2.2.3): r and s as big-endian magnitudes.
pub fn der_signature(sig: &[u8]) -> Result<(&[u8], &[u8]), TrustError> {
    let mut top = Ber::new(sig, "ECDSA signature");
    let seq = top.universal(Tag::Sequence, "ECDSA-Sig-Value")?;
    top.finish("ECDSA-Sig-Value")?;
    let mut s = Ber::new(seq.data, "ECDSA signature");
    let r = s.universal(Tag::Integer, "r")?.data;
    let v = s.universal(Tag::Integer, "s")?.data;
    s.finish("ECDSA-Sig-Value")?;
    Ok((r, v))
}

/// ECParameters (RFC 3279 §2.3.5): a named curve, or explicit parameters matched to one.
fn ec_params(raw: &[u8]) -> Result<(Curve, bool), TrustError> {
    let mut top = Ber::new(raw, FILE);
    let p = top.next("EC parameters")?;
    if p.header.class() == Class::Universal && p.header.tag() == Tag::Oid {
        let name = oid::dotted(p.data);
        return Curve::by_oid(&name)
            .map(|c| (c, false))
            .ok_or_else(|| TrustError::unsupported(format!("named curve {name}")));
    }
    expect(&p, Class::Universal, Tag::Sequence, FILE, "ECParameters")?;
    let mut s = Ber::new(p.data, FILE);
    s.universal(Tag::Integer, "ECParameters version")?;
    let field = s.universal(Tag::Sequence, "fieldID")?;
    let mut f = Ber::new(field.data, FILE);
    let field_type = oid::dotted(f.universal(Tag::Oid, "fieldType")?.data);
    if field_type != oid::PRIME_FIELD {
        return Err(TrustError::unsupported(format!("EC field type {field_type}")));
    }
    let prime = f.universal(Tag::Integer, "prime")?;
    let curve = s.universal(Tag::Sequence, "curve")?;
    let mut c = Ber::new(curve.data, FILE);
    let a = c.universal(Tag::OctetString, "a")?;
    let b = c.universal(Tag::OctetString, "b")?;
    let base = s.universal(Tag::OctetString, "base")?;
    let order = s.universal(Tag::Integer, "order")?;
    Curve::by_params(prime.data, a.data, b.data, base.data, order.data)
        .map(|c| (c, true))
        .ok_or_else(|| TrustError::unsupported("explicit EC parameters of an unknown curve"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pss(params: Option<Vec<u8>>) -> Result<SignatureAlgorithm, TrustError> {
        SignatureAlgorithm::from_id(&AlgorithmId { oid: oid::RSASSA_PSS.into(), params }, None)
    }

    #[test]
    fn pss_parameters_and_their_defaults() {
        // Absent or empty: SHA-1, MGF1-SHA-1, salt 20 (RFC 4055 §3.1).
        let default = SignatureAlgorithm {
            scheme: Scheme::RsaPss { salt_len: 20 },
            hash: HashAlgorithm::Sha1,
        };
        assert_eq!(pss(None).unwrap(), default);
        assert_eq!(pss(Some(vec![0x30, 0x00])).unwrap(), default);
        // SHA-256, MGF1-SHA-256, salt 32.
        let sha256 = hex::decode("300D06096086480165030402010500").unwrap();
        let mgf = [hex::decode("06092A864886F70D010108").unwrap(), sha256.clone()].concat();
        let body = [
            [vec![0xA0, sha256.len() as u8], sha256.clone()].concat(),
            [vec![0xA1, mgf.len() as u8 + 2, 0x30, mgf.len() as u8], mgf].concat(),
            vec![0xA2, 0x03, 0x02, 0x01, 0x20],
        ]
        .concat();
        let params = [vec![0x30, body.len() as u8], body.clone()].concat();
        assert_eq!(
            pss(Some(params)).unwrap(),
            SignatureAlgorithm {
                scheme: Scheme::RsaPss { salt_len: 32 },
                hash: HashAlgorithm::Sha256
            }
        );
        // SHA-256 with the default MGF1-SHA-1: not handled, and said so.
        let only_hash = [vec![0xA0, sha256.len() as u8], sha256].concat();
        let params = [vec![0x30, only_hash.len() as u8], only_hash].concat();
        assert!(matches!(pss(Some(params)), Err(TrustError::Unsupported(_))));
        // Garbage.
        assert!(pss(Some(vec![0x30, 0x03, 0xA9, 0x01, 0x00])).is_err());
        assert!(pss(Some(vec![0x30, 0x05, 0xA0])).is_err());
    }

    #[test]
    fn key_only_oids_need_the_signer_digest() {
        let id = AlgorithmId { oid: oid::RSA_ENCRYPTION.into(), params: None };
        assert!(matches!(SignatureAlgorithm::from_id(&id, None), Err(TrustError::Unsupported(_))));
        let alg = SignatureAlgorithm::from_id(&id, Some(HashAlgorithm::Sha384)).unwrap();
        assert_eq!(alg.name(), "RSA PKCS#1 v1.5 SHA-384");
    }
}
