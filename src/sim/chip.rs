//! The simulated eMRTD chip: command dispatch (ISO/IEC 7816-4 SELECT, READ BINARY B0/B1,
//! GET CHALLENGE, EXTERNAL AUTHENTICATE, MSE:Set AT, GENERAL AUTHENTICATE), BAC and PACE
//! (ICAO 9303 Part 11 §4.3, §4.4) and secure messaging (§9.8) on the chip side, with the
//! fault and timing behaviours of [`Behaviour`].

use super::behaviour::{Behaviour, LeOverflow};
use super::budget::{SHORT_RESPONSE, plaintext_budget, short_plaintext_budget};
use super::fs::{Df, EMRTD_AID, FileSystem};
use super::profile::Profile;
use crate::access::AccessError;
use crate::access::bac::BacChip;
use crate::access::pace::{GaAnswer, PaceChip};
use crate::card::{CardChannel, CardError};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord, tlv};
use crate::mrz::AccessKey;
use crate::sm::ChipSmSession;
use crate::sm::Cipher;
use rand::SeedableRng;
use rand::rngs::StdRng;
use zeroize::Zeroizing;

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
        let fs = profile.file_system(evil);
        let mrz_information = Zeroizing::new(profile.mrz_information().to_owned());
        // The profile's MRZ was validated when it was loaded.
        let pace = profile.pace().and_then(|p| {
            let mrz = AccessKey::from_mrz_text(profile.mrz_text()).ok()?;
            let chip = PaceChip::new(vec![p.params], mrz, profile.can().cloned());
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
            df: Df::Master,
            ef: None,
            apdus: 0,
            removed: false,
            mac_fault_done: false,
            ga_step: 0,
            truncate_done: false,
            truncate_now: false,
            ca,
            ca_next: None,
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
        self.df = Df::Master;
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
        // Chips that omit DO'99' do so on answers with data, whose MAC then vouches for
        // the status word; an answer without data keeps it (a bare MAC proves nothing).
        session.set_omit_do99(self.behaviour.omit_do99 && !resp.data.is_empty());
        match session.protect_response(&resp) {
            Ok(r) => {
                if let Some(next) = self.ca_next.take() {
                    self.link = Link::Secure(Box::new(next));
                }
                r.to_bytes()
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
            _ => Err(StatusWord::InsNotSupported),
        };
        result.unwrap_or_else(ResponseApdu::status)
    }

    fn select(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, StatusWord> {
        let fci = match cmd.p2 {
            0x0C => false,
            0x00 | 0x04 => true,
            _ => return Err(StatusWord::IncorrectP1P2),
        };
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

    /// The largest Le this chip serves now: `max_le`, and with short APDUs only, what still
    /// fits into a 256-byte protected response.
    fn le_limit(&self, secured: bool) -> usize {
        let mut limit = self.behaviour.effective_max_le();
        if secured && !self.behaviour.extended() {
            limit = limit.min(short_plaintext_budget(self.behaviour.omit_do99, self.cipher()));
        }
        limit
    }

    fn granted_le(&self, cmd: &CommandApdu, secured: bool) -> Result<usize, StatusWord> {
        let le = cmd.le.unwrap_or(SHORT_RESPONSE);
        let limit = self.le_limit(secured);
        let le = if le <= limit {
            le
        } else {
            match self.behaviour.le_overflow {
                LeOverflow::WrongLength => return Err(StatusWord::WrongLength),
                LeOverflow::Truncate => limit,
            }
        };
        // Like a chip's I/O buffer: a whole response (data, SM objects, SW) stays within
        // 65 535 bytes, the most a vpcd frame (and pcsc-lite's extended buffer) carries.
        let cap = if secured {
            plaintext_budget(MAX_RESPONSE - 2, self.behaviour.omit_do99, self.cipher())
        } else {
            MAX_RESPONSE - 2
        };
        Ok(le.min(cap))
    }

    fn readable(&self, index: usize, secured: bool) -> Result<(), StatusWord> {
        let ef = self.fs.get(index).ok_or(StatusWord::FileNotFound)?;
        if ef.location.df == Df::Emrtd && !secured {
            return Err(StatusWord::SecurityNotSatisfied);
        }
        Ok(())
    }

    fn read_binary(
        &mut self,
        cmd: &CommandApdu,
        secured: bool,
    ) -> Result<ResponseApdu, StatusWord> {
        let (index, offset) = if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return Err(StatusWord::IncorrectP1P2);
            }
            let index = self.fs.by_sfi(self.df, cmd.p1 & 0x1F).ok_or(StatusWord::FileNotFound)?;
            (index, u64::from(cmd.p2))
        } else {
            let index = self.ef.ok_or(NO_CURRENT_EF)?;
            (index, u64::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])))
        };
        self.readable(index, secured)?;
        let le = self.granted_le(cmd, secured)?;
        self.ef = Some(index);
        let (data, sw) = self.fs.read(index, offset, le, self.behaviour.eof_6282)?;
        Ok(ResponseApdu::new(data, sw))
    }

    /// READ BINARY with odd INS (ISO/IEC 7816-4 §7.2.3): offset in DO'54', data in DO'53'.
    fn read_binary_odd(
        &mut self,
        cmd: &CommandApdu,
        secured: bool,
    ) -> Result<ResponseApdu, StatusWord> {
        let index = match (cmd.p1, cmd.p2) {
            (0, 0) => self.ef.ok_or(NO_CURRENT_EF)?,
            (0, p2) if p2 & 0xE0 == 0 => {
                self.fs.by_sfi(self.df, p2 & 0x1F).ok_or(StatusWord::FileNotFound)?
            }
            (p1, p2) => self
                .fs
                .by_fid(self.df, u16::from_be_bytes([p1, p2]))
                .ok_or(StatusWord::FileNotFound)?,
        };
        let mut reader = tlv::Reader::new(&cmd.data);
        let offset_do = reader.expect(0x54).map_err(|_| StatusWord::IncorrectData)?;
        reader.finish().map_err(|_| StatusWord::IncorrectData)?;
        if offset_do.value.is_empty() || offset_do.value.len() > 4 {
            return Err(StatusWord::IncorrectData);
        }
        let offset = offset_do.value.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        self.readable(index, secured)?;
        let le = self.granted_le(cmd, secured)?;
        self.ef = Some(index);
        // The DO'53' header counts against Le.
        let mut want = le.saturating_sub(2);
        if want > 127 {
            want = le.saturating_sub(3);
        }
        if want > 255 {
            want = le.saturating_sub(4);
        }
        if want == 0 {
            return Err(StatusWord::WrongLength);
        }
        let (data, sw) = self.fs.read(index, offset, want, self.behaviour.eof_6282)?;
        Ok(ResponseApdu::new(tlv::tlv(0x53, &data), sw))
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
}

fn plain(sw: StatusWord) -> Vec<u8> {
    sw.to_bytes().to_vec()
}
