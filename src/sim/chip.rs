//! The simulated eMRTD chip: command dispatch (ISO/IEC 7816-4 SELECT, READ BINARY B0/B1,
//! GET CHALLENGE, EXTERNAL AUTHENTICATE, MSE:Set AT, GENERAL AUTHENTICATE, INTERNAL
//! AUTHENTICATE), BAC, PACE and Active Authentication (ICAO 9303 Part 11 §4.3, §4.4, §6.1)
//! and secure messaging (§9.8) on the chip side, with the fault and timing behaviours of
//! [`Behaviour`].

use super::aa::ChipAaKey;
use super::behaviour::{Behaviour, LeOverflow};
use super::budget::{SHORT_RESPONSE, plaintext_budget, short_plaintext_budget};
use super::fs::{Df, EMRTD_AID, FileSystem};
use super::profile::Profile;
use crate::access::AccessError;
use crate::access::bac::BacChip;
use crate::access::pace::{GaAnswer, PaceChip};
use crate::card::{CardChannel, CardError};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord, tlv};
use crate::lds::sod::HashAlgorithm;
use crate::mrz::AccessKey;
use crate::sm::ChipSmSession;
use crate::sm::Cipher;
use rand::SeedableRng;
use rand::rngs::StdRng;
use zeroize::Zeroizing;

#[path = "chip_read.rs"]
mod read;

/// 6986: command not allowed (no current EF).
const NO_CURRENT_EF: StatusWord = StatusWord::Other(0x6986);
/// Largest response (data and SW) the chip sends at all.
const MAX_RESPONSE: usize = 65_535;

/// Whether secure messaging is running.
enum Link {
    /// No session: LDS files are refused (6982); BAC may run.
    Plain,
    /// BAC succeeded: every command must be protected.
    Secure(Box<ChipSmSession>),
}

/// A software eMRTD chip serving a [`Profile`]. It is a [`CardChannel`], so the terminal
/// code talks to it exactly as to a card behind PC/SC.
pub struct Chip {
    fs: FileSystem,
    mrz_information: Zeroizing<String>,
    behaviour: Behaviour,
    rng: StdRng,
    bac: BacChip,
    /// BAC is accepted (no PACE, or the profile allows both).
    pub(super) bac_allowed: bool,
    pub(super) pace: Option<PaceChip>,
    link: Link,
    df: Df,
    ef: Option<usize>,
    apdus: u64,
    removed: bool,
    mac_fault_done: bool,
    /// GENERAL AUTHENTICATE commands since the last MSE:Set AT.
    ga_step: u8,
    /// The `truncate_ga` fault: done once; `truncate_now` cuts the answer being built.
    truncate_done: bool,
    truncate_now: bool,
    /// Chip Authentication (when DG14 offers it) and the session it starts after its answer.
    ca: Option<super::chip_ca::CaChip>,
    ca_next: Option<ChipSmSession>,
    /// The Active Authentication key and the hash it signs with.
    aa: Option<(ChipAaKey, HashAlgorithm)>,
    /// The rest of a protected response a short APDU could not carry (data then SW), served
    /// by GET RESPONSE after 61xx (ISO/IEC 7816-4 §5.3.4).
    pending: Vec<u8>,
    /// The read being answered asked past its file's end (the `overread_6282_no_mac` quirk).
    overread_now: bool,
}

impl std::fmt::Debug for Chip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chip")
            .field("apdus", &self.apdus)
            .field("secure", &matches!(self.link, Link::Secure(_)))
            .finish_non_exhaustive()
    }
}

impl Chip {
    /// A chip serving `profile` with `behaviour` and a random generator seeded from the OS.
    pub fn new(profile: &Profile, behaviour: Behaviour) -> Chip {
        Self::with_rng(profile, behaviour, StdRng::from_entropy())
    }

    /// A deterministic chip: its challenges and keys come from `seed`.
    pub fn with_seed(profile: &Profile, behaviour: Behaviour, seed: u64) -> Chip {
        Self::with_rng(profile, behaviour, StdRng::seed_from_u64(seed))
    }

    fn with_rng(profile: &Profile, behaviour: Behaviour, mut rng: StdRng) -> Chip {
        let evil = behaviour
            .evil_file
            .as_deref()
            .map(|name| (name, behaviour.declare_length.unwrap_or(u32::MAX)));
        let mut fs = profile.file_system(evil);
        if let Some(bytes) = behaviour.ef_atr_info_bytes() {
            fs.add_if_absent("EF.ATR", &bytes);
        }
        let df = if behaviour.application_selected_at_reset { Df::Emrtd } else { Df::Master };
        let mrz_information = Zeroizing::new(profile.mrz_information().to_owned());
        // The profile's MRZ was validated when it was loaded.
        let pace = profile.pace().and_then(|_| {
            let mrz = AccessKey::from_mrz_text(profile.mrz_text()).ok()?;
            let listed = profile.pace_infos();
            let offered = super::pace_infos::runnable(&listed);
            let chip = PaceChip::new(offered, mrz, profile.can().cloned())
                .with_domain_required(listed.len() > 1 || behaviour.mse_requires_domain_id);
            Some(match &profile.chip_ca_key {
                Some(key) => chip.with_ca_key(key.clone()),
                None => chip,
            })
        });
        let ca = super::chip_ca::CaChip::new(profile, &behaviour, &mut rng);
        Chip {
            fs,
            bac: BacChip::new(&mrz_information),
            bac_allowed: profile.bac_allowed(),
            pace,
            mrz_information,
            behaviour,
            rng,
            link: Link::Plain,
            df,
            ef: None,
            apdus: 0,
            removed: false,
            mac_fault_done: false,
            ga_step: 0,
            truncate_done: false,
            truncate_now: false,
            ca,
            ca_next: None,
            aa: profile.chip_aa_key.clone().map(|k| {
                let default = if k.is_ec() { HashAlgorithm::Sha256 } else { HashAlgorithm::Sha1 };
                (k, profile.aa_hash.unwrap_or(default))
            }),
            pending: Vec::new(),
            overread_now: false,
        }
    }

    /// How many APDUs the chip was sent (including the one a removal interrupted).
    pub fn apdu_count(&self) -> u64 {
        self.apdus
    }

    /// The behaviour in force.
    pub fn behaviour(&self) -> &Behaviour {
        &self.behaviour
    }

    /// The ATR this chip answers with.
    pub fn atr(&self) -> Vec<u8> {
        self.behaviour.atr_bytes()
    }

    /// Power cycle: the session, the selection and any BAC challenge are forgotten.
    pub fn reset(&mut self) {
        self.link = Link::Plain;
        self.bac = BacChip::new(&self.mrz_information);
        if let Some(p) = self.pace.as_mut() {
            p.reset();
        }
        if let Some(c) = self.ca.as_mut() {
            c.reset();
        }
        self.ca_next = None;
        self.df = if self.behaviour.application_selected_at_reset { Df::Emrtd } else { Df::Master };
        self.ef = None;
    }

    /// True when the removal of `remove_after_apdu` is due for APDU number `n`.
    pub(crate) fn removal_due(&self, n: u64) -> bool {
        !self.removed && self.behaviour.remove_after_apdu.is_some_and(|k| n > k)
    }

    /// Counts one APDU and waits the configured latency; returns the APDU's number.
    pub(crate) fn begin_apdu(&mut self) -> u64 {
        self.apdus += 1;
        if self.behaviour.latency_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.behaviour.latency_ms));
        }
        self.apdus
    }

    /// Marks the one removal as done and resets the chip, as taking it off the reader would.
    pub(crate) fn remove(&mut self) {
        self.removed = true;
        self.reset();
    }

    /// Processes one command APDU and returns the response bytes (the card side of transmit,
    /// without counting, latency or removal).
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        let Ok(cmd) = CommandApdu::parse(raw) else {
            return plain(StatusWord::WrongLength);
        };
        if cmd.is_extended() && !self.behaviour.extended() {
            return plain(StatusWord::WrongLength);
        }
        if (cmd.cla, cmd.ins) == (0x00, 0xC0) && !self.pending.is_empty() {
            return self.get_response(&cmd);
        }
        self.pending.clear();
        if cmd.cla & 0x0C != 0x0C {
            // ICAO 9303 Part 11 §9.8: a plain APDU aborts secure messaging.
            if matches!(self.link, Link::Secure(_)) {
                self.link = Link::Plain;
                self.bac = BacChip::new(&self.mrz_information);
            }
            // CLA 10: command chaining, used by GENERAL AUTHENTICATE (PACE).
            if cmd.cla != 0x00 && !(cmd.cla == 0x10 && cmd.ins == 0x86) {
                return plain(StatusWord::ClaNotSupported);
            }
            let answer = self.dispatch(&cmd, false).to_bytes();
            if std::mem::take(&mut self.truncate_now) {
                return answer.into_iter().take(1).collect();
            }
            return answer;
        }
        let Link::Secure(session) = &mut self.link else {
            return plain(StatusWord::SmObjectsMissing);
        };
        let inner = match session.unprotect_command(&cmd) {
            Ok(inner) => inner,
            Err(_) => {
                // An SM error ends the session; the answer cannot be protected any more.
                self.link = Link::Plain;
                self.bac = BacChip::new(&self.mrz_information);
                return plain(StatusWord::SmObjectsIncorrect);
            }
        };
        let resp = self.dispatch(&inner, true);
        let fault = !self.mac_fault_done
            && self.behaviour.wrong_mac_at_apdu.is_some_and(|k| self.apdus >= k);
        let Link::Secure(session) = &mut self.link else {
            return resp.to_bytes();
        };
        if fault {
            self.mac_fault_done = true;
            session.corrupt_next_mac();
        }
        if std::mem::take(&mut self.overread_now) {
            session.bare_next_response();
        }
        // Chips that omit DO'99' do so on answers with data, whose MAC then vouches for
        // the status word; an answer without data keeps it (a bare MAC proves nothing).
        session.set_omit_do99(self.behaviour.omit_do99 && !resp.data.is_empty());
        match session.protect_response(&resp) {
            Ok(r) => {
                if let Some(next) = self.ca_next.take() {
                    self.link = Link::Secure(Box::new(next));
                }
                self.chain_if_short(&cmd, r.to_bytes())
            }
            Err(_) => {
                self.link = Link::Plain;
                plain(StatusWord::SmObjectsIncorrect)
            }
        }
    }

    fn dispatch(&mut self, cmd: &CommandApdu, secured: bool) -> ResponseApdu {
        let result = match cmd.ins {
            0xA4 => self.select(cmd),
            0xB0 => self.read_binary(cmd, secured),
            0xB1 => self.read_binary_odd(cmd, secured),
            0x84 => self.get_challenge(cmd, secured),
            0x82 if !secured && self.bac_allowed => return self.external_authenticate(cmd),
            0x82 if !secured => Err(StatusWord::InsNotSupported),
            0x82 => Err(StatusWord::ConditionsNotSatisfied),
            0x22 | 0x86 if secured && self.ca.is_some() => return self.chip_authentication(cmd),
            0x22 if !secured && self.pace.is_some() => return self.mse_set_at(cmd),
            0x86 if !secured && self.pace.is_some() => return self.general_authenticate(cmd),
            0x22 | 0x86 => Err(StatusWord::ConditionsNotSatisfied),
            0x88 if self.aa.is_none() => Err(StatusWord::InsNotSupported),
            0x88 if !secured => Err(StatusWord::SecurityNotSatisfied),
            0x88 => super::aa::internal_authenticate(
                self.aa.as_ref(),
                &self.behaviour,
                &mut self.rng,
                cmd,
            ),
            _ => Err(StatusWord::InsNotSupported),
        };
        result.unwrap_or_else(ResponseApdu::status)
    }

    fn select(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, StatusWord> {
        let fci = match cmd.p2 {
            // No response data: ISO/IEC 7816-4 §5.1 wants Le absent, and strict chips say so.
            0x0C if cmd.le.is_some() => return Err(StatusWord::WrongLength),
            0x0C => false,
            0x00 | 0x04 => true,
            _ => return Err(StatusWord::IncorrectP1P2),
        };
        let selects_mf = cmd.p1 == 0x00 && (cmd.data.is_empty() || cmd.data == [0x3F, 0x00]);
        if let Some(sw) = self.behaviour.select_mf_sw.filter(|_| selects_mf) {
            return Err(StatusWord::from_u16(sw));
        }
        let fid = match cmd.data.as_slice() {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        };
        match (cmd.p1, fid) {
            (0x04, _) if cmd.data == EMRTD_AID => {
                self.df = Df::Emrtd;
                self.ef = None;
                return Ok(ResponseApdu::status(StatusWord::Ok));
            }
            (0x04, _) => return Err(StatusWord::FileNotFound),
            (0x00, None) if cmd.data.is_empty() => {
                self.df = Df::Master;
                self.ef = None;
                return Ok(ResponseApdu::status(StatusWord::Ok));
            }
            (0x00, Some(0x3F00)) => {
                self.df = Df::Master;
                self.ef = None;
                return Ok(ResponseApdu::status(StatusWord::Ok));
            }
            (0x00 | 0x02, Some(_)) => {}
            (0x00 | 0x02, None) => return Err(StatusWord::WrongLength),
            _ => return Err(StatusWord::IncorrectP1P2),
        }
        let fid = fid.ok_or(StatusWord::WrongLength)?;
        let index = self.fs.by_fid(self.df, fid).ok_or(StatusWord::FileNotFound)?;
        self.ef = Some(index);
        if !fci {
            return Ok(ResponseApdu::status(StatusWord::Ok));
        }
        let size = self.fs.get(index).map_or(0, |f| f.size());
        let size = u16::try_from(size).unwrap_or(u16::MAX);
        let mut fcp = tlv::tlv(0x80, &size.to_be_bytes());
        fcp.extend(tlv::tlv(0x82, &[0x01]));
        fcp.extend(tlv::tlv(0x83, &fid.to_be_bytes()));
        Ok(ResponseApdu::new(tlv::tlv(0x62, &fcp), StatusWord::Ok))
    }

    fn get_challenge(
        &mut self,
        cmd: &CommandApdu,
        secured: bool,
    ) -> Result<ResponseApdu, StatusWord> {
        if cmd.le != Some(8) || cmd.p1 != 0 || cmd.p2 != 0 {
            return Err(StatusWord::WrongLength);
        }
        let challenge = if secured {
            let mut c = [0u8; 8];
            rand::RngCore::fill_bytes(&mut self.rng, &mut c);
            c
        } else {
            self.bac.get_challenge(&mut self.rng)
        };
        Ok(ResponseApdu::new(challenge.to_vec(), StatusWord::Ok))
    }

    fn external_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.data.len() != 40 {
            return ResponseApdu::status(StatusWord::WrongLength);
        }
        match self.bac.external_authenticate(&cmd.data, &mut self.rng) {
            // A MAC fault lands on M_IC, the MAC of the BAC answer.
            Ok((answer, session)) => self.start_secure_messaging(answer, session),
            Err(_) => {
                self.bac = BacChip::new(&self.mrz_information);
                let sw = self.behaviour.denied_sw.map(StatusWord::from_u16);
                ResponseApdu::status(sw.unwrap_or(StatusWord::VerificationFailed))
            }
        }
    }
}

impl Chip {
    /// Answers the last access-control step and switches to secure messaging with `session`;
    /// the behaviour's MAC fault, when due at this APDU, flips the answer's last byte.
    fn start_secure_messaging(
        &mut self,
        mut answer: Vec<u8>,
        mut session: ChipSmSession,
    ) -> ResponseApdu {
        session.set_omit_do99(self.behaviour.omit_do99);
        if !self.mac_fault_done && self.behaviour.wrong_mac_at_apdu == Some(self.apdus) {
            self.mac_fault_done = true;
            if let Some(last) = answer.last_mut() {
                *last ^= 0x01;
            }
        }
        self.link = Link::Secure(Box::new(session));
        ResponseApdu::new(answer, StatusWord::Ok)
    }

    /// MSE:Set AT for PACE (P1P2 C1A4).
    fn mse_set_at(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(pace) = self.pace.as_mut() else {
            return ResponseApdu::status(StatusWord::InsNotSupported);
        };
        if (cmd.p1, cmd.p2) != (0xC1, 0xA4) {
            return ResponseApdu::status(StatusWord::IncorrectP1P2);
        }
        self.ga_step = 0;
        match pace.set_at(&cmd.data) {
            Ok(()) => ResponseApdu::status(StatusWord::Ok),
            Err(e) => ResponseApdu::status(e.chip_status()),
        }
    }

    /// One GENERAL AUTHENTICATE step of PACE; the last one starts secure messaging.
    fn general_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if (cmd.p1, cmd.p2) != (0x00, 0x00) {
            return ResponseApdu::status(StatusWord::IncorrectP1P2);
        }
        self.ga_step = self.ga_step.saturating_add(1);
        if !self.truncate_done && self.behaviour.truncate_ga == Some(self.ga_step) {
            self.truncate_done = true;
            self.truncate_now = true;
        }
        let Some(pace) = self.pace.as_mut() else {
            return ResponseApdu::status(StatusWord::InsNotSupported);
        };
        match pace.general_authenticate(cmd.cla == 0x10, &cmd.data, &mut self.rng) {
            Ok(GaAnswer::Continue(data)) => ResponseApdu::new(data, StatusWord::Ok),
            // A MAC fault lands on T_IC, the chip's authentication token.
            Ok(GaAnswer::Done(answer, session)) => self.start_secure_messaging(answer, session),
            Err(AccessError::Denied) => {
                let sw = self.behaviour.denied_sw.map(StatusWord::from_u16);
                ResponseApdu::status(sw.unwrap_or(StatusWord::VerificationFailed))
            }
            Err(e) => ResponseApdu::status(e.chip_status()),
        }
    }

    /// Chip Authentication under secure messaging; a new session starts after the answer.
    fn chip_authentication(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(ca) = self.ca.as_mut() else {
            return ResponseApdu::status(StatusWord::InsNotSupported);
        };
        match ca.command(cmd) {
            super::chip_ca::CaAnswer::Status(sw) => ResponseApdu::status(sw),
            super::chip_ca::CaAnswer::Switch(answer, session) => {
                self.ca_next = Some(session);
                answer
            }
        }
    }

    /// A response (data and SW) longer than a short APDU carries: its first 256 bytes with
    /// 61xx, the rest kept for GET RESPONSE.
    fn chain_if_short(&mut self, cmd: &CommandApdu, mut bytes: Vec<u8>) -> Vec<u8> {
        if cmd.is_extended() || bytes.len() <= SHORT_RESPONSE + 2 {
            return bytes;
        }
        self.pending = bytes.split_off(SHORT_RESPONSE);
        bytes.extend(more_available(self.pending.len().saturating_sub(2)));
        bytes
    }

    /// GET RESPONSE: the next Le bytes of the pending response, then its SW.
    fn get_response(&mut self, cmd: &CommandApdu) -> Vec<u8> {
        let available = self.pending.len().saturating_sub(2);
        let n = cmd.le.unwrap_or(SHORT_RESPONSE).min(available);
        let mut out: Vec<u8> = self.pending.drain(..n).collect();
        if self.pending.len() > 2 {
            out.extend(more_available(self.pending.len().saturating_sub(2)));
        } else {
            out.append(&mut self.pending);
        }
        out
    }

    /// The cipher protected responses use now (3DES until a session says otherwise).
    fn cipher(&self) -> Cipher {
        match &self.link {
            Link::Secure(s) => s.cipher(),
            Link::Plain => Cipher::TripleDes,
        }
    }
}

impl CardChannel for Chip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        let n = self.begin_apdu();
        if self.removal_due(n) {
            self.remove();
            return Err(CardError::CardRemoved);
        }
        Ok(self.process(command))
    }

    fn atr(&self) -> Option<Vec<u8>> {
        Some(Chip::atr(self))
    }
}

/// 61xx: `n` more bytes (00 for 256 or more).
fn more_available(n: usize) -> [u8; 2] {
    [0x61, u8::try_from(n).unwrap_or(0)]
}

fn plain(sw: StatusWord) -> Vec<u8> {
    sw.to_bytes().to_vec()
}
