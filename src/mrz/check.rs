//! Check digits (ICAO 9303 Part 3 §4.9: weights 7-3-1, modulus 10) and YYMMDD dates.

use super::error::{Field, MrzError};

/// The numeric value of an MRZ character: 0–9, A=10 … Z=35, '<'=0.
fn value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// True for the characters an MRZ may hold: A–Z, 0–9 and '<'.
pub(crate) fn is_mrz_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<'
}

/// Computes the check digit of `field` (ICAO 9303 Part 3 §4.9).
pub fn check_digit(field: &str) -> Result<u8, MrzError> {
    compute(field, Field::Unnamed)
}

/// As [`check_digit`], naming `which` in errors.
pub(crate) fn compute(field: &str, which: Field) -> Result<u8, MrzError> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum: u32 = 0;
    for (i, c) in field.bytes().enumerate() {
        let v =
            value(c).ok_or(MrzError::InvalidFieldCharacter { field: which, position: i + 1 })?;
        sum = (sum + v * WEIGHTS[i % 3]) % 10;
    }
    // `sum` is reduced modulo 10 at every step, so it fits a u8.
    Ok(sum as u8)
}

/// Checks the check-digit character `found` against the digits of `data`.
/// `filler_means_zero` allows '<' for an all-filler field (TD3 optional data).
pub(crate) fn verify(
    data: &str,
    found: u8,
    field: Field,
    filler_means_zero: bool,
) -> Result<(), MrzError> {
    let expected = compute(data, field)?;
    match found {
        b'0'..=b'9' => {
            if found - b'0' == expected {
                Ok(())
            } else {
                Err(MrzError::CheckDigit { field, found: char::from(found), expected })
            }
        }
        b'<' if filler_means_zero && expected == 0 => Ok(()),
        _ => Err(MrzError::CheckDigitNotDigit { field, expected }),
    }
}

/// Validates a YYMMDD date. With `unknown_allowed`, the month and/or day may be "<<"
/// (ICAO 9303 Part 3 §4.6.2: unknown parts of a date of birth).
pub(crate) fn validate_date(
    date: &str,
    field: Field,
    unknown_allowed: bool,
) -> Result<(), MrzError> {
    let bad = MrzError::InvalidDate { field };
    let b = date.as_bytes();
    if b.len() != 6 || !b.get(..2).is_some_and(|yy| yy.iter().all(u8::is_ascii_digit)) {
        return Err(bad);
    }
    let part = |i: usize| -> Result<Option<u8>, MrzError> {
        match (b.get(i), b.get(i + 1)) {
            (Some(b'<'), Some(b'<')) if unknown_allowed => Ok(None),
            (Some(t @ b'0'..=b'9'), Some(u @ b'0'..=b'9')) => {
                Ok(Some((t - b'0') * 10 + (u - b'0')))
            }
            _ => Err(MrzError::InvalidDate { field }),
        }
    };
    let month = part(2)?;
    let day = part(4)?;
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return Err(bad);
    }
    if let Some(d) = day {
        let max = match month {
            Some(2) => 29,
            Some(4 | 6 | 9 | 11) => 30,
            _ => 31,
        };
        if !(1..=max).contains(&d) {
            return Err(bad);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_examples() {
        // ICAO 9303 Part 3 §4.9 worked example and Part 11 App. D fields.
        assert_eq!(check_digit("520727").unwrap(), 3);
        assert_eq!(check_digit("L898902C<").unwrap(), 3);
        assert_eq!(check_digit("690806").unwrap(), 1);
        assert_eq!(check_digit("940623").unwrap(), 6);
        assert_eq!(check_digit("AB2134<<<").unwrap(), 5);
        assert_eq!(check_digit("").unwrap(), 0);
        assert_eq!(
            check_digit("AB-1").unwrap_err().to_string(),
            "MRZ field: character 3 is not A-Z, 0-9 or '<'"
        );
    }

    #[test]
    fn verify_names_field_and_digits() {
        let e = verify("740812", b'3', Field::DateOfBirth, false).unwrap_err();
        assert_eq!(e.to_string(), "date of birth check digit is 3, expected 2");
        assert!(verify("740812", b'2', Field::DateOfBirth, false).is_ok());
        assert!(verify("<<<<", b'<', Field::OptionalData, true).is_ok());
        assert!(verify("<<<<", b'<', Field::DocumentNumber, false).is_err());
    }

    #[test]
    fn dates() {
        assert!(validate_date("740812", Field::DateOfBirth, false).is_ok());
        assert!(validate_date("000229", Field::DateOfBirth, false).is_ok());
        assert!(validate_date("741312", Field::DateOfBirth, false).is_err());
        assert!(validate_date("740431", Field::DateOfBirth, false).is_err());
        assert!(validate_date("740800", Field::DateOfBirth, false).is_err());
        assert!(validate_date("7408<<", Field::DateOfBirth, true).is_ok());
        assert!(validate_date("7408<<", Field::DateOfExpiry, false).is_err());
        assert!(validate_date("74081", Field::DateOfExpiry, false).is_err());
        assert!(validate_date("7A0812", Field::DateOfExpiry, false).is_err());
    }
}
