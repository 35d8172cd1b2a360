//! Card transport: the one-method [`CardChannel`] trait, the PC/SC backend, an APDU
//! logger, and the send routine that handles 61xx (GET RESPONSE) and 6Cxx (exact Le).

mod error;
mod log;
pub mod mock;
pub mod pcsc;

pub use error::CardError;
pub use log::ApduLog;

use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

/// Anything that carries command bytes to a card and brings back its response bytes.
pub trait CardChannel: Send {
    /// Sends one raw command APDU and returns the raw response (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError>;
}

impl<T: CardChannel + ?Sized> CardChannel for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        (**self).transmit(command)
    }
}

impl<T: CardChannel + ?Sized> CardChannel for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        (**self).transmit(command)
    }
}

/// Upper bound on data gathered through GET RESPONSE chains (a hostile card could loop).
const MAX_CHAINED_RESPONSE: usize = 1 << 20;
/// Upper bound on GET RESPONSE rounds for one command.
const MAX_GET_RESPONSE_ROUNDS: usize = 1024;

/// Sends a command and returns the card's response, following 61xx with GET RESPONSE and
/// resending once with the exact Le on 6Cxx. Other status words are returned as they are.
pub fn send(card: &mut dyn CardChannel, cmd: &CommandApdu) -> Result<ResponseApdu, CardError> {
    let mut resp = ResponseApdu::parse(&card.transmit(&cmd.encode()?)?)?;
    if let StatusWord::ExactLength(n) = resp.sw {
        let le = if n == 0 { 256 } else { usize::from(n) };
        let retry = CommandApdu { le: Some(le), ..cmd.clone() };
        resp = ResponseApdu::parse(&card.transmit(&retry.encode()?)?)?;
    }
    let mut data = std::mem::take(&mut resp.data);
    let mut rounds = 0;
    while let StatusWord::BytesAvailable(n) = resp.sw {
        // A card that keeps answering 61xx without data would otherwise hold us forever.
        rounds += 1;
        if rounds > MAX_GET_RESPONSE_ROUNDS {
            return Err(CardError::ResponseTooLong(MAX_CHAINED_RESPONSE));
        }
        let le = if n == 0 { 256 } else { usize::from(n) };
        let get = CommandApdu::new(cmd.cla & 0x0F & !0x0C, 0xC0, 0, 0).with_le(le);
        resp = ResponseApdu::parse(&card.transmit(&get.encode()?)?)?;
        if data.len() + resp.data.len() > MAX_CHAINED_RESPONSE {
            return Err(CardError::ResponseTooLong(MAX_CHAINED_RESPONSE));
        }
        data.append(&mut resp.data);
    }
    Ok(ResponseApdu::new(data, resp.sw))
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
