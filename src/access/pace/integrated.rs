//! PACE Integrated Mapping (ICAO 9303 Part 11 §4.4.3.3.2 and Appendix B, BSI TR-03110-3): the
//! pseudo-random number mapping R_p(s, t) built from the PACE block cipher, then for ECDH the
//! point encoding f_G of Brier et al. (simplified SWU for p ≡ 3 mod 4, Appendix B.2) and for DH
//! f_g(x) = x^((p−1)/q) mod p.
//!
//! s is the chip's decrypted nonce (l bits: 128 for 3DES and AES-128, 256 for AES-192/256) and
//! t the terminal's nonce (k bits: the key size, 128 for 3DES), sent in the clear in GENERAL
//! AUTHENTICATE step 2. Both are secret-derived: the cipher chain, the reduction mod p and the
//! field arithmetic run in constant time and every intermediate is zeroized.

use super::curve::Curve;
use super::dh::{DhError, DhGroup};
use crate::sm::{Cipher, crypto};
use crypto_bigint::{BoxedUint, NonZero};
use primeorder::elliptic_curve::sec1::FromSec1Point;
use primeorder::{AffinePoint, Field, FieldBytes, PrimeCurveParams, PrimeField, PrimeFieldExt};
use rand_core::{CryptoRng, RngCore};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

/// c0 and c1 for l = 128 (3DES, AES-128), §4.4.3.3.2.
const C0_128: [u8; 16] = hex_lit(b"a668892a7c41e3ca739f40b057d85904");
const C1_128: [u8; 16] = hex_lit(b"a4e136ac725f738b01c1f60217c188ad");
/// c0 and c1 for l = 256 (AES-192, AES-256), §4.4.3.3.2.
const C0_256: [u8; 32] =
    hex_lit(b"d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676");
const C1_256: [u8; 32] =
    hex_lit(b"54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517");
/// The largest modulus R_p serves (bits): P-521 and 4096-bit DH fit.
const MAX_P_BITS: u32 = 4096;

/// Why a nonce could not be mapped to a generator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error(
        "Integrated Mapping with {cipher} needs a {expected}-byte nonce {which}, got {got} bytes"
    )]
    Nonce { which: &'static str, cipher: Cipher, expected: usize, got: usize },
    #[error("the Integrated Mapping's block cipher failed")]
    Cipher,
    #[error("the Integrated Mapping point encoding is defined only for curves with p ≡ 3 (mod 4)")]
    UnsupportedCurve,
    #[error("the group is too large for the Integrated Mapping")]
    UnsupportedGroup,
    #[error("the nonces map to no point (a degenerate input of the point encoding)")]
    Degenerate,
    #[error("the mapped generator is not a valid point of the curve")]
    BadPoint,
    #[error("the mapped generator: {0}")]
    Dh(#[from] DhError),
}

/// Bytes of the chip's nonce s for Integrated Mapping with `cipher` (l / 8).
pub fn chip_nonce_len(cipher: Cipher) -> usize {
    match cipher {
        Cipher::TripleDes | Cipher::Aes128 => 16,
        Cipher::Aes192 | Cipher::Aes256 => 32,
    }
}

/// Bytes of the terminal's nonce t for Integrated Mapping with `cipher` (k / 8; 3DES counts
/// as 128 bits).
pub fn terminal_nonce_len(cipher: Cipher) -> usize {
    cipher.key_len()
}

/// A random terminal nonce t.
pub fn random_terminal_nonce(
    cipher: Cipher,
    rng: &mut (impl RngCore + CryptoRng),
) -> Zeroizing<Vec<u8>> {
    let mut t = Zeroizing::new(vec![0; terminal_nonce_len(cipher)]);
    rng.fill_bytes(&mut t);
    t
}

/// R(s, t) = x_1 ‖ … ‖ x_n before the reduction mod p (§4.4.3.3.2, Figure 2): k_0 = E(t, s);
/// x_i = E(k_i, c1), k_(i+1) = E(k_i, c0), each k truncated to the key size; E is CBC with
/// IV 0; n is the smallest number with n·l ≥ bits(p) + 64.
pub fn pseudo_random(
    cipher: Cipher,
    s: &[u8],
    t: &[u8],
    p_bits: u32,
) -> Result<Zeroizing<Vec<u8>>, MappingError> {
    check_nonces(cipher, s, t)?;
    if p_bits == 0 || p_bits > MAX_P_BITS {
        return Err(MappingError::UnsupportedGroup);
    }
    let (c0, c1): (&[u8], &[u8]) = match chip_nonce_len(cipher) {
        16 => (&C0_128, &C1_128),
        _ => (&C0_256, &C1_256),
    };
    let l_bits = (s.len() * 8) as u32;
    let n = (p_bits + 64).div_ceil(l_bits) as usize;
    let k = terminal_nonce_len(cipher);
    let iv = vec![0u8; cipher.block_size()];
    let encrypt = |key: &[u8], data: &[u8]| {
        crypto::cbc_encrypt(cipher, key, &iv, data)
            .map(Zeroizing::new)
            .map_err(|_| MappingError::Cipher)
    };
    let mut key = encrypt(t, s)?;
    key.truncate(k);
    let mut out = Zeroizing::new(Vec::with_capacity(n * s.len()));
    for _ in 0..n {
        out.extend_from_slice(&encrypt(&key, c1)?);
        let mut next = encrypt(&key, c0)?;
        next.truncate(k);
        key = next;
    }
    Ok(out)
}

/// R_p(s, t) = int(R(s, t)) mod p as an integer of p's precision, in constant time.
fn reduced(
    cipher: Cipher,
    s: &[u8],
    t: &[u8],
    p: &BoxedUint,
) -> Result<Zeroizing<BoxedUint>, MappingError> {
    let p_bits = p.bit_width_vartime();
    let r = pseudo_random(cipher, s, t, p_bits)?;
    let r_bits = u32::try_from(r.len() * 8).map_err(|_| MappingError::UnsupportedGroup)?;
    let wide = Zeroizing::new(
        BoxedUint::from_be_slice(&r, r_bits).map_err(|_| MappingError::UnsupportedGroup)?,
    );
    let modulus: Option<NonZero<BoxedUint>> = p.to_nz().into_option();
    let modulus = modulus.ok_or(MappingError::UnsupportedGroup)?;
    let reduced = Zeroizing::new(wide.rem(&modulus));
    Ok(reduced)
}

/// R_p(s, t) mod p as len(p) big-endian bytes (the worked examples print it).
pub fn pseudo_random_mod(
    cipher: Cipher,
    s: &[u8],
    t: &[u8],
    p: &[u8],
) -> Result<Zeroizing<Vec<u8>>, MappingError> {
    let p_int = BoxedUint::from_be_slice_vartime(p);
    let x = reduced(cipher, s, t, &p_int)?;
    Ok(fixed_width(&x, p.len()))
}

/// DH Integrated Mapping: g~ = f_g(R_p(s, t)) = R_p(s, t)^((p−1)/q) mod p, len(p) bytes;
/// 0 and 1 are refused.
pub fn map_dh(
    group: &DhGroup,
    cipher: Cipher,
    s: &[u8],
    t: &[u8],
) -> Result<Vec<u8>, MappingError> {
    let x = reduced(cipher, s, t, group.modulus_int())?;
    Ok(group.cofactor_power(&x)?)
}

/// ECDH Integrated Mapping on a standardized curve: G~ = f_G(R_p(s, t)) as an uncompressed
/// SEC1 point. NIST P-224 (p ≡ 1 mod 4) is refused with [`MappingError::UnsupportedCurve`].
pub fn map_ec(curve: Curve, cipher: Cipher, s: &[u8], t: &[u8]) -> Result<Vec<u8>, MappingError> {
    use crate::ec::{BrainpoolP192r1, BrainpoolP224r1, BrainpoolP320r1, BrainpoolP512r1};
    match curve {
        Curve::NistP192 => map_ec_on::<p192::NistP192>(cipher, s, t),
        Curve::BrainpoolP192r1 => map_ec_on::<BrainpoolP192r1>(cipher, s, t),
        Curve::NistP224 => map_ec_on::<p224::NistP224>(cipher, s, t),
        Curve::BrainpoolP224r1 => map_ec_on::<BrainpoolP224r1>(cipher, s, t),
        Curve::NistP256 => map_ec_on::<p256_14::NistP256>(cipher, s, t),
        Curve::BrainpoolP256r1 => map_ec_on::<bp256::BrainpoolP256r1>(cipher, s, t),
        Curve::BrainpoolP320r1 => map_ec_on::<BrainpoolP320r1>(cipher, s, t),
        Curve::NistP384 => map_ec_on::<p384::NistP384>(cipher, s, t),
        Curve::BrainpoolP384r1 => map_ec_on::<bp384::BrainpoolP384r1>(cipher, s, t),
        Curve::BrainpoolP512r1 => map_ec_on::<BrainpoolP512r1>(cipher, s, t),
        Curve::NistP521 => map_ec_on::<p521::NistP521>(cipher, s, t),
    }
}

/// ECDH Integrated Mapping on any short-Weierstrass curve of prime order with p ≡ 3 (mod 4).
pub fn map_ec_on<C: PrimeCurveParams>(
    cipher: Cipher,
    s: &[u8],
    t: &[u8],
) -> Result<Vec<u8>, MappingError> {
    let p = field_modulus::<C>();
    let x = reduced(cipher, s, t, &p)?;
    let bytes = fixed_width(&x, field_len::<C>());
    encode_point::<C>(&bytes)
}

/// The point encoding f_G of Appendix B.2 (affine coordinates) for a field element given as
/// big-endian bytes of the field's length (below p):
/// α = −u², X2 = −b(1 + α + α²) / (a(α + α²)), X3 = α·X2, h2 = X2³ + a·X2 + b, U = u³·h2,
/// A = h2^(p − 1 − (p + 1)/4); (X2, A·h2) when A²·h2 = 1, else (X3, A·U). The curves have
/// cofactor 1, so the point is the generator. Output: uncompressed SEC1.
pub fn encode_point<C: PrimeCurveParams>(u: &[u8]) -> Result<Vec<u8>, MappingError> {
    let p = field_modulus::<C>();
    let exponent = sqrt_inverse_exponent(&p)?;
    let u = field_element::<C>(u)?;
    let (a, b) = (C::EQUATION_A, C::EQUATION_B);
    let one = C::FieldElement::ONE;

    let alpha = -u.square();
    let alpha_sum = alpha + alpha.square();
    let inverse: Option<C::FieldElement> = (a * alpha_sum).invert().into_option();
    let inverse = inverse.ok_or(MappingError::Degenerate)?;
    let x2 = -b * (one + alpha_sum) * inverse;
    let x3 = alpha * x2;
    let h2 = x2.square() * x2 + a * x2 + b;
    let big_u = u.square() * u * h2;
    let big_a = h2.pow(&exponent);
    let first = (big_a.square() * h2).ct_eq(&one);
    let x = C::FieldElement::conditional_select(&x3, &x2, first);
    let y = C::FieldElement::conditional_select(&(big_a * big_u), &(big_a * h2), first);

    let mut sec1 = Zeroizing::new(Vec::with_capacity(1 + 2 * field_len::<C>()));
    sec1.push(0x04);
    sec1.extend_from_slice(&x.to_be_repr());
    sec1.extend_from_slice(&y.to_be_repr());
    // An on-curve check of the result (an uncompressed point is never the identity).
    AffinePoint::<C>::from_sec1_bytes(&sec1).map_err(|_| MappingError::BadPoint)?;
    Ok(sec1.to_vec())
}

fn check_nonces(cipher: Cipher, s: &[u8], t: &[u8]) -> Result<(), MappingError> {
    let (ls, lt) = (chip_nonce_len(cipher), terminal_nonce_len(cipher));
    if s.len() != ls {
        return Err(MappingError::Nonce { which: "s", cipher, expected: ls, got: s.len() });
    }
    if t.len() != lt {
        return Err(MappingError::Nonce { which: "t", cipher, expected: lt, got: t.len() });
    }
    Ok(())
}

/// Bytes of a field element of `C`.
fn field_len<C: PrimeCurveParams>() -> usize {
    AsRef::<[u8]>::as_ref(&C::FieldElement::ONE.to_be_repr()).len()
}

/// The field's modulus p, as (−1) + 1 (p < 2^(8·len), so the sum fits p − 1's precision).
fn field_modulus<C: PrimeCurveParams>() -> BoxedUint {
    let minus_one = (-C::FieldElement::ONE).to_be_repr();
    let p_minus_1 = BoxedUint::from_be_slice_vartime(minus_one.as_ref());
    p_minus_1.wrapping_add(BoxedUint::one_with_precision(p_minus_1.bits_precision()))
}

/// p − 1 − (p + 1)/4 as little-endian 64-bit limbs; refuses p ≢ 3 (mod 4).
fn sqrt_inverse_exponent(p: &BoxedUint) -> Result<Vec<u64>, MappingError> {
    let bytes = p.to_be_bytes();
    if bytes.last().is_none_or(|b| b & 3 != 3) {
        return Err(MappingError::UnsupportedCurve);
    }
    let prec = p.bits_precision() + 64;
    let p = BoxedUint::from_be_slice(&bytes, prec).map_err(|_| MappingError::UnsupportedCurve)?;
    let one = BoxedUint::one_with_precision(prec);
    let quarter = p.wrapping_add(&one).wrapping_shr_vartime(2);
    let e = p.wrapping_sub(&one).wrapping_sub(&quarter);
    let be = e.to_be_bytes();
    Ok(be.rchunks(8).map(|c| c.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))).collect())
}

/// A field element from exactly field-length big-endian bytes below p.
fn field_element<C: PrimeCurveParams>(bytes: &[u8]) -> Result<C::FieldElement, MappingError> {
    let mut repr = FieldBytes::<C>::default();
    if repr.len() != bytes.len() {
        return Err(MappingError::BadPoint);
    }
    repr.copy_from_slice(bytes);
    if C::FieldElement::REPR_ENDIANNESS == primeorder::ByteOrder::LittleEndian {
        repr.reverse();
    }
    let fe: Option<C::FieldElement> = C::FieldElement::from_repr(repr).into_option();
    repr.zeroize();
    fe.ok_or(MappingError::BadPoint)
}

/// `v` as exactly `len` big-endian bytes (v fits).
fn fixed_width(v: &BoxedUint, len: usize) -> Zeroizing<Vec<u8>> {
    let all = Zeroizing::new(v.to_be_bytes());
    let mut out = Zeroizing::new(vec![0u8; len]);
    let n = all.len().min(len);
    if let (Some(dst), Some(src)) = (out.get_mut(len - n..), all.get(all.len() - n..)) {
        dst.copy_from_slice(src);
    }
    out
}

/// Hex constants decoded at compile time.
const fn hex_lit<const N: usize>(s: &[u8]) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        }
    }
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
#[path = "integrated_tests.rs"]
mod tests;
