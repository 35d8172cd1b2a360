//! Tests of [`SecureChannel`]: reading through a simulated secure-messaging chip, 61xx
//! chaining, and closing for good on a wrong MAC, a plain status word or a transport error.

use super::tests::{ALL, pair};
use super::*;
use crate::card::CardChannel;
use crate::card::mock::ScriptedCard;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

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

/// A card that answers every command with 6100 and no data.
struct Endless(usize);

impl CardChannel for Endless {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, crate::card::CardError> {
        self.0 += 1;
        Ok(vec![0x61, 0x00])
    }
}

#[test]
fn endless_61xx_chaining_is_cut_off_and_closes_the_channel() {
    let (t, _) = pair(Cipher::Aes128);
    let mut ch = SecureChannel::new(Endless(0), t);
    let r = ch.send(&CommandApdu::new(0, 0xB0, 0, 0).with_le(8));
    assert!(matches!(r, Err(SmError::EndlessChaining(_))), "{r:?}");
    assert!(!ch.is_open());
    assert_eq!(ch.into_card().0, 1025);
}
