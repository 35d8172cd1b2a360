//! Secure messaging (ICAO 9303 Part 11 §9.8; ISO/IEC 7816-4 §10): 3DES and AES sessions,
//! command wrapping and response unwrapping with DO'85'/'87', DO'97', DO'99' and DO'8E',
//! and the send sequence counter (SSC).
//!
//! - [`SmSession`] is the terminal side, [`ChipSmSession`] the chip side (for the simulator).
//! - [`SecureChannel`] is a card channel that only exists once BAC or PACE succeeded; the
//!   first MAC or secure-messaging failure ends it for good.
//! - [`crypto`] holds the block-cipher primitives (also used by BAC and PACE).

mod channel;
mod chip;
pub mod crypto;
mod dos;
mod keys;
mod session;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_aes;
#[cfg(test)]
mod tests_channel;
#[cfg(test)]
mod tests_hostile;

pub use channel::SecureChannel;
pub use chip::ChipSmSession;
pub use session::SmSession;

use crate::card::CardError;
use crate::iso7816::tlv::TlvError;
use crate::iso7816::{ApduError, StatusWord};
use std::fmt;

/// The cipher suite of a secure-messaging session (ICAO 9303 Part 11 §9.8.5, §9.8.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// Two-key 3DES in CBC mode (IV 0), ISO/IEC 9797-1 MAC algorithm 3; 8-byte SSC (BAC).
    TripleDes,
    /// AES-128-CBC (IV = E(K_enc, SSC)), AES-CMAC truncated to 8 bytes; 16-byte SSC.
    Aes128,
    /// AES-192, as [`Cipher::Aes128`].
    Aes192,
    /// AES-256, as [`Cipher::Aes128`].
    Aes256,
}

impl Cipher {
    /// The cipher's block size in bytes (also the padding block and the SSC length).
    pub fn block_size(self) -> usize {
        match self {
            Self::TripleDes => 8,
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
        }
    }

    /// The length of K_enc and K_mac in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::TripleDes | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// The length of the send sequence counter in bytes.
    pub fn ssc_len(self) -> usize {
        self.block_size()
    }

    /// The most data bytes a short (256-byte) protected response can carry: 231 under
    /// 3DES, 223 under AES.
    pub fn max_short_chunk(self) -> usize {
        (1..=256).rev().find(|&n| self.protected_len(n) <= 256).unwrap_or(1)
    }

    /// The size of a protected response body carrying `plain_len` data bytes: DO'87'
    /// (indicator and padded cryptogram), DO'99' and DO'8E' — for choosing READ BINARY
    /// chunk sizes (e.g. the largest that still fits a short 256-byte response).
    pub fn protected_len(self, plain_len: usize) -> usize {
        let bs = self.block_size();
        let data_object = if plain_len == 0 {
            0
        } else {
            let value = 1 + (plain_len / bs + 1) * bs;
            let len_bytes = match value {
                0..=0x7F => 1,
                0x80..=0xFF => 2,
                0x100..=0xFFFF => 3,
                _ => 4,
            };
            1 + len_bytes + value
        };
        data_object + 4 + 10
    }

    /// A short name for reports: `3DES`, `AES-128`, `AES-192`, `AES-256`.
    pub fn name(self) -> &'static str {
        match self {
            Self::TripleDes => "3DES",
            Self::Aes128 => "AES-128",
            Self::Aes192 => "AES-192",
            Self::Aes256 => "AES-256",
        }
    }
}

impl fmt::Display for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a message could not be protected or unprotected. Every failure while unprotecting
/// ends the session ([`SmError::Closed`] afterwards).
#[derive(Debug, thiserror::Error)]
pub enum SmError {
    #[error("secure messaging: card transport failed: {0}")]
    Card(#[from] CardError),
    #[error("secure messaging: {0}")]
    Apdu(#[from] ApduError),
    #[error("secure messaging: the MAC (DO'8E') does not verify; the session is over")]
    MacMismatch,
    #[error("secure messaging: the message carries no MAC (DO'8E')")]
    MissingMac,
    #[error(
        "secure messaging: the response has no authenticated status (no DO'99', and no data \
         under the MAC to vouch for the outer status word)"
    )]
    MissingStatus,
    #[error("secure messaging: decrypted data is not padded per ISO/IEC 9797-1 method 2")]
    BadPadding,
    #[error("secure messaging: malformed data object: {0}")]
    BadObject(String),
    #[error("secure messaging: {0}")]
    Tlv(#[from] TlvError),
    #[error("the chip answered {0} without secure messaging; the session is over")]
    Unprotected(StatusWord),
    #[error("the secure-messaging session was ended by an earlier failure: authenticate again")]
    Closed,
    #[error("secure messaging: the card still answered 61xx after {0} GET RESPONSE commands")]
    EndlessChaining(usize),
    #[error("secure messaging: {cipher} needs a {expected}-byte {what}, got {got} bytes")]
    Length { cipher: Cipher, what: &'static str, expected: usize, got: usize },
}

impl SmError {
    /// The plain status word a chip answers when unprotecting a command failed this way
    /// (ISO/IEC 7816-4: 6987 objects missing, 6988 objects incorrect). For the simulator.
    pub fn chip_status(&self) -> StatusWord {
        match self {
            Self::MissingMac | Self::MissingStatus => StatusWord::SmObjectsMissing,
            Self::MacMismatch | Self::BadPadding | Self::BadObject(_) | Self::Tlv(_) => {
                StatusWord::SmObjectsIncorrect
            }
            Self::Closed | Self::Unprotected(_) => StatusWord::SecurityNotSatisfied,
            Self::Card(_) | Self::Apdu(_) | Self::Length { .. } | Self::EndlessChaining(_) => {
                StatusWord::Other(0x6F00)
            }
        }
    }
}
