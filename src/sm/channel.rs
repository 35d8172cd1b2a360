//! A card channel under secure messaging (ICAO 9303 Part 11 §9.8): it exists only after
//! BAC or PACE succeeded, and the first secure-messaging failure ends it.

use super::{Cipher, SmError, SmSession};
use crate::card::{CardChannel, CardError, ChainError, follow_get_response};
use crate::iso7816::{CommandApdu, ResponseApdu};
use std::fmt;

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
        let first = ResponseApdu::parse(&self.card.transmit(bytes)?)?;
        follow_get_response(&mut self.card, first, 0x00).map_err(|e| match e {
            ChainError::Card(e) => SmError::Card(e),
            ChainError::TooManyRounds(n) => SmError::EndlessChaining(n),
            ChainError::TooLong(n) => SmError::Card(CardError::ResponseTooLong(n)),
        })
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
