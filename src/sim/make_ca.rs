//! Chip Authentication for made profiles (ICAO 9303 Part 11 §6.2, §9.2.5–9.2.6): a static key
//! pair — ECDH on the PACE curve (brainpoolP256r1 without ECDH PACE) or DH in the RFC 5114
//! 2048-bit group with 256-bit subgroup — its ChipAuthenticationInfo and
//! ChipAuthenticationPublicKeyInfo for EF.DG14, and the private key for `chip-ca.key`.

use super::SimError;
use super::profile::{CHIP_CA_KEY_FILE, PaceSettings};
use crate::access::pace::Curve;
use crate::access::pace::dh::DhGroup;
use crate::authentication::chip::curve_oid;
use crate::iso7816::tlv;
use crate::lds::card_access::{KeyAgreement, PaceCipher};
use crate::lds::chip_authentication::{
    CaProtocol, CaPublicKey, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, EcDomain,
};
use std::path::Path;
use zeroize::Zeroizing;

/// `make-profile --ca ecdh|dh [--ca-cipher C] [--ca-key-id N]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaMake {
    pub protocol: CaProtocol,
    /// The keyId written into both infos (and expected in DO'84').
    pub key_id: Option<u64>,
}

impl CaMake {
    /// From "ecdh" or "dh" and a cipher name ("3DES", "AES-128", "AES-192", "AES-256").
    pub fn new(kind: &str, cipher: &str, key_id: Option<u64>) -> Result<CaMake, SimError> {
        let key_agreement = match kind {
            "ecdh" => KeyAgreement::Ecdh,
            "dh" => KeyAgreement::Dh,
            other => return Err(SimError::Ca(format!("--ca {other:?} is not ecdh or dh"))),
        };
        let cipher = match cipher {
            "3DES" => PaceCipher::TripleDes,
            "AES-128" => PaceCipher::Aes128,
            "AES-192" => PaceCipher::Aes192,
            "AES-256" => PaceCipher::Aes256,
            other => {
                return Err(SimError::Ca(format!(
                    "cipher {other:?} is not 3DES, AES-128, AES-192 or AES-256"
                )));
            }
        };
        Ok(CaMake { protocol: CaProtocol { key_agreement, cipher }, key_id })
    }
}

/// The chip's Chip Authentication key, made or taken from the folder's `chip-ca.key`.
pub(super) struct ChipCa {
    pub private: Zeroizing<Vec<u8>>,
    /// The two SecurityInfos (DER) for EF.DG14.
    pub infos: Vec<u8>,
}

/// The key pair and DG14 infos. An existing `chip-ca.key` in `out_dir` that is a key of the
/// same domain parameters is kept (PACE-CAM proves the same key).
pub(super) fn chip_ca(
    ca: &CaMake,
    pace: Option<&PaceSettings>,
    out_dir: &Path,
) -> Result<ChipCa, SimError> {
    let existing = std::fs::read(out_dir.join(CHIP_CA_KEY_FILE)).ok().map(Zeroizing::new);
    let mut rng = rand::rngs::OsRng;
    let (private, public_key) = match ca.protocol.key_agreement {
        KeyAgreement::Ecdh => {
            let curve = pace.and_then(|p| p.params.group.curve()).unwrap_or(Curve::BrainpoolP256r1);
            let private = existing
                .filter(|k| curve.check_scalar(k).is_ok())
                .unwrap_or_else(|| curve.random_secret(&mut rng));
            let point = curve.mul(&private, None).map_err(|e| SimError::Ca(e.to_string()))?;
            let domain = EcDomain::Named(curve_oid(curve).to_owned());
            (private, CaPublicKey::Ec { domain, point })
        }
        KeyAgreement::Dh => {
            let group = DhGroup::from_parameter_id(2)
                .ok_or_else(|| SimError::Ca("no RFC 5114 group 2".into()))?;
            let private = existing
                .filter(|k| k.len() == group.order_len() && group.public(k, None).is_ok())
                .unwrap_or_else(|| group.random_secret(&mut rng));
            let y = group.public(&private, None).map_err(|e| SimError::Ca(e.to_string()))?;
            let public_key = CaPublicKey::Dh {
                p: group.modulus(),
                g: group.generator(),
                q: Some(group.order()),
                y,
            };
            (private, public_key)
        }
    };
    let info = ChipAuthenticationInfo { protocol: ca.protocol, version: 1, key_id: ca.key_id };
    let key = ChipAuthenticationPublicKeyInfo {
        key_agreement: ca.protocol.key_agreement,
        public_key,
        key_id: ca.key_id,
    };
    let mut infos = info.encode();
    infos.extend(key.encode());
    Ok(ChipCa { private, infos })
}

/// EF.DG14: the PACEInfos (if any) and the Chip Authentication infos.
pub(super) fn dg14(pace: &[crate::lds::card_access::PaceInfo], ca: &ChipCa) -> Vec<u8> {
    let mut set: Vec<u8> = pace.iter().flat_map(|p| p.encode()).collect();
    set.extend_from_slice(&ca.infos);
    tlv::tlv(crate::lds::dg14::TAG_DG14, &tlv::tlv(0x31, &set))
}

/// Writes `chip-ca.key` (the raw private key; a test chip's, never a real one).
pub(super) fn write_key(out_dir: &Path, ca: &ChipCa) -> Result<(), SimError> {
    let path = out_dir.join(CHIP_CA_KEY_FILE);
    std::fs::write(&path, &*ca.private).map_err(|source| SimError::Io { path, source })
}
