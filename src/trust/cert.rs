//! X.509 certificates of document signers and CSCAs (RFC 5280; ICAO 9303 Part 12 §7): names,
//! key identifiers, validity, key usage, the public key, and "is this certificate signed by
//! that one". Parsed with `x509-cert`; the signed TBS bytes are taken as encoded.

use std::fmt;
use std::time::{Duration, SystemTime};

use asn1_rs::Tag;
use der::{Decode, Encode};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use super::TrustError;
use super::cms::AlgorithmId;
use super::key::{PublicKey, SignatureAlgorithm};
use super::oid;
use crate::lds::sod::ber::Ber;

/// Largest certificate accepted, in bytes.
pub const MAX_CERT_BYTES: usize = 64 * 1024;

/// A parsed certificate with its encoding.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Vec<u8>,
    cert: x509_cert::Certificate,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({})", self.subject_text())
    }
}

/// Which bound of a validity period a time falls outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    NotYetValid,
    Expired,
}

impl Certificate {
    /// Parses one DER certificate.
    pub fn from_der(bytes: &[u8]) -> Result<Certificate, TrustError> {
        if bytes.len() > MAX_CERT_BYTES {
            return Err(TrustError::TooLarge {
                what: "certificate".into(),
                actual: bytes.len() as u64,
                limit: MAX_CERT_BYTES as u64,
            });
        }
        let cert = x509_cert::Certificate::from_der(bytes)
            .map_err(|e| TrustError::Certificate(e.to_string()))?;
        let mut top = Ber::new(bytes, "certificate");
        let outer = top.universal(Tag::Sequence, "Certificate")?;
        let mut inner = Ber::new(outer.data, "certificate");
        let (_, tbs) = inner.next_raw("tbsCertificate")?;
        Ok(Certificate { der: bytes.to_vec(), tbs: tbs.to_vec(), cert })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn subject(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }

    pub fn issuer(&self) -> &Name {
        &self.cert.tbs_certificate.issuer
    }

    /// The subject as RFC 4514 text.
    pub fn subject_text(&self) -> String {
        self.subject().to_string()
    }

    /// The issuer as RFC 4514 text.
    pub fn issuer_text(&self) -> String {
        self.issuer().to_string()
    }

    /// The subject's commonName.
    pub fn common_name(&self) -> Option<String> {
        attribute(self.subject(), oid::COMMON_NAME)
    }

    /// A short name for people: the commonName, else the last organizationalUnitName, else
    /// the organizationName, else the whole subject.
    pub fn display_name(&self) -> String {
        self.common_name()
            .or_else(|| last_attribute(self.subject(), "2.5.4.11"))
            .or_else(|| attribute(self.subject(), "2.5.4.10"))
            .unwrap_or_else(|| self.subject_text())
    }

    /// The subject's countryName.
    pub fn country(&self) -> Option<String> {
        attribute(self.subject(), oid::COUNTRY)
    }

    /// The issuer's countryName.
    pub fn issuer_country(&self) -> Option<String> {
        attribute(self.issuer(), oid::COUNTRY)
    }

    /// The serial number's content octets.
    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate.serial_number.as_bytes()
    }

    fn extension(&self, id: &str) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find_map(|e| (e.extn_id.to_string() == id).then_some(e.extn_value.as_bytes()))
    }

    /// subjectKeyIdentifier, if present.
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        let raw = self.extension(oid::SUBJECT_KEY_ID)?;
        SubjectKeyIdentifier::from_der(raw).ok().map(|s| s.0.as_bytes().to_vec())
    }

    /// authorityKeyIdentifier's keyIdentifier, if present.
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        let raw = self.extension(oid::AUTHORITY_KEY_ID)?;
        let aki = AuthorityKeyIdentifier::from_der(raw).ok()?;
        aki.key_identifier.map(|k| k.as_bytes().to_vec())
    }

    /// keyUsage, if present: (digitalSignature, keyCertSign).
    pub fn key_usage(&self) -> Option<(bool, bool)> {
        let raw = self.extension(oid::KEY_USAGE)?;
        let ku = KeyUsage::from_der(raw).ok()?;
        Some((ku.digital_signature(), ku.key_cert_sign()))
    }

    /// basicConstraints' cA flag, if the extension is present (and parses).
    pub fn basic_constraints_ca(&self) -> Option<bool> {
        let raw = self.extension(oid::BASIC_CONSTRAINTS)?;
        BasicConstraints::from_der(raw).ok().map(|b| b.ca)
    }

    /// Whether this certificate may sign certificates as a CSCA (RFC 5280 §4.2.1.9,
    /// ICAO 9303 Part 12 §7.1.1): basicConstraints cA = TRUE and keyUsage keyCertSign.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints_ca() == Some(true)
            && self.key_usage().is_some_and(|(_, cert_sign)| cert_sign)
    }

    /// notBefore and notAfter.
    pub fn validity_period(&self) -> (SystemTime, SystemTime) {
        let v = &self.cert.tbs_certificate.validity;
        let t = |d: Duration| SystemTime::UNIX_EPOCH + d;
        (t(v.not_before.to_unix_duration()), t(v.not_after.to_unix_duration()))
    }

    /// notBefore and notAfter as "YYYY-MM-DD".
    pub fn validity_dates(&self) -> (String, String) {
        let v = &self.cert.tbs_certificate.validity;
        (day(&v.not_before), day(&v.not_after))
    }

    /// Whether `at` lies in the validity period.
    pub fn validity_at(&self, at: SystemTime) -> Validity {
        let (from, to) = self.validity_period();
        if at < from {
            Validity::NotYetValid
        } else if at > to {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// The subject public key.
    pub fn public_key(&self) -> Result<PublicKey, TrustError> {
        let spki = &self.cert.tbs_certificate.subject_public_key_info;
        let alg = algorithm(&spki.algorithm)?;
        PublicKey::from_spki(&alg, spki.subject_public_key.raw_bytes())
    }

    /// The algorithm this certificate was signed with.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, TrustError> {
        SignatureAlgorithm::from_id(&algorithm(&self.cert.signature_algorithm)?, None)
    }

    /// Verifies that `issuer`'s key signed this certificate. The outer signatureAlgorithm
    /// must equal tbsCertificate.signature (RFC 5280 §4.1.1.2).
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), TrustError> {
        same_algorithm(&self.cert.signature_algorithm, &self.cert.tbs_certificate.signature)?;
        let alg = self.signature_algorithm()?;
        issuer.public_key()?.verify(&alg, &self.tbs, self.cert.signature.raw_bytes())
    }

    /// Whether this certificate's subject is `name` (DER equal, or equal as text ignoring
    /// case, for issuers that re-encode string types).
    pub fn subject_is(&self, name: &Name) -> bool {
        same_name(self.subject(), name)
    }
}

/// Name equality: DER equal, or equal as RFC 4514 text ignoring case.
pub fn same_name(a: &Name, b: &Name) -> bool {
    match (a.to_der(), b.to_der()) {
        (Ok(x), Ok(y)) if x == y => true,
        _ => a.to_string().to_lowercase() == b.to_string().to_lowercase(),
    }
}

/// RFC 5280 §4.1.1.2 / §5.1.1.2: the algorithm outside the signed part must be the one
/// inside it, encoded identically.
pub(crate) fn same_algorithm(
    outer: &spki::AlgorithmIdentifierOwned,
    inner: &spki::AlgorithmIdentifierOwned,
) -> Result<(), TrustError> {
    match (outer.to_der(), inner.to_der()) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        _ => Err(TrustError::invalid(format!(
            "the outer signatureAlgorithm ({}) differs from the signed one ({})",
            outer.oid, inner.oid
        ))),
    }
}

/// The first value of attribute `id` in `name`, as text.
fn attribute(name: &Name, id: &str) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).find_map(|atv| {
        (atv.oid.to_string() == id)
            .then(|| String::from_utf8_lossy(atv.value.value()).trim().to_owned())
    })
}

/// The last value of attribute `id` in `name` (names list the most general first).
fn last_attribute(name: &Name, id: &str) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .rfind(|atv| atv.oid.to_string() == id)
        .map(|atv| String::from_utf8_lossy(atv.value.value()).trim().to_owned())
}

/// A time as "YYYY-MM-DD".
pub(crate) fn day(t: &x509_cert::time::Time) -> String {
    let d = t.to_date_time();
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

pub(crate) fn algorithm(alg: &spki::AlgorithmIdentifierOwned) -> Result<AlgorithmId, TrustError> {
    let params = match &alg.parameters {
        None => None,
        Some(p) => Some(p.to_der().map_err(|e| TrustError::Certificate(e.to_string()))?),
    };
    Ok(AlgorithmId { oid: alg.oid.to_string(), params })
}
