//! Key derivation (ICAO 9303 Part 11 §9.7.1): KDF(K, c) = H(K ‖ c) truncated to the key
//! length, with SHA-1 for 3DES and AES-128 and SHA-256 for AES-192/256; 3DES keys get
//! odd DES parity (§9.7.1.1, Appendix D.1).

use crate::sm::Cipher;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Counter for the encryption key K_enc.
pub const ENC: u32 = 1;
/// Counter for the MAC key K_mac.
pub const MAC: u32 = 2;
/// Counter for the PACE password key K_π.
pub const PACE: u32 = 3;

/// KDF(K, c) for `cipher`: 16 bytes (3DES with parity, AES-128), 24 (AES-192), 32 (AES-256).
pub fn derive_key(seed: &[u8], counter: u32, cipher: Cipher) -> Zeroizing<Vec<u8>> {
    let mut out = match cipher {
        Cipher::TripleDes | Cipher::Aes128 => {
            let mut h = Sha1::new();
            h.update(seed);
            h.update(counter.to_be_bytes());
            Zeroizing::new(h.finalize().to_vec())
        }
        Cipher::Aes192 | Cipher::Aes256 => {
            let mut h = Sha256::new();
            h.update(seed);
            h.update(counter.to_be_bytes());
            Zeroizing::new(h.finalize().to_vec())
        }
    };
    out.truncate(cipher.key_len());
    if cipher == Cipher::TripleDes {
        adjust_parity(&mut out);
    }
    out
}

/// Sets each byte's lowest bit so that the byte has odd parity (DES key parity).
pub fn adjust_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        let high = *b & 0xFE;
        *b = high | u8::from(high.count_ones() % 2 == 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_appendix_d1_keys() {
        // ICAO 9303 Part 11 Appendix D.1: K_seed → K_enc, K_mac.
        let seed = hex::decode("239AB9CB282DAF66231DC5A4DF6BFBAE").unwrap();
        assert_eq!(
            hex::encode_upper(&*derive_key(&seed, ENC, Cipher::TripleDes)),
            "AB94FDECF2674FDFB9B391F85D7F76F2"
        );
        assert_eq!(
            hex::encode_upper(&*derive_key(&seed, MAC, Cipher::TripleDes)),
            "7962D9ECE03D1ACD4C76089DCE131543"
        );
    }

    #[test]
    fn pace_k_pi_from_appendix_g1() {
        // ICAO 9303 Part 11 Appendix G.1: K_π = KDF(f(π), 3), f(π) = SHA-1(MRZ information).
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/vectors/pace-ecdh-gm-bp256.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let seed = hex::decode(v["pi_sha1_mrz"].as_str().unwrap()).unwrap();
        // The PACE password is the whole 20-byte SHA-1 (not truncated as BAC's K_seed).
        let k = derive_key(&seed, PACE, Cipher::Aes128);
        assert_eq!(hex::encode_upper(&*k), v["K_pi"].as_str().unwrap());
    }

    #[test]
    fn lengths_and_hashes_per_cipher() {
        let seed = [0x11u8; 32];
        assert_eq!(derive_key(&seed, 1, Cipher::Aes128).len(), 16);
        assert_eq!(derive_key(&seed, 1, Cipher::Aes192).len(), 24);
        let k256 = derive_key(&seed, 1, Cipher::Aes256);
        assert_eq!(k256.len(), 32);
        // AES-192 is the first 24 bytes of the same SHA-256 output as AES-256.
        assert_eq!(&derive_key(&seed, 1, Cipher::Aes192)[..], &k256[..24]);
        // 3DES differs from AES-128 only by parity bits.
        let a = derive_key(&seed, 2, Cipher::Aes128);
        let d = derive_key(&seed, 2, Cipher::TripleDes);
        assert!(a.iter().zip(d.iter()).all(|(x, y)| x & 0xFE == y & 0xFE));
        assert!(d.iter().all(|b| b.count_ones() % 2 == 1));
    }
}
