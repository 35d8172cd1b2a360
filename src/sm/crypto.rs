//! Block-cipher primitives of ICAO 9303 Part 11 §9.8 (and §4.3 BAC, §4.4 PACE): ISO/IEC
//! 9797-1 padding method 2, CBC encryption and decryption, the 8-byte MAC (ISO/IEC 9797-1
//! MAC algorithm 3 with DES for 3DES; AES-CMAC truncated to 8 bytes, BSI TR-03110-3 §F),
//! and the AES secure-messaging IV E(K_enc, SSC) (§9.8.6.1).
//!
//! The ciphers come from RustCrypto (`des`, `aes`, `cbc`, `cmac`); only the chaining of the
//! retail MAC is written here.

use super::{Cipher, SmError};
use aes::{Aes128, Aes192, Aes256};
use cipher::block_padding::NoPadding;
use cipher::{BlockCipher, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2};

/// Pads with ISO/IEC 9797-1 method 2: `80` then `00`s up to a multiple of `block`.
pub fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % block.max(1) != 0 {
        out.push(0);
    }
    out
}

/// Removes ISO/IEC 9797-1 method 2 padding (at most one `block` long).
pub fn unpad(data: &[u8], block: usize) -> Result<&[u8], SmError> {
    let i = data.iter().rposition(|&b| b != 0).ok_or(SmError::BadPadding)?;
    if data.get(i) != Some(&0x80) || data.len() - i > block {
        return Err(SmError::BadPadding);
    }
    data.get(..i).ok_or(SmError::BadPadding)
}

fn key_error(cipher: Cipher, what: &'static str, expected: usize, got: usize) -> SmError {
    SmError::Length { cipher, what, expected, got }
}

fn whole_blocks(cipher: Cipher, data: &[u8]) -> Result<(), SmError> {
    if data.is_empty() || !data.len().is_multiple_of(cipher.block_size()) {
        return Err(SmError::BadObject(format!(
            "{} bytes of {cipher} data are not a whole number of {}-byte blocks",
            data.len(),
            cipher.block_size()
        )));
    }
    Ok(())
}

fn enc<C: BlockEncryptMut + BlockCipher + KeyInit>(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, SmError> {
    let e = cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| key_error(cipher, "key and IV", cipher.key_len(), key.len()))?;
    let mut buf = data.to_vec();
    let n = buf.len();
    e.encrypt_padded_mut::<NoPadding>(&mut buf, n)
        .map_err(|_| SmError::BadObject(format!("{n} bytes are not whole {cipher} blocks")))?;
    Ok(buf)
}

fn dec<C: BlockDecryptMut + BlockCipher + KeyInit>(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, SmError> {
    let d = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| key_error(cipher, "key and IV", cipher.key_len(), key.len()))?;
    let mut buf = data.to_vec();
    let n = d
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| {
            SmError::BadObject(format!("{} bytes are not whole {cipher} blocks", data.len()))
        })?
        .len();
    buf.truncate(n);
    Ok(buf)
}

/// CBC-encrypts `data` (a whole number of blocks, already padded) with `key` and `iv`.
pub fn cbc_encrypt(cipher: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SmError> {
    whole_blocks(cipher, data)?;
    match cipher {
        Cipher::TripleDes => enc::<TdesEde2>(cipher, key, iv, data),
        Cipher::Aes128 => enc::<Aes128>(cipher, key, iv, data),
        Cipher::Aes192 => enc::<Aes192>(cipher, key, iv, data),
        Cipher::Aes256 => enc::<Aes256>(cipher, key, iv, data),
    }
}

/// CBC-decrypts `data` (a whole number of blocks); the padding is left in place.
pub fn cbc_decrypt(cipher: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SmError> {
    whole_blocks(cipher, data)?;
    match cipher {
        Cipher::TripleDes => dec::<TdesEde2>(cipher, key, iv, data),
        Cipher::Aes128 => dec::<Aes128>(cipher, key, iv, data),
        Cipher::Aes192 => dec::<Aes192>(cipher, key, iv, data),
        Cipher::Aes256 => dec::<Aes256>(cipher, key, iv, data),
    }
}

/// The IV for encrypting a secure-messaging cryptogram: zero for 3DES, E(K_enc, SSC) for
/// AES (ICAO 9303 Part 11 §9.8.6.1), where SSC is the already incremented counter.
pub fn sm_iv(cipher: Cipher, k_enc: &[u8], ssc: &[u8]) -> Result<Vec<u8>, SmError> {
    let zero = vec![0u8; cipher.block_size()];
    match cipher {
        Cipher::TripleDes => Ok(zero),
        // One-block CBC with a zero IV is the plain block encryption E(K_enc, SSC).
        _ => {
            if ssc.len() != cipher.block_size() {
                return Err(key_error(cipher, "SSC", cipher.block_size(), ssc.len()));
            }
            cbc_encrypt(cipher, k_enc, &zero, ssc)
        }
    }
}

/// The 8-byte MAC of `padded` (already padded to whole blocks): ISO/IEC 9797-1 MAC
/// algorithm 3 (DES, 2-key) for 3DES, AES-CMAC truncated to 8 bytes for AES.
pub fn mac(cipher: Cipher, key: &[u8], padded: &[u8]) -> Result<[u8; 8], SmError> {
    whole_blocks(cipher, padded)?;
    match cipher {
        Cipher::TripleDes => retail_mac(key, padded),
        Cipher::Aes128 => cmac8::<Cmac<Aes128>>(cipher, key, padded),
        Cipher::Aes192 => cmac8::<Cmac<Aes192>>(cipher, key, padded),
        Cipher::Aes256 => cmac8::<Cmac<Aes256>>(cipher, key, padded),
    }
}

/// The 8-byte MAC of a PACE or Chip Authentication token input (BSI TR-03110-3 §A.2.4,
/// ICAO 9303 Part 11 §4.4.3.4): AES-CMAC over the data as it is, or for 3DES the retail MAC
/// over the data padded with method 2.
pub fn token_mac(cipher: Cipher, key: &[u8], data: &[u8]) -> Result<[u8; 8], SmError> {
    match cipher {
        Cipher::TripleDes => retail_mac(key, &pad(data, 8)),
        Cipher::Aes128 => cmac8::<Cmac<Aes128>>(cipher, key, data),
        Cipher::Aes192 => cmac8::<Cmac<Aes192>>(cipher, key, data),
        Cipher::Aes256 => cmac8::<Cmac<Aes256>>(cipher, key, data),
    }
}

fn cmac8<M: Mac + KeyInit>(cipher: Cipher, key: &[u8], data: &[u8]) -> Result<[u8; 8], SmError> {
    let mut m = <M as KeyInit>::new_from_slice(key)
        .map_err(|_| key_error(cipher, "K_mac", cipher.key_len(), key.len()))?;
    m.update(data);
    let tag = m.finalize().into_bytes();
    let mut out = [0u8; 8];
    for (o, t) in out.iter_mut().zip(tag.iter()) {
        *o = *t;
    }
    Ok(out)
}

/// ISO/IEC 9797-1 MAC algorithm 3: single-DES CBC-MAC under Ka over all blocks, the last
/// block's output transformed by D(Kb) then E(Ka) — i.e. the last step is 2-key 3DES.
fn retail_mac(key: &[u8], data: &[u8]) -> Result<[u8; 8], SmError> {
    let bad_key = || key_error(Cipher::TripleDes, "K_mac", 16, key.len());
    let ka = key.get(..8).ok_or_else(bad_key)?;
    let single = Des::new_from_slice(ka).map_err(|_| bad_key())?;
    let triple = TdesEde2::new_from_slice(key).map_err(|_| bad_key())?;
    let mut h = cipher::Block::<Des>::default();
    let blocks = data.chunks_exact(8);
    let n = blocks.len();
    for (i, block) in blocks.enumerate() {
        for (x, b) in h.iter_mut().zip(block) {
            *x ^= b;
        }
        if i + 1 < n {
            single.encrypt_block(&mut h);
        } else {
            triple.encrypt_block(&mut h);
        }
    }
    let mut out = [0u8; 8];
    out.copy_from_slice(&h);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn padding_method_2() {
        assert_eq!(pad(&[1, 2, 3], 8), h("0102038000000000"));
        assert_eq!(pad(&[0; 8], 8).len(), 16);
        assert_eq!(pad(&[], 16), h("80000000000000000000000000000000"));
        assert_eq!(unpad(&h("0102038000000000"), 8).unwrap(), [1, 2, 3]);
        assert_eq!(unpad(&h("80"), 8).unwrap(), [] as [u8; 0]);
        assert!(matches!(unpad(&h("0102030000000000"), 8), Err(SmError::BadPadding)));
        assert!(matches!(unpad(&h("0000000000000000"), 8), Err(SmError::BadPadding)));
        assert!(matches!(unpad(&h("800000000000000000"), 8), Err(SmError::BadPadding)));
    }

    #[test]
    fn retail_mac_matches_icao_appendix_d_m_ifd() {
        // ICAO 9303 Part 11 Appendix D.3: M_IFD = MAC(K_mac, E_IFD).
        let k_mac = h("7962D9ECE03D1ACD4C76089DCE131543");
        let e_ifd = h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2");
        let m = mac(Cipher::TripleDes, &k_mac, &pad(&e_ifd, 8)).unwrap();
        assert_eq!(m.to_vec(), h("5F1448EEA8AD90A7"));
    }

    #[test]
    fn token_mac_matches_icao_appendix_g1_pace_tokens() {
        // ICAO 9303 Part 11 Appendix G.1: T_IFD and T_IC, AES-CMAC over the 7F49 objects.
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors/pace-ecdh-gm-bp256.json");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let s = |k: &str| h(v[k].as_str().unwrap());
        let k_mac = s("KS_mac");
        let t_ifd = token_mac(Cipher::Aes128, &k_mac, &s("auth_token_input_terminal")).unwrap();
        assert_eq!(t_ifd.to_vec(), s("T_IFD"));
        let t_ic = token_mac(Cipher::Aes128, &k_mac, &s("auth_token_input_chip")).unwrap();
        assert_eq!(t_ic.to_vec(), s("T_IC"));
        // And the PACE nonce: s = D(K_pi, z), AES-128-CBC with IV 0.
        let nonce =
            cbc_decrypt(Cipher::Aes128, &s("K_pi"), &[0; 16], &s("encrypted_nonce_z")).unwrap();
        assert_eq!(nonce, s("nonce_s"));
    }

    #[test]
    fn unaligned_input_and_bad_keys_are_errors() {
        assert!(mac(Cipher::TripleDes, &[0; 16], &[0; 7]).is_err());
        assert!(mac(Cipher::Aes128, &[0; 15], &[0; 16]).is_err());
        assert!(cbc_encrypt(Cipher::Aes256, &[0; 16], &[0; 16], &[0; 16]).is_err());
        assert!(cbc_decrypt(Cipher::TripleDes, &[0; 16], &[0; 8], &[0; 12]).is_err());
    }

    #[test]
    fn cbc_round_trips_for_every_cipher() {
        for c in [Cipher::TripleDes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
            let key: Vec<u8> = (0..c.key_len() as u8).collect();
            let iv = vec![7u8; c.block_size()];
            let plain = pad(b"secure messaging", c.block_size());
            let ct = cbc_encrypt(c, &key, &iv, &plain).unwrap();
            assert_ne!(ct, plain);
            assert_eq!(cbc_decrypt(c, &key, &iv, &ct).unwrap(), plain);
        }
    }
}
