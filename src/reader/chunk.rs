//! Chunk sizes for READ BINARY: the largest the chip and reader take, learned once per session.

/// Plaintext bytes a short-length READ BINARY can return under 3DES or AES secure messaging:
/// the protected response (DO'87' with padding, DO'99', DO'8E') must fit in 256 bytes.
pub const MAX_SHORT_SM_CHUNK: usize = 231;
/// Plaintext bytes one extended-length READ BINARY asks for (leaves room for SM overhead
/// within a 65 536-byte response).
pub const MAX_EXTENDED_CHUNK: usize = 0xFF00;

/// The sizes tried for a first chunk, largest first, and the one that worked.
#[derive(Debug, Clone)]
pub struct ChunkPolicy {
    steps: Vec<usize>,
    current: usize,
    /// True once a chunk of the current size has succeeded: it is then kept for the session.
    pub confirmed: bool,
}

impl ChunkPolicy {
    /// Tries extended length first when `extended` is allowed, then short sizes.
    pub fn new(extended: bool, secure: bool) -> Self {
        let short_max = if secure { MAX_SHORT_SM_CHUNK } else { 256 };
        let mut steps = Vec::new();
        if extended {
            steps.extend([MAX_EXTENDED_CHUNK, 4096, 1024]);
        }
        steps.extend([short_max, 223, 192, 160, 128, 96, 64, 32]);
        steps.dedup();
        Self { steps, current: 0, confirmed: false }
    }

    /// A fixed chunk size, never changed (used for comparison benchmarks).
    pub fn fixed(size: usize) -> Self {
        Self { steps: vec![size.max(1)], current: 0, confirmed: true }
    }

    /// The chunk size to use now.
    pub fn size(&self) -> usize {
        self.steps.get(self.current).copied().unwrap_or(32)
    }

    /// Steps down to the next smaller size; false when there is none.
    pub fn step_down(&mut self) -> bool {
        if self.confirmed || self.current + 1 >= self.steps.len() {
            return false;
        }
        self.current += 1;
        true
    }

    /// Uses an exact size the chip named (6Cxx), if smaller than the current one.
    pub fn limit_to(&mut self, exact: usize) -> bool {
        if self.confirmed || exact == 0 || exact >= self.size() {
            return false;
        }
        let pos = self.steps.iter().position(|&s| s < exact).unwrap_or(self.steps.len());
        self.steps.insert(pos, exact);
        self.current = pos;
        true
    }

    /// Whether the current size uses extended length.
    pub fn is_extended(&self) -> bool {
        self.size() > 256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_down_from_extended_to_short() {
        let mut p = ChunkPolicy::new(true, true);
        assert_eq!(p.size(), MAX_EXTENDED_CHUNK);
        assert!(p.is_extended());
        assert!(p.step_down());
        assert!(p.step_down());
        assert!(p.step_down());
        assert_eq!(p.size(), MAX_SHORT_SM_CHUNK);
        assert!(!p.is_extended());
        assert!(p.limit_to(192));
        assert_eq!(p.size(), 192);
        p.confirmed = true;
        assert!(!p.step_down());
        assert_eq!(p.size(), 192);
    }
}
