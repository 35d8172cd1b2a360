//! File reader (ICAO 9303 Part 10 §3, ISO/IEC 7816-4 §11.2): SELECT and READ BINARY with the
//! largest chunks the chip and reader allow, extended length when both support it, Le
//! step-down on errors of a first chunk, odd-INS READ BINARY beyond offset 32 767, and caps
//! on declared file sizes before anything is allocated.

pub mod access_control;
mod chunk;
mod ef;
mod error;
pub mod indefinite;
pub mod passport;

pub use chunk::ChunkPolicy;
pub use ef::{EfReader, FileId, Progress, apdu_cap};
pub use error::ReadError;

use crate::iso7816::{CommandApdu, ResponseApdu};

/// Largest EF the reader accepts (DG2 faces are tens of KB; DG3 fingerprints can reach a few
/// hundred). A larger declared length is rejected before any allocation.
pub const MAX_EF_SIZE: usize = 1 << 20;

/// A way to exchange APDUs with the chip: plain, or through a secure-messaging channel.
pub trait Transport {
    /// Sends one command and returns the (unprotected) response.
    fn send(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError>;

    /// True when commands travel under secure messaging (chunk limits then include the
    /// secure-messaging overhead).
    fn is_secure(&self) -> bool;

    /// Re-establishes the channel after an error ended it (the chip drops its session keys
    /// on a secure-messaging error). Plain channels need nothing.
    fn recover(&mut self) -> Result<(), ReadError>;
}

/// A plain (unprotected) transport over a card channel, following 61xx and 6Cxx.
pub struct Plain<C>(pub C);

impl<C: crate::card::CardChannel> Transport for Plain<C> {
    fn send(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        Ok(crate::card::send(&mut self.0, cmd)?)
    }

    fn is_secure(&self) -> bool {
        false
    }

    fn recover(&mut self) -> Result<(), ReadError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
