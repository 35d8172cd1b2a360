//! Machine readable zone (ICAO 9303 Parts 3–6): TD1/TD2/TD3 parsing with every check digit,
//! canonical lines for DG1, the BAC/PACE key input ("MRZ_information", Part 11 §9.7.2) and
//! the Card Access Number (Part 11 §4.4.1.1).
//!
//! Input is hostile and personal: errors name the field (and check digits), never the MRZ,
//! and [`Mrz`]'s `Debug` output redacts personal data; everything is zeroized on drop.

mod access_key;
mod can;
mod check;
mod error;
mod layout;
#[cfg(test)]
mod tests;

use std::fmt;

pub use access_key::AccessKey;
pub use can::{CAN_LEN, Can};
pub use check::check_digit;
pub use error::{Field, MrzError};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The MRZ formats of ICAO 9303: TD1 (3×30, cards), TD2 (2×36), TD3 (2×44, passports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    Td1,
    Td2,
    Td3,
}

impl MrzFormat {
    /// (number of lines, characters per line).
    pub fn shape(&self) -> (usize, usize) {
        match self {
            MrzFormat::Td1 => (3, 30),
            MrzFormat::Td2 => (2, 36),
            MrzFormat::Td3 => (2, 44),
        }
    }
}

/// A parsed, check-digit-verified MRZ. Fields have trailing fillers removed; names have
/// fillers replaced by spaces. `sex` is "M", "F", "X" or "<" (unspecified).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Mrz {
    #[zeroize(skip)]
    pub format: MrzFormat,
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub nationality: String,
    /// YYMMDD; month and day may be "<<" when unknown.
    pub date_of_birth: String,
    pub sex: String,
    /// YYMMDD.
    pub date_of_expiry: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
    /// TD3 personal number / optional data; TD1 optional data of line 1; TD2 optional data.
    pub optional_data: String,
    /// TD1 only: optional data of line 2 (empty for TD2/TD3).
    pub optional_data_2: String,
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format)
            .field("document_code", &self.document_code)
            .field("issuing_state", &self.issuing_state)
            .field("personal_data", &"REDACTED")
            .finish()
    }
}

/// Upper-cases and splits typed or scanned text into lines (any whitespace separates).
fn tokens(text: &str) -> Zeroizing<Vec<String>> {
    let upper = Zeroizing::new(text.to_ascii_uppercase());
    Zeroizing::new(upper.split_whitespace().map(str::to_string).collect())
}

fn describe(lines: &[String]) -> String {
    let lens: Vec<String> = lines.iter().map(|l| l.chars().count().to_string()).collect();
    match lens.as_slice() {
        [] => "no text".to_string(),
        [one] => format!("1 line of {one} characters"),
        [init @ .., last] => {
            format!("{} lines of {} and {last} characters", lens.len(), init.join(", "))
        }
    }
}

fn check_chars(lines: &[&str]) -> Result<(), MrzError> {
    for (n, line) in lines.iter().enumerate() {
        if let Some(p) = line.bytes().position(|c| !check::is_mrz_char(c)) {
            return Err(MrzError::InvalidCharacter { line: n + 1, position: p + 1 });
        }
    }
    Ok(())
}

/// Splits `s` into `n` lines of `width` ASCII characters.
fn split_fixed(s: &str, width: usize) -> Vec<&str> {
    (0..s.len() / width).filter_map(|i| s.get(i * width..(i + 1) * width)).collect()
}

impl Mrz {
    /// Parses a full MRZ of any format: lines separated by newlines, CR/LF or spaces (as a
    /// keyboard-wedge scanner types them), surrounding whitespace ignored, lower case
    /// accepted; also the lines run together without separators (as in DG1).
    pub fn parse(text: &str) -> Result<Mrz, MrzError> {
        let lines = tokens(text);
        for (n, line) in lines.iter().enumerate() {
            if let Some(p) =
                line.chars().position(|c| !c.is_ascii() || !check::is_mrz_char(c as u8))
            {
                return Err(MrzError::InvalidCharacter { line: n + 1, position: p + 1 });
            }
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let lens: Vec<usize> = refs.iter().map(|l| l.len()).collect();
        match (refs.as_slice(), lens.as_slice()) {
            ([a, b, c], [30, 30, 30]) => Self::from_lines(MrzFormat::Td1, &[a, b, c]),
            ([a, b], [36, 36]) => Self::from_lines(MrzFormat::Td2, &[a, b]),
            ([a, b], [44, 44]) => Self::from_lines(MrzFormat::Td3, &[a, b]),
            ([one], _) => Self::from_concatenated(one).map_err(|e| match e {
                MrzError::Layout { .. } => MrzError::Layout { found: describe(&lines) },
                e => e,
            }),
            _ => Err(MrzError::Layout { found: describe(&lines) }),
        }
    }

    /// Parses the MRZ as DG1 stores it: the lines concatenated (90, 72 or 88 characters).
    pub fn from_concatenated(text: &str) -> Result<Mrz, MrzError> {
        let format = match text.len() {
            90 => MrzFormat::Td1,
            72 => MrzFormat::Td2,
            88 => MrzFormat::Td3,
            n => {
                return Err(MrzError::Layout { found: format!("{n} characters run together") });
            }
        };
        let lines = split_fixed(text, format.shape().1);
        Self::from_lines(format, &lines)
    }

    /// Parses lines of the given format (each of the exact width).
    pub fn from_lines(format: MrzFormat, lines: &[&str]) -> Result<Mrz, MrzError> {
        let (count, width) = format.shape();
        if lines.len() != count || lines.iter().any(|l| l.len() != width) {
            let owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            return Err(MrzError::Layout { found: describe(&owned) });
        }
        check_chars(lines)?;
        match lines {
            [l1, l2, l3] => layout::parse_td1(l1, l2, l3),
            [l1, l2] => layout::parse_td23(l1, l2, format),
            _ => Err(MrzError::Layout { found: describe(&[]) }),
        }
    }

    /// The canonical lines, check digits computed from the fields (for building DG1).
    /// Fields too long for their place are cut and invalid characters become fillers;
    /// use [`Mrz::to_lines`] to have such fields rejected instead.
    pub fn lines(&self) -> Vec<String> {
        layout::Builder { strict: false }.lines(self).unwrap_or_default()
    }

    /// As [`Mrz::lines`], but a field that does not fit or holds an invalid character is
    /// an error (names alone may be truncated, as ICAO 9303 Part 3 §4.6.5 allows).
    pub fn to_lines(&self) -> Result<Vec<String>, MrzError> {
        layout::Builder { strict: true }.lines(self)
    }

    /// The BAC/PACE key seed input of this MRZ (document number, birth, expiry).
    pub fn access_key(&self) -> AccessKey {
        AccessKey::from_fields_lenient(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
    }
}
