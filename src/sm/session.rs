//! The terminal side of a secure-messaging session (ICAO 9303 Part 11 §9.8): protects
//! commands and unprotects responses, verifying every response MAC.

use super::dos::{self, TAG_MAC, TAG_STATUS};
use super::keys::SessionKeys;
use super::{Cipher, SmError};
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, MAX_EXTENDED_LE, MAX_SHORT_LE, ResponseApdu, StatusWord};
use std::fmt;
use subtle::ConstantTimeEq;

/// Session keys and send sequence counter, terminal side. Keys are wiped on drop and when
/// the session ends; `Debug` never shows them. Any failure while unprotecting a response
/// closes the session: every later call returns [`SmError::Closed`].
pub struct SmSession {
    keys: SessionKeys,
}

impl fmt::Debug for SmSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmSession").field("keys", &self.keys).finish()
    }
}

impl SmSession {
    /// A session with KS_enc, KS_mac and the initial SSC (8 bytes for 3DES, 16 for AES).
    pub fn new(cipher: Cipher, k_enc: &[u8], k_mac: &[u8], ssc: &[u8]) -> Result<Self, SmError> {
        Ok(Self { keys: SessionKeys::new(cipher, k_enc, k_mac, ssc)? })
    }

    /// The session's cipher suite.
    pub fn cipher(&self) -> Cipher {
        self.keys.cipher()
    }

    /// True once a failure (or [`SmSession::close`]) ended the session.
    pub fn is_closed(&self) -> bool {
        self.keys.is_closed()
    }

    /// Ends the session and wipes its keys.
    pub fn close(&mut self) {
        self.keys.close();
    }

    /// Wraps a plain command: CLA |= 0x0C, data encrypted in DO'87' (DO'85' for odd INS),
    /// Le in DO'97', MAC in DO'8E'. The protected Le is `00` (or extended `0000` when the
    /// plain Le exceeds 256 or the protected data exceeds 255 bytes). The counter advances
    /// only when the command could be built.
    pub fn protect(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.keys.ensure_open()?;
        let ssc = self.keys.next_ssc();
        let keys = self.keys.with_ssc(&ssc);
        let header = [cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2];
        let mut body = Vec::with_capacity(cmd.data.len() + 48);
        if !cmd.data.is_empty() {
            keys.encrypt_into(cmd.ins & 1 == 1, &cmd.data, &mut body)?;
        }
        if let Some(le) = cmd.le {
            dos::encode_le(le, &mut body)?;
        }
        let mac = keys.mac(Some(header), &body)?;
        tlv::encode(TAG_MAC, &mac, &mut body);
        let extended = cmd.le.is_some_and(|le| le > MAX_SHORT_LE) || body.len() > 255;
        let [cla, ins, p1, p2] = header;
        let out = CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: body,
            le: Some(if extended { MAX_EXTENDED_LE } else { MAX_SHORT_LE }),
        };
        out.encode()?;
        self.keys.store_ssc(ssc);
        Ok(out)
    }

    /// Unwraps a protected response, always verifying its MAC first. The status word is
    /// DO'99' when present; a response without DO'99' is accepted when its MAC verifies and
    /// covers a cryptogram, with the outer status word; without either it is
    /// [`SmError::MissingStatus`]. A plain error status ends the session with
    /// [`SmError::Unprotected`]; so does every other failure.
    pub fn unprotect(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.keys.ensure_open()?;
        let result = self.unprotect_inner(resp);
        if let Err(e) = &result {
            tracing::debug!(error = %e, cipher = %self.keys.cipher(), "secure-messaging session closed");
            self.close();
        }
        result
    }

    fn unprotect_inner(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        if resp.data.is_empty() {
            return Err(if resp.sw.is_ok() {
                SmError::MissingMac
            } else {
                SmError::Unprotected(resp.sw)
            });
        }
        let p = dos::parse(&resp.data, TAG_STATUS, "response")?;
        let keys = self.keys.advance();
        let expected = keys.mac(None, p.covered)?;
        if !bool::from(expected.as_slice().ct_eq(p.mac)) {
            return Err(SmError::MacMismatch);
        }
        let sw = match p.middle {
            Some(&[sw1, sw2]) => StatusWord::from_bytes(sw1, sw2),
            Some(v) => {
                return Err(SmError::BadObject(format!(
                    "DO'99' holds {} bytes, expected 2",
                    v.len()
                )));
            }
            // Without DO'99' the outer status word is outside the MAC. It is believed only
            // when the MAC covers data (DO'87'/'85'): a MAC over the counter alone proves
            // nothing about the status, so a forged 9000 could turn a refusal into success.
            None if p.cryptogram.is_none() => return Err(SmError::MissingStatus),
            None => match resp.sw {
                StatusWord::BytesAvailable(_) | StatusWord::ExactLength(_) => {
                    return Err(SmError::MissingStatus);
                }
                sw => sw,
            },
        };
        let data = match p.cryptogram {
            Some((tag, value)) => keys.decrypt(tag, value)?,
            None => Vec::new(),
        };
        Ok(ResponseApdu::new(data, sw))
    }
}
