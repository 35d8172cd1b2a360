//! AES (and more 3DES) secure messaging against APDUs recorded from real passports during
//! Chip Authentication (gmrtd chipauth tests, MIT; every MAC recomputed independently, see
//! tests/data/PROVENANCE.md): AES-128 (AT, DE), AES-256 (FR), 3DES (FR after CA, MY).
//! The PACE vector (Appendix G.1) has no secure-messaging steps, only SSC = 0.

use super::tests::{h, vector};
use super::*;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

fn cipher_of(alg: &str, key_len: usize) -> Cipher {
    match (alg, key_len) {
        ("TDES", 16) => Cipher::TripleDes,
        ("AES", 16) => Cipher::Aes128,
        ("AES", 24) => Cipher::Aes192,
        ("AES", 32) => Cipher::Aes256,
        other => panic!("unexpected algorithm {other:?}"),
    }
}

/// The plain command behind a recorded protected APDU.
fn plain_command(a: &serde_json::Value) -> CommandApdu {
    let header = h(a["plain_header"].as_str().unwrap());
    let mut cmd = CommandApdu::new(header[0] & !0x0C, header[1], header[2], header[3]);
    cmd.data = h(a["plain_data"].as_str().unwrap_or(""));
    cmd.le = a["do97"].as_str().map(|d| {
        let v = h(d);
        assert_eq!(&v[..2], &[0x97, 0x01]);
        if v[2] == 0 { 256 } else { usize::from(v[2]) }
    });
    cmd
}

fn replay(file: &str, expect: &[Cipher]) {
    let v = vector(file);
    let mut seen = Vec::new();
    for (phase, ssc_key) in [("sm_before", "SSC"), ("sm_after", "SSC_initial")] {
        let sm = &v[phase];
        let k_enc = h(sm["KS_enc"].as_str().unwrap());
        let cipher = cipher_of(sm["alg"].as_str().unwrap(), k_enc.len());
        seen.push(cipher);
        let k_mac = h(sm["KS_mac"].as_str().unwrap());
        let ssc = h(sm[ssc_key].as_str().unwrap());
        let mut t = SmSession::new(cipher, &k_enc, &k_mac, &ssc).unwrap();
        let mut c = ChipSmSession::new(cipher, &k_enc, &k_mac, &ssc).unwrap();
        let keys =
            if phase == "sm_before" { "before CA (old keys)" } else { "after CA (new keys)" };
        for a in v["apdus"].as_array().unwrap().iter().filter(|a| a["keys"] == keys) {
            let plain = plain_command(a);
            let recorded = a["command"].as_str().unwrap();
            // Terminal side: byte for byte.
            let protected = t.protect(&plain).unwrap();
            assert_eq!(hex::encode_upper(protected.encode().unwrap()), recorded, "{file} {phase}");
            // Chip side: the recorded command unwraps to the plain one.
            assert_eq!(
                c.unprotect_command(&CommandApdu::parse(&h(recorded)).unwrap()).unwrap(),
                plain
            );
            // Response: the terminal unwraps the chip's recorded answer ...
            let wire = ResponseApdu::parse(&h(a["response"].as_str().unwrap())).unwrap();
            let resp = t.unprotect(&wire).unwrap();
            assert_eq!(
                resp.sw,
                StatusWord::from_u16(u16::from_str_radix(a["SW"].as_str().unwrap(), 16).unwrap())
            );
            let data = a["plain_response_data"].as_str().map(h).unwrap_or_default();
            assert_eq!(resp.data, data, "{file} {phase}");
            // ... and the chip side produces exactly that answer.
            let again = c.protect_response(&resp).unwrap();
            assert_eq!(again.to_bytes(), wire.to_bytes(), "{file} {phase} chip response");
        }
    }
    assert_eq!(seen, expect);
}

#[test]
fn aes128_real_passport_at() {
    replay("ca-v1-gmrtd-AT-ecdh-bp256-aes128.json", &[Cipher::Aes128, Cipher::Aes128]);
}

#[test]
fn aes128_real_passport_de() {
    replay("ca-v1-gmrtd-DE-ecdh-bp256-aes128-keyid.json", &[Cipher::Aes128, Cipher::Aes128]);
}

#[test]
fn aes256_then_3des_real_passport_fr() {
    replay("ca-v1-gmrtd-FR-ecdh-p256-3des-msekat.json", &[Cipher::Aes256, Cipher::TripleDes]);
}

#[test]
fn tdes_real_passport_my() {
    replay("ca-v1-gmrtd-MY-ecdh-bp256-3des.json", &[Cipher::TripleDes, Cipher::TripleDes]);
}

#[test]
fn pace_vector_has_no_sm_steps_only_a_zero_counter() {
    // Documented so the AES tests above are known to be the AES byte-for-byte evidence.
    let v = vector("pace-ecdh-gm-bp256.json");
    assert_eq!(v["SSC_after_PACE"].as_str().unwrap(), "0".repeat(32));
    let s = SmSession::new(
        Cipher::Aes128,
        &h(v["KS_enc"].as_str().unwrap()),
        &h(v["KS_mac"].as_str().unwrap()),
        &h(v["SSC_after_PACE"].as_str().unwrap()),
    );
    assert!(s.is_ok());
}
