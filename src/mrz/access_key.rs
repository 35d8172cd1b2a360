//! The MRZ-derived access key input for BAC and PACE: "MRZ_information" (ICAO 9303 Part 11
//! §9.7.2 and §4.4.1.1): document number (with fillers to at least 9) ‖ check digit ‖
//! date of birth ‖ check digit ‖ date of expiry ‖ check digit.

use std::fmt;

use zeroize::Zeroizing;

use super::check::{compute, validate_date};
use super::error::{Field, MrzError};
use super::layout::{parse_line2, trim_fillers};
use super::{Mrz, MrzFormat, tokens};

/// The MRZ_information string the BAC key seed is hashed from. Zeroized on drop; `Debug`
/// prints no digits.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey(Zeroizing<String>);

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(REDACTED)")
    }
}

/// The document number as it enters MRZ_information: fillers up to 9 characters; a longer
/// number (TD1/TD2 long numbers) is used whole.
fn padded_number(number: &str) -> String {
    let mut s = number.to_string();
    while s.len() < 9 {
        s.push('<');
    }
    s
}

impl AccessKey {
    /// From a full MRZ (any format, as [`Mrz::parse`] accepts it) or the second line of a
    /// TD3 (or TD2) MRZ alone. Every check digit present is verified.
    pub fn from_mrz_text(text: &str) -> Result<AccessKey, MrzError> {
        let lines = tokens(text);
        match lines.as_slice() {
            [line] if line.len() == 44 || line.len() == 36 => {
                let format = if line.len() == 44 { MrzFormat::Td3 } else { MrzFormat::Td2 };
                if let Some(p) = line.bytes().position(|c| !super::check::is_mrz_char(c)) {
                    return Err(MrzError::InvalidCharacter { line: 1, position: p + 1 });
                }
                let l2 = parse_line2(line, format)?;
                Self::from_parts(&l2.document_number, &l2.date_of_birth, &l2.date_of_expiry)
            }
            _ => Ok(Mrz::parse(text)?.access_key()),
        }
    }

    /// From the three fields (upper-cased, surrounding whitespace ignored). Dates are
    /// validated as YYMMDD; the check digits are computed.
    pub fn from_parts(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<AccessKey, MrzError> {
        let number = Zeroizing::new(trim_fillers(&document_number.trim().to_ascii_uppercase()));
        if number.is_empty() {
            return Err(MrzError::Empty { field: Field::DocumentNumber });
        }
        let dob = Zeroizing::new(date_of_birth.trim().to_ascii_uppercase());
        let exp = Zeroizing::new(date_of_expiry.trim().to_string());
        compute(&number, Field::DocumentNumber)?;
        validate_date(&dob, Field::DateOfBirth, true)?;
        validate_date(&exp, Field::DateOfExpiry, false)?;
        Ok(Self::from_fields_lenient(&number, &dob, &exp))
    }

    /// Builds the string from fields assumed valid (an invalid character counts as 0).
    pub(crate) fn from_fields_lenient(number: &str, dob: &str, exp: &str) -> AccessKey {
        let number = Zeroizing::new(padded_number(number));
        let cd = |s: &str, f: Field| compute(s, f).unwrap_or(0);
        let mut info = Zeroizing::new(String::with_capacity(number.len() + 15));
        for (part, field) in [
            (number.as_str(), Field::DocumentNumber),
            (dob, Field::DateOfBirth),
            (exp, Field::DateOfExpiry),
        ] {
            info.push_str(part);
            info.push(char::from(b'0' + cd(part, field)));
        }
        AccessKey(info)
    }

    /// The MRZ_information string, e.g. "L898902C<369080619406236".
    pub fn mrz_information(&self) -> &str {
        &self.0
    }
}
