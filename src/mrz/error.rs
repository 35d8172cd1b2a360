//! Errors of MRZ parsing and check-digit validation (ICAO 9303 Part 3 §4.9, Parts 4–6).
//!
//! Messages name the field and, for check digits, the two digits; they never echo the MRZ.

use std::fmt;

/// The MRZ field an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    DocumentCode,
    IssuingState,
    DocumentNumber,
    Nationality,
    DateOfBirth,
    Sex,
    DateOfExpiry,
    OptionalData,
    Name,
    Composite,
    /// A field given to [`check_digit`](super::check_digit) on its own.
    Unnamed,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::DocumentCode => "document code",
            Field::IssuingState => "issuing state",
            Field::DocumentNumber => "document number",
            Field::Nationality => "nationality",
            Field::DateOfBirth => "date of birth",
            Field::Sex => "sex",
            Field::DateOfExpiry => "date of expiry",
            Field::OptionalData => "optional data",
            Field::Name => "name",
            Field::Composite => "composite",
            Field::Unnamed => "MRZ field",
        })
    }
}

/// Why an MRZ (or a part of it) was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// A check digit does not match its field.
    #[error("{field} check digit is {found}, expected {expected}")]
    CheckDigit { field: Field, found: char, expected: u8 },
    /// The check-digit position holds something other than a digit.
    #[error("{field} check digit position holds a filler or letter, expected the digit {expected}")]
    CheckDigitNotDigit { field: Field, expected: u8 },
    /// The text does not have the shape of any MRZ format.
    #[error(
        "MRZ layout not recognised: {found}; expected 3 lines of 30 characters (TD1), \
         2 of 36 (TD2) or 2 of 44 (TD3)"
    )]
    Layout { found: String },
    /// A character outside A–Z, 0–9 and '<'.
    #[error("MRZ line {line}, position {position}: character is not A-Z, 0-9 or '<'")]
    InvalidCharacter { line: usize, position: usize },
    /// A field holds a character outside A–Z, 0–9 and '<'.
    #[error("{field}: character {position} is not A-Z, 0-9 or '<'")]
    InvalidFieldCharacter { field: Field, position: usize },
    /// A date is not YYMMDD.
    #[error("{field} is not a valid date (YYMMDD)")]
    InvalidDate { field: Field },
    /// A field that must not be empty is.
    #[error("{field} is empty")]
    Empty { field: Field },
    /// A field is longer than its place in the MRZ.
    #[error("{field} is {len} characters long, at most {max} fit")]
    TooLong { field: Field, len: usize, max: usize },
    /// A field holds a value the format does not allow.
    #[error("{field} is not valid: {why}")]
    InvalidField { field: Field, why: &'static str },
    /// A Card Access Number that is not six digits.
    #[error("the CAN must be exactly 6 digits")]
    InvalidCan,
}
