//! A card channel under secure messaging (ICAO 9303 Part 11 §9.8): it exists only after
//! BAC or PACE succeeded, and the first secure-messaging failure ends it.

use super::{Cipher, SmError, SmSession};
use crate::card::{CardChannel, CardError};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use std::fmt;

/// Upper bound on a protected response gathered through GET RESPONSE (61xx) chains.
const MAX_CHAINED_RESPONSE: usize = 1 << 20;
/// Upper bound on GET RESPONSE commands for one response (a hostile card could answer
/// 61xx with no data forever).
const MAX_GET_RESPONSES: usize = 1024;

/// A card plus the secure-messaging session established with it.
pub struct SecureChannel<C: CardChannel> {
    card: C,
    session: SmSession,
}

impl<C: CardChannel> fmt::Debug for SecureChannel<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureChannel").field("session", &self.session).finish_non_exhaustive()
    }
}

impl<C: CardChannel> SecureChannel<C> {
    /// Joins a card and the session that BAC or PACE established with it.
    pub fn new(card: C, session: SmSession) -> Self {
        Self { card, session }
    }

    /// Protects `cmd`, sends it (following 61xx with plain GET RESPONSE), and unprotects
    /// the answer. A transport error, a plain status word, or any MAC or data-object error
    /// closes the channel; later sends return [`SmError::Closed`]. A protected error status
    /// (e.g. DO'99' = 6A82) is returned as a response and keeps the channel open.
    pub fn send(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, SmError> {
        let protected = self.session.protect(cmd)?;
        let bytes = protected.encode()?;
        let raw = match self.exchange(&bytes) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "secure-messaging session closed by a transport error");
                self.session.close();
                return Err(e);
            }
        };
        self.session.unprotect(&raw)
    }

    fn exchange(&mut self, bytes: &[u8]) -> Result<ResponseApdu, SmError> {
        let mut resp = ResponseApdu::parse(&self.card.transmit(bytes)?)?;
        let mut data = std::mem::take(&mut resp.data);
        let mut rounds = 0;
        while let StatusWord::BytesAvailable(n) = resp.sw {
            rounds += 1;
            if rounds > MAX_GET_RESPONSES {
                return Err(SmError::EndlessChaining(MAX_GET_RESPONSES));
            }
            let le = if n == 0 { 256 } else { usize::from(n) };
            let get = CommandApdu::new(0x00, 0xC0, 0, 0).with_le(le);
            resp = ResponseApdu::parse(&self.card.transmit(&get.encode()?)?)?;
            if data.len().saturating_add(resp.data.len()) > MAX_CHAINED_RESPONSE {
                return Err(CardError::ResponseTooLong(MAX_CHAINED_RESPONSE).into());
            }
            data.append(&mut resp.data);
        }
        Ok(ResponseApdu::new(data, resp.sw))
    }

    /// True until a failure ended the session.
    pub fn is_open(&self) -> bool {
        !self.session.is_closed()
    }

    /// Ends the session (keys wiped); the card stays available.
    pub fn close(&mut self) {
        self.session.close();
    }

    /// Replaces the session keys, e.g. after Chip Authentication (ICAO 9303 Part 11 §6.2)
    /// established new ones with SSC 0.
    pub fn rekey(&mut self, session: SmSession) {
        self.session = session;
    }

    /// The underlying card (plain APDUs sent through it bypass secure messaging).
    pub fn card_mut(&mut self) -> &mut C {
        &mut self.card
    }

    /// Gives the card back (e.g. to authenticate again after the session closed).
    pub fn into_card(self) -> C {
        self.card
    }

    /// Gives the session back, releasing the card (to join it to another handle of it).
    pub fn into_session(self) -> SmSession {
        self.session
    }

    /// The session's cipher suite.
    pub fn cipher(&self) -> Cipher {
        self.session.cipher()
    }
}
