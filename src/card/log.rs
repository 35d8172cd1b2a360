//! An APDU-logging and counting decorator. It logs instruction bytes, lengths and status
//! words only: never command or response data, which can hold keys or personal data.

use super::{CardChannel, CardError};
use std::time::Instant;

/// Wraps a channel, counting APDUs and bytes and logging each exchange at `debug`.
pub struct ApduLog<C> {
    inner: C,
    /// Command APDUs sent.
    pub apdus: u64,
    /// Response bytes received, status words included.
    pub bytes_in: u64,
    /// Command bytes sent.
    pub bytes_out: u64,
}

impl<C: CardChannel> ApduLog<C> {
    /// Wraps `inner`.
    pub fn new(inner: C) -> Self {
        Self { inner, apdus: 0, bytes_in: 0, bytes_out: 0 }
    }

    /// The wrapped channel.
    pub fn into_inner(self) -> C {
        self.inner
    }

    /// The wrapped channel, borrowed.
    pub fn inner_mut(&mut self) -> &mut C {
        &mut self.inner
    }
}

impl<C: CardChannel> CardChannel for ApduLog<C> {
    fn atr(&self) -> Option<Vec<u8>> {
        self.inner.atr()
    }

    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        let started = Instant::now();
        self.apdus += 1;
        self.bytes_out += command.len() as u64;
        let header = command.get(..4).unwrap_or(command);
        let result = self.inner.transmit(command);
        let micros = started.elapsed().as_micros();
        match &result {
            Ok(resp) => {
                self.bytes_in += resp.len() as u64;
                let sw = resp.get(resp.len().saturating_sub(2)..).unwrap_or_default();
                tracing::debug!(
                    target: "apdu",
                    n = self.apdus,
                    header = %hex::encode_upper(header),
                    out_len = command.len(),
                    in_len = resp.len(),
                    sw = %hex::encode_upper(sw),
                    micros,
                    "apdu"
                );
            }
            Err(e) => {
                tracing::debug!(target: "apdu", n = self.apdus, header = %hex::encode_upper(header), error = %e, "apdu failed")
            }
        }
        result
    }
}
