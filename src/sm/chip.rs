//! The chip side of a secure-messaging session (ICAO 9303 Part 11 §9.8), for the simulated
//! passport: unprotects commands (verifying their MAC) and protects responses, with the
//! real-chip quirk of omitting DO'99' and a fault injector for response MACs.

use super::dos::{self, TAG_LE, TAG_MAC, TAG_STATUS};
use super::keys::SessionKeys;
use super::{Cipher, SmError};
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, ResponseApdu};
use std::fmt;
use subtle::ConstantTimeEq;

/// Session keys and SSC, chip side. A command whose secure messaging fails closes the
/// session (answer it with [`SmError::chip_status`], unprotected).
pub struct ChipSmSession {
    keys: SessionKeys,
    omit_do99: bool,
    corrupt_next_mac: bool,
    /// The next response goes out without DO'99' and DO'8E' (quirk of some chips).
    bare_next: bool,
    odd_ins: bool,
}

impl fmt::Debug for ChipSmSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipSmSession")
            .field("keys", &self.keys)
            .field("omit_do99", &self.omit_do99)
            .finish()
    }
}

impl ChipSmSession {
    /// A chip session with KS_enc, KS_mac and the initial SSC.
    pub fn new(cipher: Cipher, k_enc: &[u8], k_mac: &[u8], ssc: &[u8]) -> Result<Self, SmError> {
        Ok(Self {
            keys: SessionKeys::new(cipher, k_enc, k_mac, ssc)?,
            omit_do99: false,
            corrupt_next_mac: false,
            bare_next: false,
            odd_ins: false,
        })
    }

    /// The session's cipher suite.
    pub fn cipher(&self) -> Cipher {
        self.keys.cipher()
    }

    /// True once a failed command ended the session.
    pub fn is_closed(&self) -> bool {
        self.keys.is_closed()
    }

    /// Ends the session and wipes its keys.
    pub fn close(&mut self) {
        self.keys.close();
    }

    /// Real-chip quirk: leave DO'99' out of protected responses (the MAC then covers only
    /// the data object, or just the SSC).
    pub fn set_omit_do99(&mut self, omit: bool) {
        self.omit_do99 = omit;
    }

    /// Fault injection: the next protected response carries a wrong MAC.
    pub fn corrupt_next_mac(&mut self) {
        self.corrupt_next_mac = true;
    }

    /// Real-chip quirk: the next protected response carries its encrypted data object only,
    /// without DO'99' and DO'8E' (a chip answering a read past a file's end this way).
    pub fn bare_next_response(&mut self) {
        self.bare_next = true;
    }

    /// Verifies and unwraps a protected command; returns the plain command (CLA without
    /// the SM bits, decrypted data, Le from DO'97').
    pub fn unprotect_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.keys.ensure_open()?;
        let result = self.unprotect_inner(cmd);
        if result.is_err() {
            self.close();
        }
        result
    }

    fn unprotect_inner(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        if cmd.cla & 0x0C != 0x0C || cmd.data.is_empty() {
            return Err(SmError::MissingMac);
        }
        let p = dos::parse(&cmd.data, TAG_LE, "command")?;
        let keys = self.keys.advance();
        let expected = keys.mac(Some([cmd.cla, cmd.ins, cmd.p1, cmd.p2]), p.covered)?;
        if !bool::from(expected.as_slice().ct_eq(p.mac)) {
            return Err(SmError::MacMismatch);
        }
        let le = p.middle.map(dos::decode_le).transpose()?;
        let data = match p.cryptogram {
            Some((tag, value)) => keys.decrypt(tag, value)?,
            None => Vec::new(),
        };
        self.odd_ins = cmd.ins & 1 == 1;
        Ok(CommandApdu { cla: cmd.cla & !0x0C, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data, le })
    }

    /// Wraps a plain response: data encrypted in DO'87' (DO'85' when the command had an
    /// odd INS), DO'99' with the status (unless omitted), DO'8E'. The outer status word is
    /// the plain one.
    pub fn protect_response(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.keys.ensure_open()?;
        let keys = self.keys.advance();
        let mut body = Vec::with_capacity(resp.data.len() + 48);
        if !resp.data.is_empty() {
            keys.encrypt_into(self.odd_ins, &resp.data, &mut body)?;
        }
        if std::mem::take(&mut self.bare_next) {
            return Ok(ResponseApdu::new(body, resp.sw));
        }
        if !self.omit_do99 {
            tlv::encode(TAG_STATUS, &resp.sw.to_bytes(), &mut body);
        }
        let mut mac = keys.mac(None, &body)?;
        if self.corrupt_next_mac {
            self.corrupt_next_mac = false;
            mac[7] ^= 0x01;
        }
        tlv::encode(TAG_MAC, &mac, &mut body);
        Ok(ResponseApdu::new(body, resp.sw))
    }
}
