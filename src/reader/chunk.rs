//! Chunk sizes for READ BINARY: the largest the chip and reader take, learned once per session.

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
    /// Tries extended length first when `extended` is allowed, then short sizes from
    /// `short_max` (the most a short response carries: 256 plain, 231 under 3DES secure
    /// messaging, 223 under AES) down.
    pub fn new(extended: bool, short_max: usize) -> Self {
        let mut steps = Vec::new();
        if extended {
            steps.push(MAX_EXTENDED_CHUNK);
        }
        steps.push(short_max);
        steps.extend([192, 160, 128, 96, 64, 32].into_iter().filter(|&s| s < short_max));
        Self { steps, current: 0, confirmed: false }
    }

    /// Caps the extended-length size at `n` bytes (a limit the card announced, above 256).
    pub fn extended_at_most(mut self, n: usize) -> Self {
        if let Some(first) = self.steps.first_mut()
            && *first > 256
        {
            *first = n.clamp(257, MAX_EXTENDED_CHUNK);
        }
        self
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

    /// Starts again from the largest size (the sizes tried so far failed for another reason,
    /// e.g. asking past a file's end), keeping sizes a 6Cxx named.
    pub fn restart(&mut self) {
        if !self.confirmed {
            self.current = 0;
        }
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
        let mut p = ChunkPolicy::new(true, 231);
        assert_eq!(p.size(), MAX_EXTENDED_CHUNK);
        assert!(p.is_extended());
        assert!(p.step_down());
        assert_eq!(p.size(), 231);
        assert!(!p.is_extended());
        assert!(p.limit_to(200));
        assert_eq!(p.size(), 200);
        assert!(p.step_down());
        assert_eq!(p.size(), 192);
        p.confirmed = true;
        assert!(!p.step_down());
        assert_eq!(p.size(), 192);
    }
}
