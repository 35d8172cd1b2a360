//! ISO/IEC 7816-4 basics: command and response APDUs, status words, and the one
//! bounded BER-TLV reader that every byte from a chip goes through.

mod apdu;
pub mod atr;
mod status;
pub mod tlv;

pub use apdu::{ApduError, CommandApdu, MAX_EXTENDED_LE, MAX_SHORT_LE, ResponseApdu};
pub use status::StatusWord;
