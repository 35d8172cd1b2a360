//! The Card Access Number (ICAO 9303 Part 11 §4.4.1.1, §9.7.3): six digits printed on the
//! data page, a PACE password alternative to the MRZ. Zeroized on drop; `Debug` hides it.

use std::fmt;

use zeroize::Zeroizing;

use super::error::MrzError;

/// Digits of a CAN (ICAO 9303 uses six).
pub const CAN_LEN: usize = 6;

/// A Card Access Number: exactly six ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Can(Zeroizing<String>);

impl fmt::Debug for Can {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Can(REDACTED)")
    }
}

impl Can {
    /// Parses a CAN typed by staff: surrounding whitespace ignored, then exactly six digits.
    pub fn new(text: &str) -> Result<Can, MrzError> {
        let t = text.trim();
        if t.len() != CAN_LEN || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MrzError::InvalidCan);
        }
        Ok(Can(Zeroizing::new(t.to_owned())))
    }

    /// The digits (the PACE password f(π) = the CAN's ASCII bytes).
    pub fn digits(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_only_and_redacted() {
        assert_eq!(Can::new(" 123456 ").unwrap().digits(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "12 456", "１２３４５６"] {
            assert_eq!(Can::new(bad), Err(MrzError::InvalidCan), "{bad}");
        }
        assert_eq!(format!("{:?}", Can::new("123456").unwrap()), "Can(REDACTED)");
    }
}
