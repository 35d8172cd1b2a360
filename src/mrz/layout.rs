//! Field positions of the three MRZ formats: TD1 (ICAO 9303 Part 5 §4.2), TD2 (Part 6 §4.2)
//! and TD3 (Part 4 §4.2), parsed into fields and rebuilt into canonical lines.

use super::check::{compute, validate_date, verify};
use super::error::{Field, MrzError};
use super::{Mrz, MrzFormat};

/// The fields of the line shared by TD2 and TD3 (document number … composite).
pub(crate) struct Line2 {
    pub document_number: String,
    pub nationality: String,
    pub date_of_birth: String,
    pub sex: String,
    pub date_of_expiry: String,
    pub optional_data: String,
}

/// `line[a..b]`, or "" when out of range (lines are validated before, so never in practice).
fn sub(line: &str, a: usize, b: usize) -> &str {
    line.get(a..b).unwrap_or_default()
}

fn at(line: &str, i: usize) -> u8 {
    line.as_bytes().get(i).copied().unwrap_or(b'?')
}

/// Removes trailing fillers.
pub(crate) fn trim_fillers(s: &str) -> String {
    s.trim_end_matches('<').to_string()
}

fn check_sex(sex: u8) -> Result<String, MrzError> {
    match sex {
        b'M' | b'F' | b'X' | b'<' => Ok(char::from(sex).to_string()),
        _ => Err(MrzError::InvalidField { field: Field::Sex, why: "expected M, F, X or '<'" }),
    }
}

/// Splits an optional-data field that carries the overflow of a long document number
/// (TD1/TD2, 9303 Part 5 note j): `rest-of-number ‖ check digit ‖ '<' ‖ optional data`.
/// Returns (rest of number, check digit character, optional data).
fn split_long_number(opt: &str) -> Result<(&str, u8, &str), MrzError> {
    let end = opt.find('<').unwrap_or(opt.len());
    let overflow = sub(opt, 0, end);
    let Some(cd_pos) = overflow.len().checked_sub(1) else {
        return Err(MrzError::InvalidField {
            field: Field::DocumentNumber,
            why: "check digit position is a filler but no long number follows",
        });
    };
    let rest = opt.get(end.saturating_add(1)..).unwrap_or_default();
    Ok((sub(overflow, 0, cd_pos), at(overflow, cd_pos), rest))
}

/// Document number from its 9-character field, its check digit, and the optional data
/// that may hold the overflow. Returns (document number, optional data).
fn document_number(
    field9: &str,
    cd: u8,
    opt: &str,
    long_allowed: bool,
) -> Result<(String, String), MrzError> {
    let (number, opt_out) = if cd == b'<' && long_allowed {
        let (more, cd2, rest) = split_long_number(opt)?;
        let number = format!("{field9}{more}");
        verify(&number, cd2, Field::DocumentNumber, false)?;
        (number, trim_fillers(rest))
    } else {
        verify(field9, cd, Field::DocumentNumber, false)?;
        (trim_fillers(field9), trim_fillers(opt))
    };
    let number = trim_fillers(&number);
    if number.is_empty() {
        return Err(MrzError::Empty { field: Field::DocumentNumber });
    }
    Ok((number, opt_out))
}

/// Parses the second line of TD2 (36) or TD3 (44), checking every check digit.
pub(crate) fn parse_line2(l2: &str, format: MrzFormat) -> Result<Line2, MrzError> {
    let (opt_end, composite_at) = match format {
        MrzFormat::Td3 => (42, 43),
        _ => (35, 35),
    };
    let opt = sub(l2, 28, opt_end);
    let (document_number, optional_data) =
        document_number(sub(l2, 0, 9), at(l2, 9), opt, format == MrzFormat::Td2)?;
    let date_of_birth = sub(l2, 13, 19).to_string();
    validate_date(&date_of_birth, Field::DateOfBirth, true)?;
    verify(&date_of_birth, at(l2, 19), Field::DateOfBirth, false)?;
    let date_of_expiry = sub(l2, 21, 27).to_string();
    validate_date(&date_of_expiry, Field::DateOfExpiry, false)?;
    verify(&date_of_expiry, at(l2, 27), Field::DateOfExpiry, false)?;
    if format == MrzFormat::Td3 {
        verify(opt, at(l2, 42), Field::OptionalData, true)?;
    }
    let composite = format!("{}{}{}", sub(l2, 0, 10), sub(l2, 13, 20), sub(l2, 21, composite_at));
    verify(&composite, at(l2, composite_at), Field::Composite, false)?;
    Ok(Line2 {
        document_number,
        nationality: trim_fillers(sub(l2, 10, 13)),
        date_of_birth,
        sex: check_sex(at(l2, 20))?,
        date_of_expiry,
        optional_data,
    })
}

/// Splits a name field into primary and secondary identifiers (fillers become spaces).
fn split_name(name: &str) -> (String, String) {
    let name = name.trim_end_matches('<');
    let (primary, secondary) = match name.find("<<") {
        Some(i) => (sub(name, 0, i), name.get(i + 2..).unwrap_or_default()),
        None => (name, ""),
    };
    (primary.replace('<', " "), secondary.replace('<', " "))
}

fn header(l1: &str) -> Result<(String, String), MrzError> {
    let code = trim_fillers(sub(l1, 0, 2));
    if code.is_empty() {
        return Err(MrzError::Empty { field: Field::DocumentCode });
    }
    Ok((code, trim_fillers(sub(l1, 2, 5))))
}

/// Parses TD2 or TD3 lines (already checked for length and characters).
pub(crate) fn parse_td23(l1: &str, l2: &str, format: MrzFormat) -> Result<Mrz, MrzError> {
    let (document_code, issuing_state) = header(l1)?;
    let line2 = parse_line2(l2, format)?;
    let (primary_identifier, secondary_identifier) = split_name(l1.get(5..).unwrap_or_default());
    Ok(Mrz {
        format,
        document_code,
        issuing_state,
        document_number: line2.document_number,
        nationality: line2.nationality,
        date_of_birth: line2.date_of_birth,
        sex: line2.sex,
        date_of_expiry: line2.date_of_expiry,
        primary_identifier,
        secondary_identifier,
        optional_data: line2.optional_data,
        optional_data_2: String::new(),
    })
}

/// Parses TD1 lines (already checked for length and characters).
pub(crate) fn parse_td1(l1: &str, l2: &str, l3: &str) -> Result<Mrz, MrzError> {
    let (document_code, issuing_state) = header(l1)?;
    let (document_number, optional_data) =
        document_number(sub(l1, 5, 14), at(l1, 14), sub(l1, 15, 30), true)?;
    let date_of_birth = sub(l2, 0, 6).to_string();
    validate_date(&date_of_birth, Field::DateOfBirth, true)?;
    verify(&date_of_birth, at(l2, 6), Field::DateOfBirth, false)?;
    let date_of_expiry = sub(l2, 8, 14).to_string();
    validate_date(&date_of_expiry, Field::DateOfExpiry, false)?;
    verify(&date_of_expiry, at(l2, 14), Field::DateOfExpiry, false)?;
    let composite =
        format!("{}{}{}{}", sub(l1, 5, 30), sub(l2, 0, 7), sub(l2, 8, 15), sub(l2, 18, 29));
    verify(&composite, at(l2, 29), Field::Composite, false)?;
    let (primary_identifier, secondary_identifier) = split_name(l3);
    Ok(Mrz {
        format: MrzFormat::Td1,
        document_code,
        issuing_state,
        document_number,
        nationality: trim_fillers(sub(l2, 15, 18)),
        date_of_birth,
        sex: check_sex(at(l2, 7))?,
        date_of_expiry,
        primary_identifier,
        secondary_identifier,
        optional_data,
        optional_data_2: trim_fillers(sub(l2, 18, 29)),
    })
}

/// Builds canonical lines from fields.
///
/// `strict` rejects fields that do not fit or hold invalid characters; otherwise they are
/// cut to their width and invalid characters become fillers, so the lines are well formed.
pub(crate) struct Builder {
    pub strict: bool,
}

impl Builder {
    fn fit(&self, value: &str, width: usize, field: Field) -> Result<String, MrzError> {
        let mut s: String = value
            .chars()
            .map(|c| match c {
                ' ' => '<',
                c if c.is_ascii() && super::check::is_mrz_char(c as u8) => c,
                _ => '\u{0}',
            })
            .collect();
        if let Some(position) = s.find('\u{0}') {
            if self.strict {
                return Err(MrzError::InvalidFieldCharacter { field, position: position + 1 });
            }
            s = s.replace('\u{0}', "<");
        }
        if s.len() > width {
            if self.strict && field != Field::Name {
                return Err(MrzError::TooLong { field, len: s.len(), max: width });
            }
            s.truncate(width);
        }
        while s.len() < width {
            s.push('<');
        }
        Ok(s)
    }

    fn cd(&self, data: &str, field: Field) -> Result<char, MrzError> {
        Ok(char::from(b'0' + compute(data, field)?))
    }

    fn name(&self, mrz: &Mrz, width: usize) -> Result<String, MrzError> {
        let mut name = mrz.primary_identifier.clone();
        if !mrz.secondary_identifier.is_empty() {
            name.push_str("<<");
            name.push_str(&mrz.secondary_identifier);
        }
        self.fit(&name, width, Field::Name)
    }

    /// Document number field (9) with check digit, and the optional-data field that
    /// carries a long number's overflow (TD1/TD2) followed by the optional data.
    fn number_and_optional(
        &self,
        mrz: &Mrz,
        opt_width: usize,
        long_allowed: bool,
    ) -> Result<(String, String), MrzError> {
        let number = mrz.document_number.as_str();
        if number.len() > 9 && long_allowed {
            let first = self.fit(sub(number, 0, 9), 9, Field::DocumentNumber)?;
            let more = number.get(9..).unwrap_or_default();
            let cd = self.cd(
                &self.fit(number, number.len(), Field::DocumentNumber)?,
                Field::DocumentNumber,
            )?;
            let opt = format!("{more}{cd}<{}", mrz.optional_data);
            Ok((format!("{first}<"), self.fit(&opt, opt_width, Field::OptionalData)?))
        } else {
            let field = self.fit(number, 9, Field::DocumentNumber)?;
            let cd = self.cd(&field, Field::DocumentNumber)?;
            Ok((
                format!("{field}{cd}"),
                self.fit(&mrz.optional_data, opt_width, Field::OptionalData)?,
            ))
        }
    }

    fn date(&self, date: &str, field: Field) -> Result<String, MrzError> {
        let d = self.fit(date, 6, field)?;
        let cd = self.cd(&d, field)?;
        Ok(format!("{d}{cd}"))
    }

    fn sex(&self, mrz: &Mrz) -> Result<String, MrzError> {
        self.fit(&mrz.sex, 1, Field::Sex)
    }

    pub fn lines(&self, mrz: &Mrz) -> Result<Vec<String>, MrzError> {
        let head = format!(
            "{}{}",
            self.fit(&mrz.document_code, 2, Field::DocumentCode)?,
            self.fit(&mrz.issuing_state, 3, Field::IssuingState)?
        );
        let nationality = self.fit(&mrz.nationality, 3, Field::Nationality)?;
        let dob = self.date(&mrz.date_of_birth, Field::DateOfBirth)?;
        let exp = self.date(&mrz.date_of_expiry, Field::DateOfExpiry)?;
        let sex = self.sex(mrz)?;
        match mrz.format {
            MrzFormat::Td1 => {
                let (number, opt1) = self.number_and_optional(mrz, 15, true)?;
                let opt2 = self.fit(&mrz.optional_data_2, 11, Field::OptionalData)?;
                let l1 = format!("{head}{number}{opt1}");
                let composite = format!("{}{dob}{exp}{opt2}", sub(&l1, 5, 30));
                let cd = self.cd(&composite, Field::Composite)?;
                let l2 = format!("{dob}{sex}{exp}{nationality}{opt2}{cd}");
                Ok(vec![l1, l2, self.name(mrz, 30)?])
            }
            MrzFormat::Td2 | MrzFormat::Td3 => {
                let td3 = mrz.format == MrzFormat::Td3;
                let (width, opt_width) = if td3 { (44, 14) } else { (36, 7) };
                let (number, mut opt) = self.number_and_optional(mrz, opt_width, !td3)?;
                if td3 {
                    let cd = if mrz.optional_data.is_empty() {
                        '<'
                    } else {
                        self.cd(&opt, Field::OptionalData)?
                    };
                    opt.push(cd);
                }
                let composite = format!("{number}{dob}{exp}{opt}");
                let cd = self.cd(&composite, Field::Composite)?;
                let l1 = format!("{head}{}", self.name(mrz, width - 5)?);
                Ok(vec![l1, format!("{number}{nationality}{dob}{sex}{exp}{opt}{cd}")])
            }
        }
    }
}
