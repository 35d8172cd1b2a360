//! What both sides of a secure-messaging session hold (ICAO 9303 Part 11 §9.8): the cipher,
//! KS_enc, KS_mac and the send sequence counter, wiped on drop and when the session ends.

use super::dos::MessageKeys;
use super::{Cipher, SmError};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// Session keys and SSC. `Debug` never shows the keys.
pub(super) struct SessionKeys {
    cipher: Cipher,
    k_enc: Zeroizing<Vec<u8>>,
    k_mac: Zeroizing<Vec<u8>>,
    ssc: Zeroizing<Vec<u8>>,
    closed: bool,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("cipher", &self.cipher)
            .field("keys", &"REDACTED")
            .field("closed", &self.closed)
            .finish()
    }
}

impl SessionKeys {
    /// Checks the key and SSC lengths for `cipher` (SSC: 8 bytes for 3DES, 16 for AES).
    pub(super) fn new(
        cipher: Cipher,
        k_enc: &[u8],
        k_mac: &[u8],
        ssc: &[u8],
    ) -> Result<Self, SmError> {
        for (what, got, expected) in [
            ("K_enc", k_enc.len(), cipher.key_len()),
            ("K_mac", k_mac.len(), cipher.key_len()),
            ("SSC", ssc.len(), cipher.ssc_len()),
        ] {
            if got != expected {
                return Err(SmError::Length { cipher, what, expected, got });
            }
        }
        Ok(Self {
            cipher,
            k_enc: Zeroizing::new(k_enc.to_vec()),
            k_mac: Zeroizing::new(k_mac.to_vec()),
            ssc: Zeroizing::new(ssc.to_vec()),
            closed: false,
        })
    }

    pub(super) fn cipher(&self) -> Cipher {
        self.cipher
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed
    }

    /// `Err(Closed)` once the session has ended.
    pub(super) fn ensure_open(&self) -> Result<(), SmError> {
        if self.closed { Err(SmError::Closed) } else { Ok(()) }
    }

    /// Ends the session and wipes its keys.
    pub(super) fn close(&mut self) {
        self.closed = true;
        self.k_enc.zeroize();
        self.k_mac.zeroize();
    }

    /// The counter one step on, not yet stored (see [`SessionKeys::store_ssc`]).
    pub(super) fn next_ssc(&self) -> Zeroizing<Vec<u8>> {
        let mut ssc = self.ssc.clone();
        increment(&mut ssc);
        ssc
    }

    /// Stores a counter from [`SessionKeys::next_ssc`].
    pub(super) fn store_ssc(&mut self, ssc: Zeroizing<Vec<u8>>) {
        self.ssc = ssc;
    }

    /// Advances the counter and returns the keys for one message under it.
    pub(super) fn advance(&mut self) -> MessageKeys<'_> {
        increment(&mut self.ssc);
        self.with_ssc_ref()
    }

    fn with_ssc_ref(&self) -> MessageKeys<'_> {
        self.with_ssc(&self.ssc)
    }

    /// The keys for one message under `ssc`.
    pub(super) fn with_ssc<'a>(&'a self, ssc: &'a [u8]) -> MessageKeys<'a> {
        MessageKeys { cipher: self.cipher, k_enc: &self.k_enc, k_mac: &self.k_mac, ssc }
    }
}

/// Increments the big-endian send sequence counter (wrapping, which 2^64 APDUs never reach).
pub(super) fn increment(ssc: &mut [u8]) {
    for b in ssc.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
}
