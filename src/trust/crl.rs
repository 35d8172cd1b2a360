//! CSCA certificate revocation lists (RFC 5280 §5; ICAO 9303 Part 12 §7.1.4): the issuer,
//! the revoked serial numbers with their dates, and the signature check with the CSCA key.
//! A CRL is only believed once its signature verifies with the CSCA a chain chose.

use std::fmt;

use asn1_rs::Tag;
use der::Decode;
use x509_cert::crl::CertificateList;
use x509_cert::name::Name;

use super::cert::{algorithm, day, same_algorithm};
use super::key::SignatureAlgorithm;
use super::{Certificate, TrustError};
use crate::lds::sod::ber::Ber;

/// Most revoked entries accepted in one CRL.
pub const MAX_REVOKED: usize = 200_000;

/// A parsed CRL with the bytes its signature covers.
#[derive(Clone)]
pub struct Crl {
    list: CertificateList,
    tbs: Vec<u8>,
    /// The file it came from.
    pub origin: String,
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Crl({}, {})", self.list.tbs_cert_list.issuer, self.origin)
    }
}

impl Crl {
    /// Parses one DER CRL.
    pub fn from_der(bytes: &[u8], origin: &str) -> Result<Crl, TrustError> {
        let list = CertificateList::from_der(bytes)
            .map_err(|e| TrustError::Certificate(format!("CRL: {e}")))?;
        let count = list.tbs_cert_list.revoked_certificates.as_ref().map_or(0, Vec::len);
        if count > MAX_REVOKED {
            return Err(TrustError::TooLarge {
                what: "revoked certificates in a CRL".into(),
                actual: count as u64,
                limit: MAX_REVOKED as u64,
            });
        }
        let mut top = Ber::new(bytes, "CRL");
        let outer = top.universal(Tag::Sequence, "CertificateList")?;
        let mut inner = Ber::new(outer.data, "CRL");
        let (_, tbs) = inner.next_raw("tbsCertList")?;
        Ok(Crl { list, tbs: tbs.to_vec(), origin: origin.to_owned() })
    }

    pub fn issuer(&self) -> &Name {
        &self.list.tbs_cert_list.issuer
    }

    /// thisUpdate as "YYYY-MM-DD".
    pub fn this_update(&self) -> String {
        day(&self.list.tbs_cert_list.this_update)
    }

    /// nextUpdate as "YYYY-MM-DD" and as a time, if present.
    pub fn next_update(&self) -> Option<(String, std::time::SystemTime)> {
        let t = self.list.tbs_cert_list.next_update.as_ref()?;
        Some((day(t), std::time::SystemTime::UNIX_EPOCH + t.to_unix_duration()))
    }

    /// Verifies that `csca`'s key signed this CRL (the outer signatureAlgorithm must equal
    /// the signed one, RFC 5280 §5.1.1.2).
    pub fn verify_signed_by(&self, csca: &Certificate) -> Result<(), TrustError> {
        same_algorithm(&self.list.signature_algorithm, &self.list.tbs_cert_list.signature)?;
        let alg = SignatureAlgorithm::from_id(&algorithm(&self.list.signature_algorithm)?, None)?;
        csca.public_key()?.verify(&alg, &self.tbs, self.list.signature.raw_bytes())
    }

    /// The revocation date ("YYYY-MM-DD") of the certificate with this serial, if listed.
    pub fn revocation_of(&self, serial: &[u8]) -> Option<String> {
        let strip = |s: &[u8]| {
            let n = s.iter().take_while(|b| **b == 0).count().min(s.len().saturating_sub(1));
            s.get(n..).unwrap_or_default().to_vec()
        };
        let wanted = strip(serial);
        self.list
            .tbs_cert_list
            .revoked_certificates
            .as_ref()?
            .iter()
            .find(|r| strip(r.serial_number.as_bytes()) == wanted)
            .map(|r| day(&r.revocation_date))
    }
}
