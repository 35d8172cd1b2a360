//! Response-size budgets of the simulated chip (ICAO 9303 Part 11 §9.8): how many plaintext
//! bytes a protected response may carry so that it fits a short (256-byte) APDU or the
//! chip's 65 535-byte I/O buffer, per secure-messaging cipher.

use crate::sm::Cipher;

/// Largest response a short APDU can carry.
pub(super) const SHORT_RESPONSE: usize = 256;

/// Bytes of a protected response carrying `n` plaintext bytes (DO'87', DO'99' unless
/// omitted, DO'8E'), without SW, under `cipher` (3DES after BAC, the PACE cipher after PACE).
pub(super) fn protected_len(n: usize, omit_do99: bool, cipher: Cipher) -> usize {
    let full = cipher.protected_len(n);
    if omit_do99 { full.saturating_sub(4) } else { full }
}

/// The most plaintext bytes whose protected response still fits a short APDU (256 bytes).
pub(super) fn short_plaintext_budget(omit_do99: bool, cipher: Cipher) -> usize {
    plaintext_budget(SHORT_RESPONSE, omit_do99, cipher)
}

/// The most plaintext bytes whose protected response (without SW) fits in `total` bytes.
pub(super) fn plaintext_budget(total: usize, omit_do99: bool, cipher: Cipher) -> usize {
    (1..=total).rev().find(|n| protected_len(*n, omit_do99, cipher) <= total).unwrap_or(1)
}

#[cfg(test)]
mod budget_tests {
    use super::*;
    const MAX_RESPONSE: usize = 65_535;

    #[test]
    fn short_budget_matches_hand_count() {
        // 231 bytes pad to 232, DO'87' = 87 81 E9 01‖232 (236), + DO'99' 4 + DO'8E' 10 = 250.
        let des = Cipher::TripleDes;
        assert_eq!(protected_len(231, false, des), 250);
        assert_eq!(short_plaintext_budget(false, des), 231);
        assert_eq!(short_plaintext_budget(true, des), 239);
        let ext = plaintext_budget(MAX_RESPONSE - 2, false, des);
        assert!(
            protected_len(ext, false, des) <= 65_533 && protected_len(ext + 8, false, des) > 65_533
        );
        // AES: 223 bytes pad to 224, DO'87' = 87 81 E1 01‖224 (228) + 4 + 10 = 242; 224 → 258.
        assert_eq!(short_plaintext_budget(false, Cipher::Aes128), 223);
        assert_eq!(protected_len(223, false, Cipher::Aes128), 242);
    }
}
