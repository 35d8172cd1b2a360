//! PACE v2 (ICAO 9303 Part 11 §4.4, BSI TR-03110-2/-3) on every standardized group ([`group`]:
//! ECDH on parameterIds 8–18, [`curve`]; DH on 0–2, [`dh`]) with Generic, Integrated
//! ([`integrated`]) or Chip Authentication Mapping ([`CamEvidence`]), 3DES or AES-128/192/256, the
//! password the MRZ or the CAN. The terminal side is [`authenticate`]; the chip side [`PaceChip`] (for the
//! simulator). Shared here: the parameters chosen from EF.CardAccess, K_π, the session keys,
//! the dynamic authentication data objects and the authentication token input.

mod cam;
mod chip;
pub mod curve;
pub mod dh;
pub mod group;
pub mod integrated;
mod terminal;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cam;
#[cfg(test)]
mod tests_dh;
#[cfg(test)]
mod tests_im;
#[cfg(test)]
mod tests_unsupported;
mod unsupported;

pub use cam::CamEvidence;
pub use chip::{GaAnswer, PaceChip};
pub use curve::{Curve, CurveError};
pub use group::Group;
pub use terminal::authenticate;
pub use unsupported::unsupported_reason;

/// The step name of MSE:Set AT in [`AccessError::Status`](crate::access::AccessError): the chip
/// refusing to start PACE at all (the only PACE failure after which BAC may be tried).
pub const MSE_SET_AT: &str = "MSE:Set AT";

use super::AccessError;
use super::kdf::{self, ENC, MAC};
use super::password::Password;
use crate::iso7816::tlv::{self, Reader};
use crate::lds::card_access::{
    CardAccess, KeyAgreement, Mapping, PaceCipher, PaceInfo, PaceProtocol,
};
use crate::sm::Cipher;
use zeroize::Zeroizing;

/// Tag of the dynamic authentication data (ISO/IEC 7816-4 GENERAL AUTHENTICATE).
const TAG_DYNAMIC: u32 = 0x7C;
/// Tag of the public key data object of the authentication token (§4.4.3.4, 9.4).
const TAG_PUBLIC_KEY: u32 = 0x7F49;
/// Longest encrypted nonce accepted (two AES blocks; chips send one).
const MAX_NONCE: usize = 32;

/// A PACE protocol this implementation runs: a group, a mapping and a cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceParams {
    pub protocol: PaceProtocol,
    pub group: Group,
}

impl PaceParams {
    /// ECDH-GM on `curve` with `cipher`.
    pub fn ecdh_gm(curve: Curve, cipher: PaceCipher) -> PaceParams {
        let protocol =
            PaceProtocol { key_agreement: KeyAgreement::Ecdh, mapping: Mapping::Generic, cipher };
        PaceParams { protocol, group: Group::Ec(curve) }
    }

    /// `mapping` with `cipher` on `group`, when that combination exists (Chip Authentication
    /// Mapping is ECDH only and has no 3DES suite) and is implemented here.
    pub fn new(group: Group, mapping: Mapping, cipher: PaceCipher) -> Option<PaceParams> {
        let key_agreement = group.key_agreement();
        let protocol = PaceProtocol { key_agreement, mapping, cipher };
        // The OID round trip rejects CAM on DH and CAM with 3DES.
        PaceProtocol::from_oid(&protocol.oid()).filter(|p| *p == protocol)?;
        if !implemented(mapping, group) {
            return None;
        }
        Some(PaceParams { protocol, group })
    }

    /// The parameters of a PACEInfo, when this implementation supports it (version 2, a
    /// standardized parameterId of the protocol's key agreement, an implemented mapping).
    pub fn from_info(info: &PaceInfo) -> Option<PaceParams> {
        if info.version != 2 {
            return None;
        }
        let p = info.protocol;
        let group = Group::from_parameter_id(info.parameter_id?)?;
        if group.key_agreement() != p.key_agreement {
            return None;
        }
        PaceParams::new(group, p.mapping, p.cipher)
    }

    /// The PACEInfo of EF.CardAccess to run: a supported Chip Authentication Mapping first
    /// (it also proves the chip genuine), else the first supported one (file order; the chip
    /// lists its preference first).
    pub fn choose(card_access: &CardAccess) -> Option<PaceParams> {
        let supported = || card_access.pace_infos().filter_map(PaceParams::from_info);
        supported()
            .find(|p| p.protocol.mapping == Mapping::ChipAuthentication)
            .or_else(|| supported().next())
    }

    /// The PACEInfo advertising these parameters (for the simulator's EF.CardAccess).
    pub fn info(&self) -> PaceInfo {
        PaceInfo {
            protocol: self.protocol,
            version: 2,
            parameter_id: Some(u64::from(self.group.parameter_id())),
        }
    }

    /// The mapping.
    pub fn mapping(&self) -> Mapping {
        self.protocol.mapping
    }

    /// The secure-messaging cipher.
    pub fn cipher(&self) -> Cipher {
        cipher(self.protocol.cipher)
    }

    /// e.g. "PACE-ECDH-GM-AES-128".
    pub fn name(&self) -> String {
        self.protocol.name()
    }
}

/// Whether `mapping` is implemented on `group`.
fn implemented(mapping: Mapping, group: Group) -> bool {
    match mapping {
        Mapping::Generic => true,
        Mapping::ChipAuthentication => matches!(group, Group::Ec(_)),
        // The point encoding needs p ≡ 3 (mod 4): every standardized curve but NIST P-224.
        Mapping::Integrated => group != Group::Ec(Curve::NistP224),
    }
}

/// The secure-messaging cipher of a PACE cipher suite.
pub fn cipher(c: PaceCipher) -> Cipher {
    match c {
        PaceCipher::TripleDes => Cipher::TripleDes,
        PaceCipher::Aes128 => Cipher::Aes128,
        PaceCipher::Aes192 => Cipher::Aes192,
        PaceCipher::Aes256 => Cipher::Aes256,
    }
}

/// K_π = KDF(f(π), 3) (§9.7.3).
fn password_key(password: &Password, cipher: Cipher) -> Zeroizing<Vec<u8>> {
    kdf::derive_key(&password.pace_secret(), kdf::PACE, cipher)
}

/// KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) from the shared secret K (§9.7.1).
fn session_keys(shared: &[u8], cipher: Cipher) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    (kdf::derive_key(shared, ENC, cipher), kdf::derive_key(shared, MAC, cipher))
}

/// The authentication token input: 7F49 { 06 protocol OID, 86 the other side's ephemeral
/// public point (84 its public value for DH) } (§4.4.3.4, §9.4.1).
fn token_input(params: &PaceParams, public: &[u8]) -> Vec<u8> {
    let mut body = tlv::tlv(0x06, &params.protocol.oid());
    tlv::encode(params.group.token_tag(), public, &mut body);
    tlv::tlv(TAG_PUBLIC_KEY, &body)
}

/// The token T = MAC(KS_mac, token input) (8 bytes).
fn token(params: &PaceParams, ks_mac: &[u8], other_point: &[u8]) -> Result<[u8; 8], AccessError> {
    let input = token_input(params, other_point);
    Ok(crate::sm::crypto::token_mac(params.cipher(), ks_mac, &input)?)
}

/// 7C { tag value }.
fn dynamic(tag: u32, value: &[u8]) -> Vec<u8> {
    tlv::tlv(TAG_DYNAMIC, &tlv::tlv(tag, value))
}

/// The value of `tag` inside 7C { … } (other objects in 7C, e.g. CARs, are skipped).
fn from_dynamic(data: &[u8], tag: u32) -> Option<&[u8]> {
    let mut outer = Reader::new(data);
    let dynamic = outer.expect(TAG_DYNAMIC).ok()?;
    outer.finish().ok()?;
    let mut inner = Reader::nested(&dynamic);
    inner.find(tag).ok().flatten().map(|t| t.value)
}
