//! Active Authentication (ICAO 9303 Part 11 §6.1): the terminal sends an 8-byte random
//! challenge with INTERNAL AUTHENTICATE and checks the chip's signature with the EF.DG15 key —
//! RSA with ISO/IEC 9796-2 digital signature scheme 1 ([`super::iso9796`]), or ECDSA as plain
//! r ‖ s (BSI TR-03111 §5.2.1) or the DER form some chips return, with the hash from DG14's
//! ActiveAuthenticationInfo or else each allowed one.

use super::iso9796::{self, Iso9796Error};
use super::{Check, Method, Outcome};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::dg15::{self, Dg15};
use crate::lds::sod::HashAlgorithm;
use crate::trust::TrustError;
use crate::trust::cms::AlgorithmId;
use crate::trust::ec_key::EcPublicKey;
use crate::trust::key::PublicKey;
use rsa::RsaPublicKey;
use rsa::traits::PublicKeyParts;

/// INS of INTERNAL AUTHENTICATE (ISO/IEC 7816-4 §7.5.2).
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
/// Length of the terminal's challenge RND.IFD.
pub const CHALLENGE_LEN: usize = 8;
/// The hashes an ECDSA chip may use when DG14 does not name one, tried in this order.
const ECDSA_HASHES: [HashAlgorithm; 5] = [
    HashAlgorithm::Sha256,
    HashAlgorithm::Sha1,
    HashAlgorithm::Sha224,
    HashAlgorithm::Sha384,
    HashAlgorithm::Sha512,
];

/// The Active Authentication key of EF.DG15.
#[derive(Debug, Clone)]
pub enum AaKey {
    Rsa(RsaPublicKey),
    Ec(Box<EcPublicKey>),
}

impl AaKey {
    /// The key of EF.DG15 (the file's bytes). A key this kiosk cannot use (another
    /// algorithm, a curve it does not know) is `Unsupported`; a broken one is `Failed`.
    pub fn from_dg15(bytes: &[u8]) -> Result<AaKey, (Outcome, String)> {
        let dg15 = dg15::parse(bytes).map_err(|e| (Outcome::Failed, e.to_string()))?;
        AaKey::from_parsed(&dg15)
    }

    fn from_parsed(dg15: &Dg15) -> Result<AaKey, (Outcome, String)> {
        if !dg15.is_rsa() && !dg15.is_ec() {
            return Err((
                Outcome::Unsupported,
                format!("EF.DG15 key algorithm {} is not RSA or EC", dg15.algorithm),
            ));
        }
        let alg = AlgorithmId { oid: dg15.algorithm.clone(), params: dg15.parameters.clone() };
        match PublicKey::from_spki(&alg, &dg15.public_key) {
            Ok(PublicKey::Rsa(k)) => Ok(AaKey::Rsa(k)),
            Ok(PublicKey::Ec { key, .. }) => Ok(AaKey::Ec(key)),
            Err(TrustError::Unsupported(why)) => {
                Err((Outcome::Unsupported, format!("EF.DG15 key: {why}")))
            }
            Err(e) => Err((Outcome::Failed, format!("EF.DG15 key: {e}"))),
        }
    }

    /// "RSA-1024", "ECDSA brainpoolP256r1" …
    pub fn describe(&self) -> String {
        match self {
            AaKey::Rsa(k) => format!("RSA-{}", k.n().bits()),
            AaKey::Ec(k) => format!("ECDSA {}", k.curve().name),
        }
    }

    /// The longest signature this key gives, in bytes.
    pub fn max_signature_len(&self) -> usize {
        match self {
            AaKey::Rsa(k) => k.size(),
            // DER: SEQUENCE header (up to 3) + two INTEGERs (header up to 2, a sign byte).
            AaKey::Ec(k) => 2 * k.curve().order_len() + 9,
        }
    }
}

/// The INTERNAL AUTHENTICATE command (00 88 00 00, Lc 08, the challenge). Le is 00 (256)
/// in short APDUs; a key whose signature can reach 256 bytes (RSA ≥ 2048) asks with
/// extended length (0000) when the session uses it, so the protected answer comes in one
/// response; otherwise the channel's 61xx / GET RESPONSE handling collects it.
pub fn command(challenge: &[u8; CHALLENGE_LEN], key: &AaKey, extended: bool) -> CommandApdu {
    let le = if extended && key.max_signature_len() >= 256 { 65_536 } else { 256 };
    CommandApdu::new(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_le(le)
}

/// The hash an ActiveAuthenticationInfo's signature algorithm names (ecdsa-with-SHAx, RFC
/// 5758 / ANSI X9.62; ecdsa-plain-SHAx, BSI TR-03111 §5.2.1).
pub fn ecdsa_hash_by_oid(dotted: &str) -> Option<HashAlgorithm> {
    Some(match dotted {
        "1.2.840.10045.4.1" | "0.4.0.127.0.7.1.1.4.1.1" => HashAlgorithm::Sha1,
        "1.2.840.10045.4.3.1" | "0.4.0.127.0.7.1.1.4.1.2" => HashAlgorithm::Sha224,
        "1.2.840.10045.4.3.2" | "0.4.0.127.0.7.1.1.4.1.3" => HashAlgorithm::Sha256,
        "1.2.840.10045.4.3.3" | "0.4.0.127.0.7.1.1.4.1.4" => HashAlgorithm::Sha384,
        "1.2.840.10045.4.3.4" | "0.4.0.127.0.7.1.1.4.1.5" => HashAlgorithm::Sha512,
        _ => return None,
    })
}

/// What DG14 says about the ECDSA hash: `Ok(None)` when it has no ActiveAuthenticationInfo
/// (or DG14 is absent or does not parse: every allowed hash is then tried), `Err` when it
/// names an algorithm this kiosk does not know.
pub fn ecdsa_hash_from_dg14(dg14: Option<&[u8]>) -> Result<Option<HashAlgorithm>, String> {
    let Some(info) = dg14
        .and_then(|b| crate::lds::dg14::parse(b).ok())
        .and_then(|ca| ca.active_authentication().cloned())
    else {
        return Ok(None);
    };
    ecdsa_hash_by_oid(&info.signature_algorithm).map(Some).ok_or_else(|| {
        format!("DG14 names the AA signature algorithm {}", info.signature_algorithm)
    })
}

/// Checks the chip's `signature` over `challenge` with `key`. `ecdsa_hash` is the hash of
/// DG14's ActiveAuthenticationInfo; without it every allowed hash is tried, and one must
/// verify this signature over this challenge.
pub fn verify(
    key: &AaKey,
    challenge: &[u8],
    signature: &[u8],
    ecdsa_hash: Option<HashAlgorithm>,
) -> Check {
    let (outcome, detail) = match key {
        AaKey::Rsa(k) => match iso9796::verify(k, challenge, signature) {
            Ok(r) => (
                Outcome::Passed,
                format!(
                    "{} ISO/IEC 9796-2 scheme 1 with {} (trailer {}): the chip signed the challenge",
                    key.describe(),
                    r.hash.name(),
                    if r.implicit {
                        "BC".to_owned()
                    } else {
                        format!("{:02X}CC", iso9796::hash_id(r.hash))
                    }
                ),
            ),
            Err(Iso9796Error::Bad(why)) => {
                (Outcome::Failed, format!("{}: signature rejected: {why}", key.describe()))
            }
            Err(Iso9796Error::Unsupported(why)) => (Outcome::Unsupported, why),
        },
        AaKey::Ec(k) => verify_ecdsa(k, challenge, signature, ecdsa_hash),
    };
    Check::new(Method::ActiveAuthentication, outcome, detail)
}

/// (r, s) of a plain r ‖ s signature of twice the order length, else of a DER
/// ECDSA-Sig-Value.
fn ecdsa_parts<'a>(key: &EcPublicKey, sig: &'a [u8]) -> Option<(&'a [u8], &'a [u8], &'static str)> {
    let half = key.curve().order_len();
    if sig.len() == 2 * half {
        let (r, s) = sig.split_at(half);
        return Some((r, s, "plain"));
    }
    crate::trust::key::der_signature(sig).ok().map(|(r, s)| (r, s, "DER"))
}

fn verify_ecdsa(
    key: &EcPublicKey,
    challenge: &[u8],
    signature: &[u8],
    ecdsa_hash: Option<HashAlgorithm>,
) -> (Outcome, String) {
    let name = &key.curve().name;
    let Some((r, s, form)) = ecdsa_parts(key, signature) else {
        return (
            Outcome::Failed,
            format!("ECDSA {name}: a {}-byte answer is neither r‖s nor DER", signature.len()),
        );
    };
    let hashes: &[HashAlgorithm] = match &ecdsa_hash {
        Some(h) => std::slice::from_ref(h),
        None => &ECDSA_HASHES,
    };
    for hash in hashes {
        if key.verify(&hash.digest(challenge), r, s).is_ok() {
            return (
                Outcome::Passed,
                format!(
                    "ECDSA {name} with {} ({form} signature): the chip signed the challenge",
                    hash.name()
                ),
            );
        }
    }
    let which = match ecdsa_hash {
        Some(h) => h.name().to_owned(),
        None => "any allowed hash".to_owned(),
    };
    (Outcome::Failed, format!("ECDSA {name}: the {form} signature does not verify with {which}"))
}

/// The chip's answer to INTERNAL AUTHENTICATE as a check: a refusal (any status but 9000)
/// from a chip whose DG15 offers AA is `Failed`.
pub fn check_response(
    key: &AaKey,
    challenge: &[u8; CHALLENGE_LEN],
    resp: &ResponseApdu,
    ecdsa_hash: Option<HashAlgorithm>,
) -> Check {
    if resp.sw != StatusWord::Ok {
        return Check::new(
            Method::ActiveAuthentication,
            Outcome::Failed,
            format!("the chip refused INTERNAL AUTHENTICATE (status {})", resp.sw),
        );
    }
    verify(key, challenge, &resp.data, ecdsa_hash)
}

/// Runs Active Authentication over `send` (a secure-messaging channel): reads the key from
/// EF.DG15 and the ECDSA hash from EF.DG14, sends INTERNAL AUTHENTICATE with `challenge`
/// (fresh random bytes from the caller) and checks the answer. A transport or
/// secure-messaging error is returned as the error (the read ends, nothing is concluded
/// about the chip); everything the chip says becomes the [`Check`].
pub fn run<E>(
    send: &mut dyn FnMut(&CommandApdu) -> Result<ResponseApdu, E>,
    dg15: &[u8],
    dg14: Option<&[u8]>,
    extended: bool,
    challenge: &[u8; CHALLENGE_LEN],
) -> Result<Check, E> {
    let key = match AaKey::from_dg15(dg15) {
        Ok(k) => k,
        Err((outcome, detail)) => {
            return Ok(Check::new(Method::ActiveAuthentication, outcome, detail));
        }
    };
    let ecdsa_hash = match (&key, ecdsa_hash_from_dg14(dg14)) {
        (AaKey::Ec(_), Err(why)) => {
            return Ok(Check::new(Method::ActiveAuthentication, Outcome::Unsupported, why));
        }
        (_, Ok(h)) => h,
        (AaKey::Rsa(_), Err(_)) => None,
    };
    let resp = send(&command(challenge, &key, extended))?;
    Ok(check_response(&key, challenge, &resp, ecdsa_hash))
}

#[cfg(test)]
#[path = "active_tests.rs"]
mod tests;
