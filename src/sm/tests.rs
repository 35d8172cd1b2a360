//! Tests of secure messaging: ICAO 9303 Part 11 Appendix D.4 byte for byte (both sides),
//! terminal↔chip round trips for every cipher, and how failures end a session.

use super::*;
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

pub(crate) fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

pub(crate) fn vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hs(v: &serde_json::Value) -> Vec<u8> {
    h(v.as_str().unwrap())
}

pub(crate) const ALL: [Cipher; 4] =
    [Cipher::TripleDes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256];

/// Test keys and an initial SSC just below a byte boundary (so the carry is exercised).
pub(crate) fn test_keys(cipher: Cipher) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let k_enc: Vec<u8> = (0..cipher.key_len() as u8).map(|i| i.wrapping_mul(7)).collect();
    let k_mac: Vec<u8> = (0..cipher.key_len() as u8).map(|i| i ^ 0xA5).collect();
    let mut ssc = vec![0u8; cipher.ssc_len()];
    if let Some(last) = ssc.last_mut() {
        *last = 0xFE;
    }
    (k_enc, k_mac, ssc)
}

/// A terminal and a chip session with the same test keys.
pub(crate) fn pair(cipher: Cipher) -> (SmSession, ChipSmSession) {
    let (k_enc, k_mac, ssc) = test_keys(cipher);
    (
        SmSession::new(cipher, &k_enc, &k_mac, &ssc).unwrap(),
        ChipSmSession::new(cipher, &k_enc, &k_mac, &ssc).unwrap(),
    )
}

#[test]
fn appendix_d4_terminal_side_byte_for_byte() {
    let v = vector("bac-icao9303-appD.json");
    let sm = &v["secure_messaging"];
    let mut s = SmSession::new(
        Cipher::TripleDes,
        &hs(&sm["KS_enc"]),
        &hs(&sm["KS_mac"]),
        &hs(&sm["SSC_initial"]),
    )
    .unwrap();
    let mut ef_com = Vec::new();
    for step in sm["steps"].as_array().unwrap() {
        let plain = CommandApdu::parse(&hs(&step["unprotected_apdu"])).unwrap();
        let protected = s.protect(&plain).unwrap();
        assert_eq!(
            hex::encode_upper(protected.encode().unwrap()),
            step["protected_apdu"].as_str().unwrap(),
            "{}",
            step["command"]
        );
        let resp = s.unprotect(&ResponseApdu::parse(&hs(&step["response_apdu"])).unwrap()).unwrap();
        assert_eq!(resp.sw, StatusWord::Ok);
        let expected = step.get("decrypted_data").map(hs).unwrap_or_default();
        assert_eq!(resp.data, expected, "{}", step["command"]);
        ef_com.extend_from_slice(&resp.data);
    }
    assert_eq!(ef_com, hs(&sm["EF_COM_plain"]));
    assert!(!s.is_closed());
}

#[test]
fn appendix_d4_chip_side_byte_for_byte() {
    let v = vector("bac-icao9303-appD.json");
    let sm = &v["secure_messaging"];
    let mut c = ChipSmSession::new(
        Cipher::TripleDes,
        &hs(&sm["KS_enc"]),
        &hs(&sm["KS_mac"]),
        &hs(&sm["SSC_initial"]),
    )
    .unwrap();
    for step in sm["steps"].as_array().unwrap() {
        let wire = CommandApdu::parse(&hs(&step["protected_apdu"])).unwrap();
        let plain = c.unprotect_command(&wire).unwrap();
        assert_eq!(plain, CommandApdu::parse(&hs(&step["unprotected_apdu"])).unwrap());
        let data = step.get("decrypted_data").map(hs).unwrap_or_default();
        let resp = c.protect_response(&ResponseApdu::new(data, StatusWord::Ok)).unwrap();
        assert_eq!(hex::encode_upper(resp.to_bytes()), step["response_apdu"].as_str().unwrap());
    }
}

/// Sends `cmd` from the terminal to the chip and `answer` back, over the wire encoding.
pub(crate) fn exchange(
    t: &mut SmSession,
    c: &mut ChipSmSession,
    cmd: &CommandApdu,
    answer: &ResponseApdu,
) -> (CommandApdu, ResponseApdu, ResponseApdu) {
    let protected = t.protect(cmd).unwrap();
    let wire = protected.encode().unwrap();
    let seen = c.unprotect_command(&CommandApdu::parse(&wire).unwrap()).unwrap();
    assert_eq!(&seen, cmd);
    let wire_resp = c.protect_response(answer).unwrap();
    let got = t.unprotect(&ResponseApdu::parse(&wire_resp.to_bytes()).unwrap()).unwrap();
    (protected, wire_resp, got)
}

#[test]
fn round_trips_short_and_extended_for_every_cipher() {
    for cipher in ALL {
        let (mut t, mut c) = pair(cipher);
        // Case 3: SELECT, no Le; the protected command still carries Le 00.
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        let (p, _, r) = exchange(&mut t, &mut c, &select, &ResponseApdu::status(StatusWord::Ok));
        assert_eq!(p.le, Some(256));
        assert!(!p.is_extended());
        assert_eq!((r.sw, r.data.len()), (StatusWord::Ok, 0));

        // Short Le.
        let rb = CommandApdu::new(0x00, 0xB0, 0x00, 0x04).with_le(0xDF);
        let data: Vec<u8> = (0..0xDF).map(|i| i as u8).collect();
        let (p, _, r) =
            exchange(&mut t, &mut c, &rb, &ResponseApdu::new(data.clone(), StatusWord::Ok));
        assert!(!p.is_extended());
        assert_eq!(r.data, data);

        // Le 256 (00) still short.
        let rb = CommandApdu::new(0x00, 0xB0, 0x01, 0x00).with_le(256);
        let (p, _, r) =
            exchange(&mut t, &mut c, &rb, &ResponseApdu::new(vec![1; 256], StatusWord::Ok));
        assert!(!p.is_extended());
        assert_eq!(r.data, vec![1; 256]);

        // Extended Le: DO'97' has two bytes; the protected command asks for 0000.
        for le in [1000usize, 65_536] {
            let rb = CommandApdu::new(0x00, 0xB0, 0x02, 0x00).with_le(le);
            let body = vec![0x5A; le.min(4000)];
            let (p, wire, r) =
                exchange(&mut t, &mut c, &rb, &ResponseApdu::new(body.clone(), StatusWord::Ok));
            assert!(p.is_extended());
            assert_eq!(p.le, Some(65_536));
            assert_eq!(&p.data[..2], &[0x97, 0x02]);
            assert_eq!(wire.data[0], 0x87);
            assert_eq!(r.data, body);
        }

        // Long command data forces an extended Lc.
        let put = CommandApdu::new(0x00, 0xDA, 0x01, 0x02).with_data(vec![3; 300]);
        let (p, _, _) = exchange(&mut t, &mut c, &put, &ResponseApdu::status(StatusWord::Ok));
        assert!(p.is_extended());

        // A protected error status keeps the session open.
        let sel = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x99]);
        let (_, _, r) =
            exchange(&mut t, &mut c, &sel, &ResponseApdu::status(StatusWord::FileNotFound));
        assert_eq!(r.sw, StatusWord::FileNotFound);
        assert!(!t.is_closed() && !c.is_closed());
        assert_eq!(t.cipher(), cipher);
    }
}

#[test]
fn odd_ins_uses_do85_both_ways() {
    for cipher in ALL {
        let (mut t, mut c) = pair(cipher);
        // READ BINARY B1 with the offset in DO'54' (offset 0x8000).
        let rb = CommandApdu::new(0x00, 0xB1, 0x00, 0x02)
            .with_data(tlv::tlv(0x54, &[0x80, 0x00]))
            .with_le(0xE0);
        let reply = tlv::tlv(0x53, &[0x42; 0xDC]);
        let (p, wire, r) =
            exchange(&mut t, &mut c, &rb, &ResponseApdu::new(reply.clone(), StatusWord::Ok));
        assert_eq!(p.data[0], 0x85, "{cipher}: command cryptogram must be DO'85'");
        assert_eq!(wire.data[0], 0x85, "{cipher}: response cryptogram must be DO'85'");
        assert_eq!(r.data, reply);
        // The next even-INS exchange goes back to DO'87'.
        let rb = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(4);
        let (_, wire, _) =
            exchange(&mut t, &mut c, &rb, &ResponseApdu::new(vec![9; 4], StatusWord::Ok));
        assert_eq!(wire.data[0], 0x87);
    }
}

#[test]
fn wrong_mac_is_rejected_and_closes_the_session() {
    for cipher in ALL {
        let (mut t, mut c) = pair(cipher);
        let rb = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(4);
        let p = t.protect(&rb).unwrap();
        c.unprotect_command(&p).unwrap();
        c.corrupt_next_mac();
        let resp =
            c.protect_response(&ResponseApdu::new(vec![1, 2, 3, 4], StatusWord::Ok)).unwrap();
        assert!(matches!(t.unprotect(&resp), Err(SmError::MacMismatch)), "{cipher}");
        assert!(t.is_closed());
        assert!(matches!(t.protect(&rb), Err(SmError::Closed)));
        assert!(matches!(t.unprotect(&resp), Err(SmError::Closed)));
        // Only the next MAC is corrupted: the chip's following response is sound again.
        let (mut t, mut c) = pair(cipher);
        c.corrupt_next_mac();
        let p = t.protect(&rb).unwrap();
        c.unprotect_command(&p).unwrap();
        let bad = c.protect_response(&ResponseApdu::status(StatusWord::Ok)).unwrap();
        t.protect(&rb).unwrap(); // stands for the skipped response's counter step
        let p = t.protect(&rb).unwrap();
        c.unprotect_command(&p).unwrap();
        let good = c.protect_response(&ResponseApdu::new(vec![7; 4], StatusWord::Ok)).unwrap();
        let (mut t2, _) = pair(cipher);
        t2.protect(&rb).unwrap();
        assert!(matches!(t2.unprotect(&bad), Err(SmError::MacMismatch)));
        // A terminal whose counter skips the bad response (three protects: SSC + 3)
        // accepts the good one (SSC + 4).
        let (mut t3, _) = pair(cipher);
        for _ in 0..3 {
            t3.protect(&rb).unwrap();
        }
        assert_eq!(t3.unprotect(&good).unwrap().data, vec![7; 4]);
    }
}

#[test]
fn response_without_do99_is_accepted_only_when_its_mac_covers_data() {
    for cipher in ALL {
        let (mut t, mut c) = pair(cipher);
        c.set_omit_do99(true);
        let rb = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(4);
        let (_, wire, r) =
            exchange(&mut t, &mut c, &rb, &ResponseApdu::new(vec![1, 2, 3, 4], StatusWord::Ok));
        // DO'87' (tag, length, indicator, one block) then DO'8E', nothing else.
        assert_eq!(wire.data.len(), 3 + cipher.block_size() + 10);
        assert_eq!(wire.data[0], 0x87);
        assert_eq!((r.data.as_slice(), r.sw), (&[1u8, 2, 3, 4][..], StatusWord::Ok));
        // No data and no DO'99': only DO'8E' over the SSC. The outer SW is not covered by
        // anything, so even a MAC that verifies cannot vouch for it: a chip's refusal
        // (6A82) with its outer status word rewritten to 9000 must not read as success.
        let sel = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        let p = t.protect(&sel).unwrap();
        c.unprotect_command(&p).unwrap();
        let refused = c.protect_response(&ResponseApdu::status(StatusWord::FileNotFound)).unwrap();
        assert_eq!(refused.data.len(), 10, "DO'8E' only");
        let forged = ResponseApdu::new(refused.data.clone(), StatusWord::Ok);
        assert!(matches!(t.unprotect(&forged), Err(SmError::MissingStatus)), "{cipher}");
        assert!(t.is_closed());

        // Removing DO'99' from a response whose MAC covered it is a MAC failure.
        let (mut t, mut c) = pair(cipher);
        let p = t.protect(&sel).unwrap();
        c.unprotect_command(&p).unwrap();
        let full = c.protect_response(&ResponseApdu::status(StatusWord::Ok)).unwrap();
        assert_eq!(&full.data[..4], &[0x99, 0x02, 0x90, 0x00]);
        let stripped = ResponseApdu::new(full.data[4..].to_vec(), StatusWord::Ok);
        assert!(matches!(t.unprotect(&stripped), Err(SmError::MacMismatch)), "{cipher}");
        assert!(t.is_closed());
    }
}

#[test]
fn plain_status_words_end_the_session() {
    let (mut t, _) = pair(Cipher::TripleDes);
    t.protect(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([1, 2])).unwrap();
    let err = t.unprotect(&ResponseApdu::status(StatusWord::FileNotFound)).unwrap_err();
    assert!(matches!(err, SmError::Unprotected(StatusWord::FileNotFound)));
    assert!(t.is_closed());
    let (mut t, _) = pair(Cipher::Aes128);
    assert!(matches!(t.unprotect(&ResponseApdu::status(StatusWord::Ok)), Err(SmError::MissingMac)));
    let (mut t, _) = pair(Cipher::Aes128);
    let sm_err = ResponseApdu::status(StatusWord::SmObjectsIncorrect);
    assert!(matches!(
        t.unprotect(&sm_err),
        Err(SmError::Unprotected(StatusWord::SmObjectsIncorrect))
    ));
}

#[test]
fn counter_only_advances_for_commands_that_were_built() {
    let (mut t, mut c) = pair(Cipher::Aes128);
    let too_long = CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![0; 65_530]);
    assert!(matches!(t.protect(&too_long), Err(SmError::Apdu(_))));
    assert!(!t.is_closed());
    let (_, _, r) = exchange(
        &mut t,
        &mut c,
        &CommandApdu::new(0, 0xB0, 0, 0).with_le(2),
        &ResponseApdu::new(vec![5, 6], StatusWord::Ok),
    );
    assert_eq!(r.data, [5, 6]);
}

#[test]
fn lengths_are_checked_and_debug_redacts_keys() {
    assert!(matches!(
        SmSession::new(Cipher::Aes256, &[1; 16], &[1; 32], &[0; 16]),
        Err(SmError::Length { what: "K_enc", expected: 32, got: 16, .. })
    ));
    assert!(SmSession::new(Cipher::TripleDes, &[1; 16], &[1; 16], &[0; 16]).is_err());
    assert!(ChipSmSession::new(Cipher::Aes128, &[1; 16], &[1; 15], &[0; 16]).is_err());
    let key = [0xC3u8; 16];
    let s = SmSession::new(Cipher::Aes128, &key, &key, &[0; 16]).unwrap();
    let c = ChipSmSession::new(Cipher::Aes128, &key, &key, &[0; 16]).unwrap();
    for dbg in [format!("{s:?}"), format!("{c:?}")] {
        assert!(dbg.contains("REDACTED"));
        assert!(!dbg.to_uppercase().contains("C3C3"));
        assert!(!dbg.contains("195"));
    }
}

#[test]
fn protected_len_matches_real_responses_and_short_limits() {
    for cipher in ALL {
        let (mut t, mut c) = pair(cipher);
        for n in [0usize, 1, 7, 8, 15, 16, 100, 223, 231, 239, 1000] {
            let rb = CommandApdu::new(0, 0xB0, 0, 0).with_le(n.max(1));
            let (_, wire, _) =
                exchange(&mut t, &mut c, &rb, &ResponseApdu::new(vec![0; n], StatusWord::Ok));
            assert_eq!(wire.data.len(), cipher.protected_len(n), "{cipher} {n}");
        }
    }
    // The largest plain chunk whose protected response fits 256 bytes.
    assert!(Cipher::TripleDes.protected_len(231) <= 256);
    assert!(Cipher::TripleDes.protected_len(232) > 256);
    assert_eq!(Cipher::TripleDes.max_short_chunk(), 231);
    assert_eq!(Cipher::Aes128.max_short_chunk(), 223);
    assert!(Cipher::Aes128.protected_len(223) <= 256);
    assert!(Cipher::Aes128.protected_len(224) > 256);
}
