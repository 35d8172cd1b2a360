//! Hostile-input tests of secure messaging: tampered commands on the chip side, responses
//! with a valid MAC but malformed objects, and every truncation and bit flip of a response.

use super::dos::{MessageKeys, TAG_MAC};
use super::tests::{ALL, pair, test_keys};
use super::*;
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

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

/// Keys and the SSC a response to the first command uses (initial + 2).
fn response_keys(cipher: Cipher) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (k_enc, k_mac, mut ssc) = test_keys(cipher);
    increment(&mut ssc);
    increment(&mut ssc);
    (k_enc, k_mac, ssc)
}

/// Builds a response with a valid MAC around arbitrary objects.
fn forged(cipher: Cipher, objects: &[u8]) -> (SmSession, ResponseApdu) {
    let (mut t, _) = pair(cipher);
    t.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)).unwrap();
    let (k_enc, k_mac, ssc) = response_keys(cipher);
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
        let (k_enc, _, ssc) = response_keys(cipher);
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
        // A terminal in the state `t` was in before the response arrived.
        let fresh = || {
            let (mut s, _) = pair(cipher);
            s.protect(&rb).unwrap();
            s
        };
        for cut in 0..good.len() - 1 {
            let mut s = fresh();
            let r = ResponseApdu::parse(&good[..cut.max(2)]).unwrap();
            assert!(s.unprotect(&r).is_err(), "cut {cut}");
        }
        for i in 0..good.len() - 2 {
            for bit in [0x01u8, 0x80] {
                let mut bytes = good.clone();
                bytes[i] ^= bit;
                let mut s = fresh();
                assert!(s.unprotect(&ResponseApdu::parse(&bytes).unwrap()).is_err(), "flip {i}");
            }
        }
        assert!(t.unprotect(&ResponseApdu::parse(&good).unwrap()).is_ok());
    }
}
