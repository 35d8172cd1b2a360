//! Tests of secure messaging: ICAO 9303 Part 11 Appendix D.4 byte for byte (both sides),
//! terminal↔chip round trips for every cipher, failure handling and hostile input.

use super::dos::{MessageKeys, TAG_MAC};
use super::*;
use crate::card::CardChannel;
use crate::card::mock::ScriptedCard;
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

const ALL: [Cipher; 4] = [Cipher::TripleDes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256];

fn pair(cipher: Cipher) -> (SmSession, ChipSmSession) {
    let k_enc: Vec<u8> = (0..cipher.key_len() as u8).map(|i| i.wrapping_mul(7)).collect();
    let k_mac: Vec<u8> = (0..cipher.key_len() as u8).map(|i| i ^ 0xA5).collect();
    let mut ssc = vec![0u8; cipher.ssc_len()];
    // Start just below a byte boundary so the carry is exercised.
    if let Some(last) = ssc.last_mut() {
        *last = 0xFE;
    }
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
fn exchange(
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
fn response_without_do99_is_accepted_only_when_its_mac_verifies() {
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
        // No data and no DO'99': only DO'8E' over the SSC; the outer SW is taken.
        let sel = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        let (_, wire, r) = exchange(&mut t, &mut c, &sel, &ResponseApdu::status(StatusWord::Ok));
        assert_eq!(wire.data.len(), 10);
        assert_eq!(r.sw, StatusWord::Ok);

        // Removing DO'99' from a response whose MAC covered it is a MAC failure.
        c.set_omit_do99(false);
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

/// A card that runs a [`ChipSmSession`] and answers READ BINARY from a buffer, optionally
/// delivering long protected responses in 61xx pieces.
struct SmChip {
    session: ChipSmSession,
    file: Vec<u8>,
    chunk: Option<usize>,
    pending: Vec<u8>,
    transmits: usize,
}

impl CardChannel for SmChip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::card::CardError> {
        self.transmits += 1;
        let cmd = CommandApdu::parse(command)?;
        if cmd.ins == 0xC0 {
            let n = cmd.le.unwrap_or(256).min(self.pending.len());
            let mut out: Vec<u8> = self.pending.drain(..n).collect();
            let sw = if self.pending.is_empty() {
                StatusWord::Ok
            } else {
                StatusWord::BytesAvailable(self.pending.len().min(255) as u8)
            };
            out.extend_from_slice(&sw.to_bytes());
            return Ok(out);
        }
        let plain = match self.session.unprotect_command(&cmd) {
            Ok(p) => p,
            Err(e) => return Ok(e.chip_status().to_bytes().to_vec()),
        };
        let answer = match plain.ins {
            0xB0 => {
                let off = usize::from(u16::from_be_bytes([plain.p1, plain.p2]));
                let end = (off + plain.le.unwrap_or(0)).min(self.file.len());
                ResponseApdu::new(self.file[off.min(end)..end].to_vec(), StatusWord::Ok)
            }
            0xA4 if plain.data == [0x01, 0x1E] => ResponseApdu::status(StatusWord::Ok),
            0xA4 if plain.data == [0x01, 0x77] => ResponseApdu::status(StatusWord::FileNotFound),
            0xA4 => return Ok(StatusWord::FileNotFound.to_bytes().to_vec()),
            _ => ResponseApdu::status(StatusWord::InsNotSupported),
        };
        let protected = self.session.protect_response(&answer).unwrap().to_bytes();
        match self.chunk {
            Some(n) if protected.len() > n + 2 => {
                let (body, _) = protected.split_at(protected.len() - 2);
                let mut out = body[..n].to_vec();
                self.pending = body[n..].to_vec();
                out.extend_from_slice(
                    &StatusWord::BytesAvailable(self.pending.len().min(255) as u8).to_bytes(),
                );
                Ok(out)
            }
            _ => Ok(protected),
        }
    }
}

fn channel(cipher: Cipher, chunk: Option<usize>) -> SecureChannel<SmChip> {
    let (t, c) = pair(cipher);
    let file: Vec<u8> = (0..3000u32).map(|i| (i * 31 % 251) as u8).collect();
    SecureChannel::new(SmChip { session: c, file, chunk, pending: Vec::new(), transmits: 0 }, t)
}

#[test]
fn secure_channel_reads_and_follows_get_response() {
    for cipher in ALL {
        for chunk in [None, Some(64)] {
            let mut ch = channel(cipher, chunk);
            assert_eq!(ch.cipher(), cipher);
            let sel = ch.send(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([0x01, 0x1E])).unwrap();
            assert!(sel.sw.is_ok());
            let r = ch.send(&CommandApdu::new(0, 0xB0, 0, 0x10).with_le(200)).unwrap();
            assert_eq!(r.data, ch.card_mut().file[0x10..0x10 + 200]);
            let r = ch.send(&CommandApdu::new(0, 0xB0, 0, 0).with_le(2500)).unwrap();
            assert_eq!(r.data, ch.card_mut().file[..2500]);
            // A protected 6A82 keeps the channel open ...
            let r = ch.send(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([0x01, 0x77])).unwrap();
            assert_eq!(r.sw, StatusWord::FileNotFound);
            assert!(ch.is_open());
            // ... a plain one ends it.
            let r = ch.send(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([0x01, 0x78]));
            assert!(matches!(r, Err(SmError::Unprotected(StatusWord::FileNotFound))));
            assert!(!ch.is_open());
            assert!(ch.into_card().transmits >= 5);
        }
    }
}

#[test]
fn secure_channel_closes_on_wrong_mac_and_refuses_further_sends() {
    let mut ch = channel(Cipher::Aes256, None);
    ch.card_mut().session.corrupt_next_mac();
    let r = ch.send(&CommandApdu::new(0, 0xB0, 0, 0).with_le(8));
    assert!(matches!(r, Err(SmError::MacMismatch)));
    assert!(!ch.is_open());
    let before = ch.card_mut().transmits;
    assert!(matches!(ch.send(&CommandApdu::new(0, 0xB0, 0, 0).with_le(8)), Err(SmError::Closed)));
    assert_eq!(ch.card_mut().transmits, before, "a closed channel must not transmit");
}

#[test]
fn secure_channel_closes_on_plain_error_and_transport_error() {
    // A chip answering 6A82 unprotected.
    let (t, _) = pair(Cipher::TripleDes);
    let mut t_clone_src = pair(Cipher::TripleDes).0;
    let expected_cmd =
        t_clone_src.protect(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([0x01, 0x1E])).unwrap();
    let card = ScriptedCard::new(vec![(expected_cmd.encode().unwrap(), vec![0x6A, 0x82])]);
    let mut ch = SecureChannel::new(card, t);
    let r = ch.send(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([0x01, 0x1E]));
    assert!(matches!(r, Err(SmError::Unprotected(StatusWord::FileNotFound))));
    assert!(!ch.is_open());
    assert!(matches!(ch.send(&CommandApdu::new(0, 0xB0, 0, 0).with_le(1)), Err(SmError::Closed)));

    // The card went away: transport error, channel closed.
    let (t, _) = pair(Cipher::Aes128);
    let mut ch = SecureChannel::new(ScriptedCard::new(vec![]), t);
    assert!(matches!(ch.send(&CommandApdu::new(0, 0xB0, 0, 0).with_le(1)), Err(SmError::Card(_))));
    assert!(!ch.is_open());
}

#[test]
fn chip_rejects_plain_and_tampered_commands() {
    let (mut t, mut c) = pair(Cipher::TripleDes);
    let err = c.unprotect_command(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)).unwrap_err();
    assert_eq!(err.chip_status(), StatusWord::SmObjectsMissing);
    assert!(c.is_closed());
    assert!(matches!(
        c.protect_response(&ResponseApdu::status(StatusWord::Ok)),
        Err(SmError::Closed)
    ));

    for cipher in ALL {
        let (mut t2, mut c2) = pair(cipher);
        let mut p = t2.protect(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([1, 0x1E])).unwrap();
        p.data[4] ^= 0x10; // inside the cryptogram
        let err = c2.unprotect_command(&p).unwrap_err();
        assert!(matches!(err, SmError::MacMismatch), "{cipher}");
        assert_eq!(err.chip_status(), StatusWord::SmObjectsIncorrect);
        // A changed header is covered by the MAC too.
        let (mut t3, mut c3) = pair(cipher);
        let mut p = t3.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)).unwrap();
        p.p2 = 0x20;
        assert!(matches!(c3.unprotect_command(&p), Err(SmError::MacMismatch)));
    }
    let _ = t.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(1)).unwrap();
}

/// Builds a response with a valid MAC around arbitrary objects.
fn forged(cipher: Cipher, objects: &[u8]) -> (SmSession, ResponseApdu) {
    let (mut t, c) = pair(cipher);
    drop(c);
    t.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)).unwrap();
    // The terminal's SSC after the command is initial+1; the response uses initial+2.
    let mut ssc = vec![0u8; cipher.ssc_len()];
    if let Some(last) = ssc.last_mut() {
        *last = 0xFE;
    }
    increment(&mut ssc);
    increment(&mut ssc);
    let (k_enc, k_mac): (Vec<u8>, Vec<u8>) = (
        (0..cipher.key_len() as u8).map(|i| i.wrapping_mul(7)).collect(),
        (0..cipher.key_len() as u8).map(|i| i ^ 0xA5).collect(),
    );
    let keys = MessageKeys { cipher, k_enc: &k_enc, k_mac: &k_mac, ssc: &ssc };
    let mac = keys.mac(None, objects).unwrap();
    let mut body = objects.to_vec();
    tlv::encode(TAG_MAC, &mac, &mut body);
    (t, ResponseApdu::new(body, StatusWord::Ok))
}

#[test]
fn well_macced_but_malformed_responses_are_rejected() {
    for cipher in ALL {
        let bs = cipher.block_size();
        // Sanity: the forging helper produces acceptable responses.
        let (mut t, r) = forged(cipher, &tlv::tlv(0x99, &[0x90, 0x00]));
        assert!(t.unprotect(&r).is_ok());
        // DO'87' with padding indicator 02.
        let mut v = vec![0x02];
        v.extend(vec![0u8; bs]);
        let (mut t, r) = forged(cipher, &[tlv::tlv(0x87, &v), tlv::tlv(0x99, &[0x90, 0])].concat());
        assert!(matches!(t.unprotect(&r), Err(SmError::BadObject(_))), "{cipher}");
        // Cryptogram not a whole number of blocks.
        let mut v = vec![0x01];
        v.extend(vec![0u8; bs + 3]);
        let (mut t, r) = forged(cipher, &[tlv::tlv(0x87, &v), tlv::tlv(0x99, &[0x90, 0])].concat());
        assert!(matches!(t.unprotect(&r), Err(SmError::BadObject(_))));
        // Plaintext without method-2 padding (all-zero block decrypts to garbage).
        let mut v = vec![0x01];
        let ssc = {
            let mut s = vec![0u8; cipher.ssc_len()];
            if let Some(l) = s.last_mut() {
                *l = 0xFE;
            }
            increment(&mut s);
            increment(&mut s);
            s
        };
        let k_enc: Vec<u8> = (0..cipher.key_len() as u8).map(|i| i.wrapping_mul(7)).collect();
        let iv = crypto::sm_iv(cipher, &k_enc, &ssc).unwrap();
        v.extend(crypto::cbc_encrypt(cipher, &k_enc, &iv, &vec![0x41; bs]).unwrap());
        let (mut t, r) = forged(cipher, &[tlv::tlv(0x87, &v), tlv::tlv(0x99, &[0x90, 0])].concat());
        assert!(matches!(t.unprotect(&r), Err(SmError::BadPadding)), "{cipher}");
        // DO'99' of the wrong size; unknown object; status before data.
        let (mut t, r) = forged(cipher, &tlv::tlv(0x99, &[0x90]));
        assert!(matches!(t.unprotect(&r), Err(SmError::BadObject(_))));
        let (mut t, r) = forged(cipher, &tlv::tlv(0x53, &[1]));
        assert!(matches!(t.unprotect(&r), Err(SmError::BadObject(_))));
        let mut v = vec![0x01];
        v.extend(vec![0u8; bs]);
        let (mut t, r) = forged(cipher, &[tlv::tlv(0x99, &[0x90, 0]), tlv::tlv(0x87, &v)].concat());
        assert!(matches!(t.unprotect(&r), Err(SmError::BadObject(_))));
        assert!(t.is_closed());
    }
}

#[test]
fn trailing_bytes_missing_mac_and_short_mac_are_rejected() {
    let (mut t, r) = forged(Cipher::Aes128, &tlv::tlv(0x99, &[0x90, 0x00]));
    let mut data = r.data.clone();
    data.push(0x00);
    assert!(matches!(t.unprotect(&ResponseApdu::new(data, StatusWord::Ok)), Err(SmError::Tlv(_))));
    let (mut t, _) = forged(Cipher::Aes128, &[]);
    let only99 = ResponseApdu::new(tlv::tlv(0x99, &[0x90, 0x00]), StatusWord::Ok);
    assert!(matches!(t.unprotect(&only99), Err(SmError::MissingMac)));
    let (mut t, _) = forged(Cipher::Aes128, &[]);
    let short = ResponseApdu::new(
        [tlv::tlv(0x99, &[0x90, 0]), tlv::tlv(0x8E, &[0; 4])].concat(),
        StatusWord::Ok,
    );
    assert!(matches!(t.unprotect(&short), Err(SmError::BadObject(_))));
}

#[test]
fn every_truncation_and_bit_flip_of_a_response_is_an_error_not_a_panic() {
    for cipher in [Cipher::TripleDes, Cipher::Aes128] {
        let (mut t, mut c) = pair(cipher);
        let rb = CommandApdu::new(0, 0xB0, 0, 0).with_le(40);
        let p = t.protect(&rb).unwrap();
        c.unprotect_command(&p).unwrap();
        let good = c
            .protect_response(&ResponseApdu::new(vec![0x33; 40], StatusWord::Ok))
            .unwrap()
            .to_bytes();
        let fresh = |t: &SmSession| -> SmSession {
            let _ = t;
            let (mut t, _) = pair(cipher);
            t.protect(&rb).unwrap();
            t
        };
        for cut in 0..good.len() - 1 {
            let mut s = fresh(&t);
            let r = ResponseApdu::parse(&good[..cut.max(2)]).unwrap();
            assert!(s.unprotect(&r).is_err(), "cut {cut}");
        }
        for i in 0..good.len() - 2 {
            for bit in [0x01u8, 0x80] {
                let mut bytes = good.clone();
                bytes[i] ^= bit;
                let mut s = fresh(&t);
                assert!(s.unprotect(&ResponseApdu::parse(&bytes).unwrap()).is_err(), "flip {i}");
            }
        }
        assert!(t.unprotect(&ResponseApdu::parse(&good).unwrap()).is_ok());
    }
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
