//! CMS SignedData (RFC 5652 §5) as used by EF.SOD (ICAO 9303 Part 10 §4.6.2) and CSCA master
//! lists (Part 12 §9): encapsulated content, embedded certificates, signer infos and their
//! signed attributes. BER (indefinite lengths) is accepted; every count is capped.

use asn1_rs::{Class, Tag};

use super::TrustError;
use super::oid;
use crate::lds::sod::ber::{Ber, expect, octets, small_uint};

const FILE: &str = "CMS SignedData";
/// Most certificates accepted in one SignedData's `certificates` field.
const MAX_CERTIFICATES: usize = 64;
/// Most signer infos accepted.
const MAX_SIGNERS: usize = 8;
/// Most signed attributes accepted in one signer info.
const MAX_ATTRIBUTES: usize = 32;

/// How a signer info names its certificate (RFC 5652 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// The issuer's Name (DER, with tag) and the serial number (INTEGER content octets).
    IssuerAndSerial { issuer: Vec<u8>, serial: Vec<u8> },
    /// The subjectKeyIdentifier.
    SubjectKeyId(Vec<u8>),
}

/// An AlgorithmIdentifier: the OID (dotted) and the parameters' whole encoding, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmId {
    pub oid: String,
    pub params: Option<Vec<u8>>,
}

/// One SignerInfo.
#[derive(Debug, Clone)]
pub struct SignerInfo {
    pub sid: SignerId,
    pub digest_algorithm: AlgorithmId,
    /// The signed attributes re-tagged as the DER `SET OF` the signature covers.
    pub signed_attrs: Option<Vec<u8>>,
    /// Values of the contentType attribute (OIDs, dotted).
    pub content_type_attr: Vec<String>,
    /// Values of the messageDigest attribute.
    pub message_digest_attr: Vec<Vec<u8>>,
    pub signature_algorithm: AlgorithmId,
    pub signature: Vec<u8>,
}

/// The parts of a SignedData that signature checking needs.
#[derive(Debug, Clone)]
pub struct SignedData {
    /// eContentType, dotted.
    pub content_type: String,
    /// The eContent octets (what `messageDigest` hashes).
    pub content: Vec<u8>,
    /// The embedded certificates, each as its own encoding.
    pub certificates: Vec<Vec<u8>>,
    pub signers: Vec<SignerInfo>,
}

/// Parses a ContentInfo holding SignedData.
pub fn parse_content_info(bytes: &[u8]) -> Result<SignedData, TrustError> {
    let mut top = Ber::new(bytes, FILE);
    let ci = top.universal(Tag::Sequence, "ContentInfo")?;
    let mut c = Ber::new(ci.data, FILE);
    let ty = c.universal(Tag::Oid, "contentType")?;
    if oid::dotted(ty.data) != oid::SIGNED_DATA {
        return Err(TrustError::invalid("CMS ContentInfo is not id-signedData"));
    }
    let explicit = c.next("content")?;
    expect(&explicit, Class::ContextSpecific, Tag(0), FILE, "content")?;
    let mut e = Ber::new(explicit.data, FILE);
    let sd = e.universal(Tag::Sequence, "SignedData")?;
    parse_signed_data(sd.data)
}

fn parse_signed_data(body: &[u8]) -> Result<SignedData, TrustError> {
    let mut sd = Ber::new(body, FILE);
    small_uint(&sd.universal(Tag::Integer, "version")?, FILE, "version")?;
    sd.universal(Tag::Set, "digestAlgorithms")?;
    let encap = sd.universal(Tag::Sequence, "encapContentInfo")?;
    let mut e = Ber::new(encap.data, FILE);
    let content_type = oid::dotted(e.universal(Tag::Oid, "eContentType")?.data);
    let explicit = e.next("eContent")?;
    expect(&explicit, Class::ContextSpecific, Tag(0), FILE, "eContent")?;
    let mut ec = Ber::new(explicit.data, FILE);
    let content = octets(&ec.next("eContent")?, FILE, "eContent")?;

    let mut certificates = Vec::new();
    let mut next = sd.next("signerInfos")?;
    if next.header.class() == Class::ContextSpecific && next.header.tag() == Tag(0) {
        let mut certs = Ber::new(next.data, FILE);
        while !certs.is_empty() {
            let (cert, raw) = certs.next_raw("certificate")?;
            if certificates.len() >= MAX_CERTIFICATES {
                return Err(too_many("certificates", MAX_CERTIFICATES));
            }
            // Only plain X.509 certificates (other CertificateChoices are tagged).
            if cert.header.class() == Class::Universal && cert.header.tag() == Tag::Sequence {
                certificates.push(raw.to_vec());
            }
        }
        next = sd.next("signerInfos")?;
    }
    if next.header.class() == Class::ContextSpecific && next.header.tag() == Tag(1) {
        next = sd.next("signerInfos")?; // CRLs inside a SOD are not used
    }
    expect(&next, Class::Universal, Tag::Set, FILE, "signerInfos")?;
    let mut infos = Ber::new(next.data, FILE);
    let mut signers = Vec::new();
    while !infos.is_empty() {
        if signers.len() >= MAX_SIGNERS {
            return Err(too_many("signer infos", MAX_SIGNERS));
        }
        let si = infos.universal(Tag::Sequence, "SignerInfo")?;
        signers.push(parse_signer_info(si.data)?);
    }
    if signers.is_empty() {
        return Err(TrustError::invalid("CMS SignedData has no signer info"));
    }
    Ok(SignedData { content_type, content, certificates, signers })
}

fn too_many(what: &str, limit: usize) -> TrustError {
    TrustError::TooLarge {
        what: format!("CMS {what}"),
        actual: limit as u64 + 1,
        limit: limit as u64,
    }
}

/// Parses an AlgorithmIdentifier SEQUENCE's content.
pub(crate) fn algorithm_id(body: &[u8], what: &'static str) -> Result<AlgorithmId, TrustError> {
    let mut a = Ber::new(body, FILE);
    let oid = oid::dotted(a.universal(Tag::Oid, what)?.data);
    let params = if a.is_empty() { None } else { Some(a.next_raw(what)?.1.to_vec()) };
    Ok(AlgorithmId { oid, params })
}

fn parse_signer_info(body: &[u8]) -> Result<SignerInfo, TrustError> {
    let mut s = Ber::new(body, FILE);
    small_uint(&s.universal(Tag::Integer, "SignerInfo version")?, FILE, "SignerInfo version")?;
    let sid_any = s.next("sid")?;
    let sid = if sid_any.header.class() == Class::ContextSpecific && sid_any.header.tag() == Tag(0)
    {
        SignerId::SubjectKeyId(sid_any.data.to_vec())
    } else {
        expect(&sid_any, Class::Universal, Tag::Sequence, FILE, "sid")?;
        let mut i = Ber::new(sid_any.data, FILE);
        let (_, issuer) = i.next_raw("sid issuer")?;
        let serial = i.universal(Tag::Integer, "sid serialNumber")?;
        SignerId::IssuerAndSerial { issuer: issuer.to_vec(), serial: serial.data.to_vec() }
    };
    let dig = s.universal(Tag::Sequence, "digestAlgorithm")?;
    let digest_algorithm = algorithm_id(dig.data, "digestAlgorithm")?;

    let mut next = s.next("signatureAlgorithm")?;
    let mut signed_attrs = None;
    let mut content_type_attr = Vec::new();
    let mut message_digest_attr = Vec::new();
    if next.header.class() == Class::ContextSpecific && next.header.tag() == Tag(0) {
        // The signature covers the DER encoding with the EXPLICIT SET OF tag (RFC 5652 §5.4).
        let mut der = vec![0x31];
        der.extend(der_length(next.data.len()));
        der.extend_from_slice(next.data);
        signed_attrs = Some(der);
        let mut attrs = Ber::new(next.data, FILE);
        let mut count = 0;
        while !attrs.is_empty() {
            count += 1;
            if count > MAX_ATTRIBUTES {
                return Err(too_many("signed attributes", MAX_ATTRIBUTES));
            }
            let attr = attrs.universal(Tag::Sequence, "Attribute")?;
            let mut a = Ber::new(attr.data, FILE);
            let ty = oid::dotted(a.universal(Tag::Oid, "attrType")?.data);
            let values = a.universal(Tag::Set, "attrValues")?;
            let mut v = Ber::new(values.data, FILE);
            while !v.is_empty() {
                let value = v.next("attrValue")?;
                if ty == oid::CONTENT_TYPE {
                    expect(&value, Class::Universal, Tag::Oid, FILE, "contentType value")?;
                    content_type_attr.push(oid::dotted(value.data));
                } else if ty == oid::MESSAGE_DIGEST {
                    message_digest_attr.push(octets(&value, FILE, "messageDigest value")?);
                }
            }
        }
        next = s.next("signatureAlgorithm")?;
    }
    expect(&next, Class::Universal, Tag::Sequence, FILE, "signatureAlgorithm")?;
    let signature_algorithm = algorithm_id(next.data, "signatureAlgorithm")?;
    let signature = octets(&s.next("signature")?, FILE, "signature")?;
    Ok(SignerInfo {
        sid,
        digest_algorithm,
        signed_attrs,
        content_type_attr,
        message_digest_attr,
        signature_algorithm,
        signature,
    })
}

/// A DER length.
pub(crate) fn der_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}
