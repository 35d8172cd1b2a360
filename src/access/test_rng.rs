//! A replaying "random" generator for tests: it returns given bytes in order, so spec
//! worked examples (ICAO 9303 Part 11 Appendix D) can be replayed byte for byte.

use rand_core::{CryptoRng, RngCore};

/// Returns the queued bytes in order; panics (test only) when they run out.
pub struct ReplayRng(std::collections::VecDeque<u8>);

impl ReplayRng {
    /// A generator that will produce the concatenation of `chunks`.
    pub fn new(chunks: &[&[u8]]) -> Self {
        Self(chunks.iter().flat_map(|c| c.iter().copied()).collect())
    }

    /// True when every queued byte was used.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl RngCore for ReplayRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_be_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest {
            *d = self.0.pop_front().expect("ReplayRng ran out of bytes");
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for ReplayRng {}
