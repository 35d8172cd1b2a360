//! A customer reference as the kiosk accepts it: 1–64 letters, digits, `-` and `_`, not
//! starting with `-` — so it can name a file in the photo folder and a path segment of the
//! customer system's URL without any way out of either (no `/`, `\`, `.`, `%`, NUL).

use super::SelfieError;

/// Longest reference accepted.
pub const MAX_REFERENCE_LEN: usize = 64;

/// A checked customer reference. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerReference(String);

impl CustomerReference {
    /// Checks `raw` (surrounding white space is dropped).
    pub fn parse(raw: &str) -> Result<CustomerReference, SelfieError> {
        let r = raw.trim();
        let ok = !r.is_empty()
            && r.len() <= MAX_REFERENCE_LEN
            && !r.starts_with('-')
            && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok { Ok(CustomerReference(r.to_owned())) } else { Err(SelfieError::BadReference) }
    }

    /// The reference, for the file name or URL only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CustomerReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerReference(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_safe_charset_is_accepted() {
        for ok in ["C-100234", "abc_DEF_09", " 42 ", &"x".repeat(64)] {
            assert!(CustomerReference::parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "",
            "   ",
            "../etc/passwd",
            "..",
            "a/b",
            "a\\b",
            "a.jpg",
            "%2e%2e",
            "a\0b",
            "-rf",
            "naïve",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(
                matches!(CustomerReference::parse(bad), Err(SelfieError::BadReference)),
                "{bad:?}"
            );
        }
        assert!(!format!("{:?}", CustomerReference::parse("C-1").unwrap()).contains("C-1"));
    }
}
