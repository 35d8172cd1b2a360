//! PACE Chip Authentication Mapping (ICAO 9303 Part 11 §4.4.3.5, BSI TR-03110-2 §3.4): the
//! chip's encrypted chip authentication data A_IC = E(KS_enc, CA_IC) in DO'8A' of the last
//! GENERAL AUTHENTICATE answer, with CA_IC = SK_IC⁻¹ · SK_Map,IC mod n, and the terminal's
//! evidence to check later against the chip's static key PK_IC: CA_IC · PK_IC = PK_Map,IC.
//! Encryption is CBC with IV = E(KS_enc, −1) (the all-ones block) and ISO/IEC 9797-1
//! padding method 2.

use super::{AccessError, Curve};
use crate::sm::{Cipher, crypto};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Tag of the encrypted chip authentication data in the GA 4 answer.
pub(super) const TAG_CA_DATA: u32 = 0x8A;

/// What PACE-CAM leaves for the verdict: public values only (the curve, CA_IC and the
/// chip's mapping public key). Worth nothing until [`CamEvidence::verify`] passes with a
/// chip public key taken from an EF.CardSecurity that passed passive authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CamEvidence {
    /// The PACE curve.
    pub curve: Curve,
    /// The chip authentication data CA_IC (field length, big-endian).
    pub ca_ic: Vec<u8>,
    /// The chip's mapping public key PK_Map,IC (uncompressed point).
    pub pk_map_ic: Vec<u8>,
}

impl CamEvidence {
    /// True when CA_IC · PK_IC = PK_Map,IC for the chip's static Chip Authentication public
    /// key `chip_ca_public_key` (an uncompressed point on the PACE curve).
    pub fn verify(&self, chip_ca_public_key: &[u8]) -> bool {
        if self.curve.check_point(chip_ca_public_key).is_err() {
            return false;
        }
        match self.curve.mul(&self.ca_ic, Some(chip_ca_public_key)) {
            Ok(p) => bool::from(p.as_slice().ct_eq(&self.pk_map_ic)),
            Err(_) => false,
        }
    }
}

/// IV = E(KS_enc, −1): the all-ones block encrypted (§4.4.3.5.1).
fn iv(cipher: Cipher, ks_enc: &[u8]) -> Result<Vec<u8>, AccessError> {
    let block = cipher.block_size();
    Ok(crypto::cbc_encrypt(cipher, ks_enc, &vec![0; block], &vec![0xFF; block])?)
}

/// A_IC = E(KS_enc, CA_IC) (chip side).
pub(super) fn encrypt(cipher: Cipher, ks_enc: &[u8], ca_ic: &[u8]) -> Result<Vec<u8>, AccessError> {
    let iv = iv(cipher, ks_enc)?;
    let padded = Zeroizing::new(crypto::pad(ca_ic, cipher.block_size()));
    Ok(crypto::cbc_encrypt(cipher, ks_enc, &iv, &padded)?)
}

/// The terminal's evidence from A_IC: decrypted, unpadded, CA_IC a non-zero scalar of at most
/// field length (left-padded to it).
pub(super) fn evidence(
    curve: Curve,
    cipher: Cipher,
    ks_enc: &[u8],
    a_ic: &[u8],
    pk_map_ic: &[u8],
) -> Result<CamEvidence, AccessError> {
    let bad = AccessError::BadResponse("the chip authentication data (DO'8A') does not decrypt");
    let block = cipher.block_size();
    if a_ic.is_empty()
        || !a_ic.len().is_multiple_of(block)
        || a_ic.len() > curve.field_len() + block
    {
        return Err(bad);
    }
    let iv = iv(cipher, ks_enc)?;
    let plain = crypto::cbc_decrypt(cipher, ks_enc, &iv, a_ic)?;
    let ca = crypto::unpad(&plain, block).map_err(|_| bad)?;
    let len = curve.field_len();
    if ca.is_empty() || ca.len() > len {
        return Err(AccessError::BadResponse("the chip authentication data has a bad length"));
    }
    let mut ca_ic = vec![0; len - ca.len()];
    ca_ic.extend_from_slice(ca);
    if curve.check_scalar(&ca_ic).is_err() {
        return Err(AccessError::BadResponse("the chip authentication data is not a scalar"));
    }
    Ok(CamEvidence { curve, ca_ic, pk_map_ic: pk_map_ic.to_vec() })
}
