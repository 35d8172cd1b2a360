//! Chip Authentication v1, chip side (ICAO 9303 Part 11 §6.2) for the simulator: the key of
//! EF.DG14 with the private key of the profile's `chip-ca.key` (or another one for the
//! `ca_clone` fault), MSE:Set KAT (3DES; refused with the `ca_refuse_kat` fault), MSE:Set AT
//! and GENERAL AUTHENTICATE; the new secure-messaging keys start after the answer.

use super::behaviour::Behaviour;
use super::profile::Profile;
use crate::authentication::chip::{self as ca, CaKey, Offer};
use crate::iso7816::tlv::{self, Reader};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::card_access::PaceCipher;
use crate::sm::ChipSmSession;
use rand::rngs::StdRng;
use zeroize::Zeroizing;

/// 6A80: incorrect data.
const WRONG_DATA: StatusWord = StatusWord::Other(0x6A80);
/// 6A88: referenced data (the key) not found.
const NO_KEY: StatusWord = StatusWord::Other(0x6A88);

/// What a Chip Authentication command got.
pub(super) enum CaAnswer {
    /// An answer in the current session.
    Status(StatusWord),
    /// The answer, and the session that starts after it.
    Switch(ResponseApdu, ChipSmSession),
}

/// The chip's Chip Authentication state.
pub(super) struct CaChip {
    key: CaKey,
    /// The private key the chip holds (`None`: the profile has no `chip-ca.key`).
    private: Option<Zeroizing<Vec<u8>>>,
    refuse_kat: bool,
    /// MSE:Set AT selected Chip Authentication; GENERAL AUTHENTICATE may follow.
    at_set: bool,
}

impl CaChip {
    /// Chip Authentication when the profile's DG14 offers a key this code runs.
    pub(super) fn new(
        profile: &Profile,
        behaviour: &Behaviour,
        rng: &mut StdRng,
    ) -> Option<CaChip> {
        let dg14 = crate::lds::dg14::parse(profile.file("EF.DG14")?).ok()?;
        let Offer::Key(key) = ca::choose(&dg14) else { return None };
        let private = if behaviour.ca_clone {
            // A clone copied DG14 (and its signature) but not the chip's private key.
            Some(key.key.random_secret(rng))
        } else {
            profile.chip_ca_key.clone()
        };
        Some(CaChip { key, private, refuse_kat: behaviour.ca_refuse_kat, at_set: false })
    }

    /// Power cycle or a new session: forget MSE:Set AT.
    pub(super) fn reset(&mut self) {
        self.at_set = false;
    }

    /// MSE:Set KAT (0022 41A6), MSE:Set AT (0022 41A4) or GENERAL AUTHENTICATE (0086 0000).
    pub(super) fn command(&mut self, cmd: &CommandApdu) -> CaAnswer {
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0x22, 0x41, 0xA6) => {
                self.at_set = false;
                if self.refuse_kat || self.key.protocol.cipher != PaceCipher::TripleDes {
                    return CaAnswer::Status(StatusWord::IncorrectP1P2);
                }
                let Some((public, key_ref)) = objects(&cmd.data, 0x91) else {
                    return CaAnswer::Status(WRONG_DATA);
                };
                if !self.key_matches(key_ref) {
                    return CaAnswer::Status(NO_KEY);
                }
                self.agree(&public, Vec::new())
            }
            (0x22, 0x41, 0xA4) => {
                self.at_set = false;
                let Some((oid, key_ref)) = objects(&cmd.data, 0x80) else {
                    return CaAnswer::Status(WRONG_DATA);
                };
                if oid != self.key.protocol.oid() {
                    return CaAnswer::Status(WRONG_DATA);
                }
                if !self.key_matches(key_ref) {
                    return CaAnswer::Status(NO_KEY);
                }
                self.at_set = true;
                CaAnswer::Status(StatusWord::Ok)
            }
            (0x86, 0x00, 0x00) if self.at_set => {
                self.at_set = false;
                let mut r = Reader::new(&cmd.data);
                let public =
                    r.expect(0x7C).ok().filter(|_| r.is_empty()).and_then(|d| {
                        Reader::nested(&d).expect(0x80).ok().map(|t| t.value.to_vec())
                    });
                match public {
                    Some(public) => self.agree(&public, tlv::tlv(0x7C, &[])),
                    None => CaAnswer::Status(WRONG_DATA),
                }
            }
            (0x86, _, _) => CaAnswer::Status(StatusWord::ConditionsNotSatisfied),
            _ => CaAnswer::Status(StatusWord::IncorrectP1P2),
        }
    }

    /// DO'84' absent, or naming this chip's key.
    fn key_matches(&self, key_ref: Option<Vec<u8>>) -> bool {
        match key_ref {
            None => true,
            Some(r) if r.len() <= 8 => {
                let id = r.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
                self.key.key_id.is_none_or(|k| k == id)
            }
            Some(_) => false,
        }
    }

    /// K from the terminal's ephemeral public key; the new session (SSC 0) after `answer`.
    fn agree(&mut self, public: &[u8], answer: Vec<u8>) -> CaAnswer {
        let Some(private) = &self.private else { return CaAnswer::Status(NO_KEY) };
        let Ok(k) = self.key.key.agree(private, public) else {
            return CaAnswer::Status(WRONG_DATA);
        };
        let cipher = crate::access::pace::cipher(self.key.protocol.cipher);
        let (enc, mac) = ca::session_keys(&k, cipher);
        match ChipSmSession::new(cipher, &enc, &mac, &vec![0; cipher.ssc_len()]) {
            Ok(session) => CaAnswer::Switch(ResponseApdu::new(answer, StatusWord::Ok), session),
            Err(e) => CaAnswer::Status(e.chip_status()),
        }
    }
}

/// The value of `tag` (first) and of an optional DO'84' (key reference), nothing else.
fn objects(data: &[u8], tag: u32) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let mut r = Reader::new(data);
    let first = r.expect(tag).ok()?.value.to_vec();
    let key_ref = if r.is_empty() { None } else { Some(r.expect(0x84).ok()?.value.to_vec()) };
    r.finish().ok()?;
    Some((first, key_ref))
}
