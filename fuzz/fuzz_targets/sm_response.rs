//! Secure-messaging responses (ICAO 9303 Part 11 §9.8) unwrapped by a terminal session with
//! fixed keys. The first byte picks the cipher and how the rest is used:
//! raw response APDUs; data objects the harness MACs correctly (so the parser behind the MAC
//! check is reached); a plaintext the harness encrypts and MACs without padding it (so
//! the padding check sees any plaintext); and a chip-side protect → terminal unprotect
//! round trip that must give back the plain response.
#![no_main]

use enrol_kiosk::iso7816::tlv;
use enrol_kiosk::iso7816::{ResponseApdu, StatusWord};
use enrol_kiosk::sm::{ChipSmSession, Cipher, SmError, SmSession, crypto};
use libfuzzer_sys::fuzz_target;

const CIPHERS: [Cipher; 4] = [Cipher::TripleDes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256];

struct Keys {
    cipher: Cipher,
    k_enc: Vec<u8>,
    k_mac: Vec<u8>,
    ssc: Vec<u8>,
}

impl Keys {
    fn new(cipher: Cipher) -> Keys {
        let n = cipher.key_len();
        Keys {
            cipher,
            k_enc: (0..n).map(|i| 0x40 ^ i as u8).collect(),
            k_mac: (0..n).map(|i| 0x80 ^ i as u8).collect(),
            // Ends in FF so the first increment carries.
            ssc: (0..cipher.ssc_len())
                .map(|i| if i + 1 == cipher.ssc_len() { 0xFF } else { 0x0A })
                .collect(),
        }
    }

    fn terminal(&self) -> SmSession {
        SmSession::new(self.cipher, &self.k_enc, &self.k_mac, &self.ssc).expect("fixed keys fit")
    }

    /// The counter the first response is protected under.
    fn first_ssc(&self) -> Vec<u8> {
        let mut ssc = self.ssc.clone();
        for b in ssc.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        ssc
    }

    /// Appends the DO'8E' a genuine chip would send over `objects`.
    fn seal(&self, mut objects: Vec<u8>) -> Vec<u8> {
        let mut input = self.first_ssc();
        input.extend_from_slice(&objects);
        let padded = crypto::pad(&input, self.cipher.block_size());
        let mac = crypto::mac(self.cipher, &self.k_mac, &padded).expect("whole blocks");
        tlv::encode(0x8E, &mac, &mut objects);
        objects
    }
}

fn check_closed_after(session: &mut SmSession, result: &Result<ResponseApdu, SmError>) {
    if result.is_err() {
        assert!(session.is_closed(), "a failed unwrap ends the session");
        let again = session
            .unprotect(&ResponseApdu::new(vec![0x8E, 0x00], StatusWord::from_bytes(0x90, 0)));
        assert!(matches!(again, Err(SmError::Closed)), "a closed session stays closed");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let keys = Keys::new(CIPHERS[usize::from(mode & 3)]);
    let mut session = keys.terminal();
    match (mode >> 2) & 3 {
        0 => {
            if let Ok(resp) = ResponseApdu::parse(rest) {
                let out = session.unprotect(&resp);
                check_closed_after(&mut session, &out);
            }
        }
        1 => {
            let resp = ResponseApdu::new(keys.seal(rest.to_vec()), StatusWord::from_bytes(0x90, 0));
            let out = session.unprotect(&resp);
            check_closed_after(&mut session, &out);
        }
        2 => {
            let [sw1, sw2, flags, plain @ ..] = rest else { return };
            let bs = keys.cipher.block_size();
            let plain = &plain[..plain.len() / bs * bs];
            if plain.is_empty() {
                return;
            }
            let ssc = keys.first_ssc();
            let iv = crypto::sm_iv(keys.cipher, &keys.k_enc, &ssc).expect("fixed keys fit");
            let ct =
                crypto::cbc_encrypt(keys.cipher, &keys.k_enc, &iv, plain).expect("whole blocks");
            let mut objects = Vec::new();
            if flags & 1 == 1 {
                tlv::encode(0x85, &ct, &mut objects);
            } else {
                tlv::encode(0x87, &[&[0x01][..], &ct].concat(), &mut objects);
            }
            if flags & 2 == 0 {
                tlv::encode(0x99, &[*sw1, *sw2], &mut objects);
            }
            let resp = ResponseApdu::new(keys.seal(objects), StatusWord::from_bytes(0x90, 0));
            let out = session.unprotect(&resp);
            if let Ok(r) = &out {
                assert!(r.data.len() < plain.len(), "padding always removes at least one byte");
            }
            check_closed_after(&mut session, &out);
        }
        _ => {
            let [sw1, sw2, flags, plain @ ..] = rest else { return };
            let mut chip = ChipSmSession::new(keys.cipher, &keys.k_enc, &keys.k_mac, &keys.ssc)
                .expect("fixed keys fit");
            let omit = flags & 1 == 1;
            chip.set_omit_do99(omit);
            let sw = StatusWord::from_bytes(*sw1, *sw2);
            let plain_resp = ResponseApdu::new(plain.to_vec(), sw);
            let protected = chip.protect_response(&plain_resp).expect("the chip side protects");
            match session.unprotect(&protected) {
                Ok(back) => {
                    assert_eq!(back.data, plain_resp.data);
                    assert_eq!(back.sw, plain_resp.sw);
                }
                Err(e) => assert!(omit, "a genuine response with DO'99' unwraps: {e}"),
            }
        }
    }
});
