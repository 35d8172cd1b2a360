//! Card transport: the one-method [`CardChannel`] trait, the PC/SC backend, an APDU
//! logger, and the send routine that handles 61xx (GET RESPONSE) and 6Cxx (exact Le).

mod error;
mod log;
pub mod mock;
pub mod pcsc;
pub mod pcsc_watch;

pub use error::CardError;
pub use log::ApduLog;

use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

/// Anything that carries command bytes to a card and brings back its response bytes.
pub trait CardChannel: Send {
    /// Sends one raw command APDU and returns the raw response (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError>;

    /// The card's answer-to-reset (for a contactless card, the one PC/SC builds from the
    /// ATS), when the channel knows it.
    fn atr(&self) -> Option<Vec<u8>> {
        None
    }
}

impl<T: CardChannel + ?Sized> CardChannel for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        (**self).transmit(command)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }
}

impl<T: CardChannel + ?Sized> CardChannel for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        (**self).transmit(command)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }
}

/// Upper bound on data gathered through GET RESPONSE chains (a hostile card could loop).
pub const MAX_CHAINED_RESPONSE: usize = 1 << 20;
/// Upper bound on GET RESPONSE rounds for one command.
pub const MAX_GET_RESPONSE_ROUNDS: usize = 1024;

/// Why a GET RESPONSE chain was given up.
#[derive(Debug)]
pub enum ChainError {
    /// The transport failed or a response was malformed.
    Card(CardError),
    /// The card kept answering 61xx for more than [`MAX_GET_RESPONSE_ROUNDS`] rounds.
    TooManyRounds(usize),
    /// The chained data grew past [`MAX_CHAINED_RESPONSE`] bytes.
    TooLong(usize),
}

impl<E: Into<CardError>> From<E> for ChainError {
    fn from(e: E) -> Self {
        ChainError::Card(e.into())
    }
}

/// Follows 61xx answers with GET RESPONSE (class `cla`, secure-messaging bits cleared) and
/// joins the data, bounded in rounds and bytes. `first` is the card's first answer.
pub fn follow_get_response(
    card: &mut dyn CardChannel,
    mut first: ResponseApdu,
    cla: u8,
) -> Result<ResponseApdu, ChainError> {
    let mut data = std::mem::take(&mut first.data);
    let mut resp = first;
    let mut rounds = 0;
    while let StatusWord::BytesAvailable(n) = resp.sw {
        rounds += 1;
        if rounds > MAX_GET_RESPONSE_ROUNDS {
            return Err(ChainError::TooManyRounds(MAX_GET_RESPONSE_ROUNDS));
        }
        let le = if n == 0 { 256 } else { usize::from(n) };
        let get = CommandApdu::new(cla & 0x0F & !0x0C, 0xC0, 0, 0).with_le(le);
        resp = ResponseApdu::parse(&card.transmit(&get.encode()?)?)?;
        if data.len().saturating_add(resp.data.len()) > MAX_CHAINED_RESPONSE {
            return Err(ChainError::TooLong(MAX_CHAINED_RESPONSE));
        }
        data.append(&mut resp.data);
    }
    Ok(ResponseApdu::new(data, resp.sw))
}

/// Sends a command and returns the card's response, following 61xx with GET RESPONSE and
/// resending once with the exact Le on 6Cxx. Other status words are returned as they are.
pub fn send(card: &mut dyn CardChannel, cmd: &CommandApdu) -> Result<ResponseApdu, CardError> {
    let mut resp = ResponseApdu::parse(&card.transmit(&cmd.encode()?)?)?;
    if let StatusWord::ExactLength(n) = resp.sw {
        let le = if n == 0 { 256 } else { usize::from(n) };
        let retry = CommandApdu { le: Some(le), ..cmd.clone() };
        resp = ResponseApdu::parse(&card.transmit(&retry.encode()?)?)?;
    }
    follow_get_response(card, resp, cmd.cla).map_err(|e| match e {
        ChainError::Card(e) => e,
        ChainError::TooManyRounds(_) | ChainError::TooLong(_) => {
            CardError::ResponseTooLong(MAX_CHAINED_RESPONSE)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::mock::ScriptedCard;
    use super::*;

    #[test]
    fn follows_get_response_and_exact_le() {
        let mut card = ScriptedCard::new(vec![
            (vec![0x00, 0xB0, 0, 0, 0x10], vec![0x6C, 0x04]),
            (vec![0x00, 0xB0, 0, 0, 0x04], vec![1, 2, 0x61, 0x02]),
            (vec![0x00, 0xC0, 0, 0, 0x02], vec![3, 4, 0x90, 0x00]),
        ]);
        let r = send(&mut card, &CommandApdu::new(0, 0xB0, 0, 0).with_le(16)).unwrap();
        assert_eq!(r.data, [1, 2, 3, 4]);
        assert!(r.sw.is_ok());
        assert!(card.is_done());
    }

    #[test]
    fn endless_61xx_without_data_is_cut_off() {
        struct Endless;
        impl CardChannel for Endless {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, CardError> {
                Ok(vec![0x61, 0x00])
            }
        }
        let r = send(&mut Endless, &CommandApdu::new(0, 0xB0, 0, 0).with_le(16));
        assert!(matches!(r, Err(CardError::ResponseTooLong(_))));
    }
}
