//! ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery, as Active
//! Authentication uses it (ICAO 9303 Part 11 §6.1): F = 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer, with
//! trailer BC (SHA-1 implicit) or `id ‖ CC` where `id` is the ISO/IEC 10118-3 hash-function
//! identifier (33 SHA-1, 34 SHA-256, 35 SHA-512, 36 SHA-384, 38 SHA-224). The RSA operations
//! are the `rsa` crate's raw primitives; a signature Σ may be J^d or n − J^d, so the verifier
//! takes whichever of m and n − m ends in the nibble C.

use crate::lds::sod::HashAlgorithm;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};

/// Header of F under partial recovery with a modulus of whole bytes: '01' (scheme 1), more
/// data '1' (M2 is not recoverable), no padding, then the nibble A that ends the padding.
const HEADER: u8 = 0x6A;
/// The implicit trailer: SHA-1.
const TRAILER_IMPLICIT: u8 = 0xBC;
/// The last byte of a two-byte trailer.
const TRAILER_EXPLICIT: u8 = 0xCC;

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Iso9796Error {
    /// The signature is wrong: bad length, ≥ n, bad header or trailer, or a hash mismatch.
    #[error("{0}")]
    Bad(String),
    /// A valid structure this implementation does not handle (a hash it lacks, a modulus
    /// that is not a whole number of bytes).
    #[error("{0}")]
    Unsupported(String),
}

fn bad(why: impl Into<String>) -> Iso9796Error {
    Iso9796Error::Bad(why.into())
}

/// The hash named by an ISO/IEC 10118-3 hash-function identifier (the first trailer byte).
pub fn hash_by_id(id: u8) -> Option<HashAlgorithm> {
    Some(match id {
        0x33 => HashAlgorithm::Sha1,
        0x34 => HashAlgorithm::Sha256,
        0x35 => HashAlgorithm::Sha512,
        0x36 => HashAlgorithm::Sha384,
        0x38 => HashAlgorithm::Sha224,
        _ => return None,
    })
}

/// The ISO/IEC 10118-3 identifier of `hash`.
pub fn hash_id(hash: HashAlgorithm) -> u8 {
    match hash {
        HashAlgorithm::Sha1 => 0x33,
        HashAlgorithm::Sha256 => 0x34,
        HashAlgorithm::Sha512 => 0x35,
        HashAlgorithm::Sha384 => 0x36,
        HashAlgorithm::Sha224 => 0x38,
    }
}

/// What a verified signature recovered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The recoverable part M1 chosen by the chip.
    pub m1: Vec<u8>,
    /// The hash the trailer named.
    pub hash: HashAlgorithm,
    /// The trailer was the implicit BC.
    pub implicit: bool,
}

/// Splits a message representative F (6A ‖ M1 ‖ D ‖ trailer) into M1, D and the hash.
pub fn decode_f(f: &[u8]) -> Result<(Vec<u8>, Vec<u8>, HashAlgorithm, bool), Iso9796Error> {
    let (&first, _) = f.split_first().ok_or_else(|| bad("empty message representative"))?;
    if first != HEADER {
        return Err(bad(format!("header {first:02X}, not 6A (partial recovery)")));
    }
    let (hash, t, implicit) = match f {
        [.., TRAILER_IMPLICIT] => (HashAlgorithm::Sha1, 1, true),
        [.., id, TRAILER_EXPLICIT] => {
            // ISO/IEC 10118 assigns the identifiers 30–3F; we run the SHA ones.
            let hash = match hash_by_id(*id) {
                Some(h) => h,
                None if id & 0xF0 == 0x30 => {
                    return Err(Iso9796Error::Unsupported(format!(
                        "ISO/IEC 9796-2 hash identifier {id:02X}"
                    )));
                }
                None => return Err(bad(format!("trailer {id:02X}CC names no hash function"))),
            };
            (hash, 2, false)
        }
        [.., last] => return Err(bad(format!("trailer {last:02X} is neither BC nor xx CC"))),
        [] => return Err(bad("empty message representative")),
    };
    let h = hash.output_len();
    // 6A, at least one byte of M1, the hash and the trailer.
    let end_m1 = f
        .len()
        .checked_sub(t + h)
        .filter(|end| *end > 1)
        .ok_or_else(|| bad("message representative too short for its hash"))?;
    let m1 = f.get(1..end_m1).ok_or_else(|| bad("no M1"))?;
    let d = f.get(end_m1..f.len() - t).ok_or_else(|| bad("no hash"))?;
    Ok((m1.to_vec(), d.to_vec(), hash, implicit))
}

/// Verifies `signature` by `key` over the non-recoverable part `m2` (the challenge): raw
/// RSA, F from m or n − m, then H(M1 ‖ m2) against the recovered hash.
pub fn verify(key: &RsaPublicKey, m2: &[u8], signature: &[u8]) -> Result<Recovered, Iso9796Error> {
    let n = key.n();
    let bits = n.bits();
    if !bits.is_multiple_of(8) {
        return Err(Iso9796Error::Unsupported(format!(
            "RSA modulus of {bits} bits (not whole bytes)"
        )));
    }
    let len = bits / 8;
    if signature.is_empty() || signature.len() > len {
        return Err(bad(format!(
            "signature of {} bytes for a {len}-byte modulus",
            signature.len()
        )));
    }
    let s = BigUint::from_bytes_be(signature);
    if &s >= n {
        return Err(bad("signature is not below the modulus"));
    }
    let m = rsa::hazmat::rsa_encrypt(key, &s).map_err(|e| bad(format!("RSA: {e}")))?;
    let ends_in_c = |v: &BigUint| v.to_bytes_be().last().is_some_and(|b| b & 0x0F == 0x0C);
    let j = if ends_in_c(&m) {
        m
    } else {
        let other = n - &m;
        if !ends_in_c(&other) {
            return Err(bad("recovered representative does not end in the nibble C"));
        }
        other
    };
    let raw = j.to_bytes_be();
    let mut f = vec![0u8; len.saturating_sub(raw.len())];
    f.extend_from_slice(&raw);
    let (m1, d, hash, implicit) = decode_f(&f)?;
    let mut message = m1.clone();
    message.extend_from_slice(m2);
    if hash.digest(&message) != d {
        return Err(bad(format!("{} of M1 and the challenge does not match", hash.name())));
    }
    Ok(Recovered { m1, hash, implicit })
}

/// Signs `m2` as a chip does (for the simulator): F = 6A ‖ M1 ‖ H(M1 ‖ m2) ‖ trailer with M1
/// filling the capacity (`m1_source` gives its bytes), then Σ = min(J^d, n − J^d).
/// `implicit` uses the trailer BC (SHA-1 only); otherwise `hash_id(hash) ‖ CC`.
pub fn sign(
    key: &RsaPrivateKey,
    hash: HashAlgorithm,
    implicit: bool,
    m2: &[u8],
    m1_source: &mut dyn FnMut(&mut [u8]),
    rng: &mut dyn rand::RngCore,
) -> Result<Vec<u8>, Iso9796Error> {
    let n = key.n();
    let bits = n.bits();
    if !bits.is_multiple_of(8) || (implicit && hash != HashAlgorithm::Sha1) {
        return Err(Iso9796Error::Unsupported(format!("signing with {bits} bits, {hash:?}")));
    }
    let len = bits / 8;
    let t = if implicit { 1 } else { 2 };
    let c = len
        .checked_sub(1 + hash.output_len() + t)
        .filter(|c| *c > 0)
        .ok_or_else(|| bad("modulus too small for the hash"))?;
    let mut m1 = vec![0u8; c];
    m1_source(&mut m1);
    let mut message = m1.clone();
    message.extend_from_slice(m2);
    let mut f = Vec::with_capacity(len);
    f.push(HEADER);
    f.extend_from_slice(&m1);
    f.extend_from_slice(&hash.digest(&message));
    if implicit {
        f.push(TRAILER_IMPLICIT);
    } else {
        f.extend_from_slice(&[hash_id(hash), TRAILER_EXPLICIT]);
    }
    let j = BigUint::from_bytes_be(&f);
    let mut rng = RngAdapter(rng);
    let s = rsa::hazmat::rsa_decrypt_and_check(key, Some(&mut rng), &j)
        .map_err(|e| bad(format!("RSA: {e}")))?;
    let other = n - &s;
    let s = if other < s { other } else { s };
    let raw = s.to_bytes_be();
    let mut out = vec![0u8; len.saturating_sub(raw.len())];
    out.extend_from_slice(&raw);
    Ok(out)
}

/// A `dyn RngCore` as the `CryptoRngCore` the blinding of `rsa` asks for (the simulator's
/// generator).
struct RngAdapter<'a>(&'a mut dyn rand::RngCore);

impl rand::RngCore for RngAdapter<'_> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl rand::CryptoRng for RngAdapter<'_> {}
