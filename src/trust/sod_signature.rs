//! The EF.SOD signature (ICAO 9303 Part 10 §4.6.2, Part 11 §5.1 steps 1–2; RFC 5652 §5.4,
//! §11): signed attributes (contentType, messageDigest of the eContent) and the signature
//! over their DER `SET OF` with the document signer certificate carried in the SignedData.
//! The same check serves CSCA master lists (Part 12 §9).

use subtle::ConstantTimeEq;

use super::cms::{self, SignedData, SignerId, SignerInfo};
use super::key::{SignatureAlgorithm, hash_by_oid};
use super::{Certificate, TrustError, oid};

/// A verified CMS signature: who signed and how.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// The signer's certificate (the document signer for EF.SOD).
    pub signer: Certificate,
    pub algorithm: SignatureAlgorithm,
    /// Remarks worth showing (e.g. the signer was found by a relaxed match).
    pub notes: Vec<String>,
}

/// Verifies the signature of EF.SOD's SignedData (`Sod::signed_data`, the bytes inside the
/// 77 wrapper). Errors: `Invalid`/`BadSignature` (forged or damaged), `Unsupported` (an
/// algorithm not handled), `NoCertificate` (no document signer in EF.SOD).
pub fn verify_sod(signed_data: &[u8]) -> Result<VerifiedSignature, TrustError> {
    let sd = cms::parse_content_info(signed_data)?;
    verify_signed_data(&sd, oid::LDS_SECURITY_OBJECT)
}

/// Verifies the first signer info of `sd`, whose eContentType must be `content_type`.
pub fn verify_signed_data(
    sd: &SignedData,
    content_type: &str,
) -> Result<VerifiedSignature, TrustError> {
    if sd.content_type != content_type {
        return Err(TrustError::invalid(format!(
            "eContentType is {}, expected {content_type}",
            sd.content_type
        )));
    }
    let signer = sd.signers.first().ok_or_else(|| TrustError::invalid("no signer info"))?;
    let digest = hash_by_oid(&signer.digest_algorithm.oid).ok_or_else(|| {
        TrustError::unsupported(format!("digest algorithm {}", signer.digest_algorithm.oid))
    })?;
    let Some(signed_attrs) = &signer.signed_attrs else {
        return Err(TrustError::invalid("the signer info has no signed attributes"));
    };
    match signer.content_type_attr.as_slice() {
        [ct] if ct == content_type => {}
        [] => return Err(TrustError::invalid("signed attributes lack contentType")),
        _ => {
            return Err(TrustError::invalid(format!("signed contentType is not {content_type}")));
        }
    }
    let expected = match signer.message_digest_attr.as_slice() {
        [d] => d,
        [] => return Err(TrustError::invalid("signed attributes lack messageDigest")),
        _ => return Err(TrustError::invalid("more than one messageDigest")),
    };
    let actual = digest.digest(&sd.content);
    if !bool::from(actual.as_slice().ct_eq(expected.as_slice())) {
        return Err(TrustError::BadSignature(format!(
            "messageDigest is not the {} of the signed content",
            digest.name()
        )));
    }
    let algorithm = SignatureAlgorithm::from_id(&signer.signature_algorithm, Some(digest))?;
    let (cert, notes) = find_signer(sd, signer)?;
    cert.public_key()?.verify(&algorithm, signed_attrs, &signer.signature)?;
    Ok(VerifiedSignature { signer: cert, algorithm, notes })
}

/// The certificate the signer info names; with one certificate that does not match by
/// name (some issuers re-encode the issuer Name), that one, with a note: the signature
/// and the chain still have to verify with it.
fn find_signer(
    sd: &SignedData,
    signer: &SignerInfo,
) -> Result<(Certificate, Vec<String>), TrustError> {
    let mut notes = Vec::new();
    let mut parsed = Vec::new();
    for raw in &sd.certificates {
        match Certificate::from_der(raw) {
            Ok(c) => parsed.push(c),
            Err(e) => notes.push(format!("an embedded certificate was skipped: {e}")),
        }
    }
    let matches = |c: &Certificate| match &signer.sid {
        SignerId::SubjectKeyId(id) => c.subject_key_id().as_deref() == Some(id.as_slice()),
        SignerId::IssuerAndSerial { issuer, serial } => {
            use der::Decode;
            let same_issuer = x509_cert::name::Name::from_der(issuer)
                .is_ok_and(|n| super::cert::same_name(&n, c.issuer()));
            same_issuer && strip(serial) == strip(c.serial())
        }
    };
    if let Some(i) = parsed.iter().position(matches) {
        return Ok((parsed.swap_remove(i), notes));
    }
    if parsed.len() == 1 {
        notes.push(
            "the signer identifier does not name the embedded certificate exactly; \
                    it was used as the signer"
                .into(),
        );
        if let Some(c) = parsed.pop() {
            return Ok((c, notes));
        }
    }
    Err(TrustError::NoCertificate(if sd.certificates.is_empty() {
        "the SignedData carries no signer certificate".into()
    } else {
        "no embedded certificate matches the signer identifier".into()
    }))
}

fn strip(serial: &[u8]) -> &[u8] {
    let mut s = serial;
    while let [0, rest @ ..] = s {
        if rest.is_empty() {
            break;
        }
        s = rest;
    }
    s
}
