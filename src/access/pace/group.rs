//! The group a PACE run computes in (ICAO 9303 Part 11 §9.5.1 standardized domain
//! parameters): an elliptic curve (ECDH, parameterIds 8–18) or an RFC 5114 MODP group (DH,
//! parameterIds 0–2). Public values travel in fixed-width big-endian encodings — uncompressed
//! points for ECDH, len(p) bytes for DH — so a value with leading zero bytes keeps its length.

use super::curve::Curve;
use super::dh::DhGroup;
use crate::access::AccessError;
use crate::lds::card_access::KeyAgreement;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// A PACE group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// An elliptic curve (ECDH).
    Ec(Curve),
    /// A standardized MODP group (DH), by parameterId 0, 1 or 2.
    Dh(u8),
}

impl Group {
    /// The group of a standardized domain parameter identifier, if supported.
    pub fn from_parameter_id(id: u64) -> Option<Group> {
        match id {
            0..=2 => Some(Group::Dh(u8::try_from(id).ok()?)),
            _ => Curve::from_parameter_id(id).map(Group::Ec),
        }
    }

    /// The DH group's arithmetic (the identifiers are checked on construction).
    fn dh(id: u8) -> Result<DhGroup, AccessError> {
        DhGroup::from_parameter_id(u64::from(id))
            .ok_or(AccessError::Unsupported("DH domain parameters"))
    }

    /// The standardized domain parameter identifier.
    pub fn parameter_id(self) -> u8 {
        match self {
            Group::Ec(c) => c.parameter_id(),
            Group::Dh(id) => id,
        }
    }

    /// ECDH or DH.
    pub fn key_agreement(self) -> KeyAgreement {
        match self {
            Group::Ec(_) => KeyAgreement::Ecdh,
            Group::Dh(_) => KeyAgreement::Dh,
        }
    }

    /// The curve, for ECDH groups.
    pub fn curve(self) -> Option<Curve> {
        match self {
            Group::Ec(c) => Some(c),
            Group::Dh(_) => None,
        }
    }

    /// e.g. "brainpoolP256r1".
    pub fn name(self) -> &'static str {
        standard_name(u64::from(self.parameter_id())).unwrap_or("unnamed group")
    }

    /// Bytes of an encoded public value (uncompressed point, or len(p)).
    pub fn public_len(self) -> usize {
        match self {
            Group::Ec(c) => c.point_len(),
            Group::Dh(0) => 128,
            Group::Dh(_) => 256,
        }
    }

    /// The tag of the ephemeral public key inside the authentication token's 7F49: 86 (EC
    /// point) or 84 (DH public value) (§9.4.1).
    pub fn token_tag(self) -> u32 {
        match self {
            Group::Ec(_) => 0x86,
            Group::Dh(_) => 0x84,
        }
    }

    /// A random secret, fixed-width big-endian.
    pub fn random_secret(
        self,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Zeroizing<Vec<u8>>, AccessError> {
        match self {
            Group::Ec(c) => Ok(c.random_secret(rng)),
            Group::Dh(id) => Ok(Group::dh(id)?.random_secret(rng)),
        }
    }

    /// secret · generator, or generator^secret (the group's own generator when `None`).
    pub fn public(self, secret: &[u8], generator: Option<&[u8]>) -> Result<Vec<u8>, AccessError> {
        match self {
            Group::Ec(c) => Ok(c.mul(secret, generator)?),
            Group::Dh(id) => Ok(Group::dh(id)?.public(secret, generator)?),
        }
    }

    /// Checks a public value from the other side (exact length; on the curve and not the
    /// identity, or 1 < y < p − 1 in the order-q subgroup).
    pub fn check_public(self, public: &[u8]) -> Result<(), AccessError> {
        if public.len() != self.public_len() {
            return Err(AccessError::BadResponse("a public key has a bad length"));
        }
        match self {
            Group::Ec(c) => Ok(c.check_point(public)?),
            Group::Dh(id) => Ok(Group::dh(id)?.check_public(public)?),
        }
    }

    /// The key agreement's shared secret: x(secret · peer) for ECDH, peer^secret mod p for
    /// DH (fixed width).
    pub fn shared_secret(
        self,
        secret: &[u8],
        peer: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AccessError> {
        match self {
            Group::Ec(c) => {
                let point = Zeroizing::new(c.mul(secret, Some(peer))?);
                Ok(c.x_coordinate(&point)?)
            }
            Group::Dh(id) => Ok(Group::dh(id)?.shared_secret(secret, peer)?),
        }
    }

    /// Generic Mapping (§4.4.3.3.1): H = secret · peer and G~ = s·G + H, or h = peer^secret
    /// and g~ = g^s · h.
    pub fn map_generic(self, s: &[u8], secret: &[u8], peer: &[u8]) -> Result<Vec<u8>, AccessError> {
        match self {
            Group::Ec(c) => {
                let h = Zeroizing::new(c.mul(secret, Some(peer))?);
                Ok(c.map_generator(s, &h)?)
            }
            Group::Dh(id) => {
                let group = Group::dh(id)?;
                let h = group.shared_secret(secret, peer)?;
                Ok(group.map_generic(s, &h)?)
            }
        }
    }
}

impl Group {
    /// Integrated Mapping (§4.4.3.3.2): G~ = f_G(R(s, t)), the pseudo-random mapping of the
    /// chip's nonce `s` and the terminal's nonce `t` under `cipher`, encoded onto the group.
    pub fn map_integrated(
        self,
        _s: &[u8],
        _t: &[u8],
        _cipher: crate::sm::Cipher,
    ) -> Result<Vec<u8>, crate::access::AccessError> {
        // Not reachable: `PaceParams` never selects Integrated Mapping until its mapping math
        // (access::pace::integrated) is part of the build.
        Err(crate::access::AccessError::Unsupported("Integrated Mapping"))
    }
}

/// The name of a standardized domain parameter identifier (§9.5.1, Table of standardized
/// domain parameters), whether or not this implementation runs it; `None` for reserved and
/// proprietary identifiers.
pub fn standard_name(id: u64) -> Option<&'static str> {
    Some(match id {
        0 => "the 1024-bit MODP group with 160-bit prime order subgroup (RFC 5114)",
        1 => "the 2048-bit MODP group with 224-bit prime order subgroup (RFC 5114)",
        2 => "the 2048-bit MODP group with 256-bit prime order subgroup (RFC 5114)",
        8 => "NIST P-192",
        9 => "brainpoolP192r1",
        10 => "NIST P-224",
        11 => "brainpoolP224r1",
        12 => "NIST P-256",
        13 => "brainpoolP256r1",
        14 => "brainpoolP320r1",
        15 => "NIST P-384",
        16 => "brainpoolP384r1",
        17 => "brainpoolP512r1",
        18 => "NIST P-521",
        _ => return None,
    })
}
