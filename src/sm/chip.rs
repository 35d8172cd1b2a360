//! The chip side of a secure-messaging session (ICAO 9303 Part 11 §9.8), for the simulated
//! passport: unprotects commands (verifying their MAC) and protects responses, with the
//! real-chip quirk of omitting DO'99' and a fault injector for response MACs.

use super::dos::{self, MessageKeys, TAG_LE, TAG_MAC, TAG_STATUS};
use super::{Cipher, SmError, check_lengths, increment};
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, ResponseApdu};
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Session keys and SSC, chip side. A command whose secure messaging fails closes the
/// session (answer it with [`SmError::chip_status`], unprotected).
pub struct ChipSmSession {
    cipher: Cipher,
    k_enc: Zeroizing<Vec<u8>>,
    k_mac: Zeroizing<Vec<u8>>,
    ssc: Vec<u8>,
    closed: bool,
    omit_do99: bool,
    corrupt_next_mac: bool,
    odd_ins: bool,
}

impl fmt::Debug for ChipSmSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipSmSession")
            .field("cipher", &self.cipher)
            .field("keys", &"REDACTED")
            .field("closed", &self.closed)
            .field("omit_do99", &self.omit_do99)
            .finish()
    }
}

impl ChipSmSession {
    /// A chip session with KS_enc, KS_mac and the initial SSC.
    pub fn new(cipher: Cipher, k_enc: &[u8], k_mac: &[u8], ssc: &[u8]) -> Result<Self, SmError> {
        check_lengths(cipher, k_enc, k_mac, ssc)?;
        Ok(Self {
            cipher,
            k_enc: Zeroizing::new(k_enc.to_vec()),
            k_mac: Zeroizing::new(k_mac.to_vec()),
            ssc: ssc.to_vec(),
            closed: false,
            omit_do99: false,
            corrupt_next_mac: false,
            odd_ins: false,
        })
    }

    /// The session's cipher suite.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// True once a failed command ended the session.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Ends the session and wipes its keys.
    pub fn close(&mut self) {
        self.closed = true;
        self.k_enc.zeroize();
        self.k_mac.zeroize();
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

    fn keys<'a>(&'a self, ssc: &'a [u8]) -> MessageKeys<'a> {
        MessageKeys { cipher: self.cipher, k_enc: &self.k_enc, k_mac: &self.k_mac, ssc }
    }

    /// Verifies and unwraps a protected command; returns the plain command (CLA without
    /// the SM bits, decrypted data, Le from DO'97').
    pub fn unprotect_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        if self.closed {
            return Err(SmError::Closed);
        }
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
        increment(&mut self.ssc);
        let keys = self.keys(&self.ssc);
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
        if self.closed {
            return Err(SmError::Closed);
        }
        increment(&mut self.ssc);
        let keys = self.keys(&self.ssc);
        let mut body = Vec::with_capacity(resp.data.len() + 48);
        if !resp.data.is_empty() {
            keys.encrypt_into(self.odd_ins, &resp.data, &mut body)?;
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
