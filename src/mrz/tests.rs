//! MRZ tests with the ICAO 9303 specimens (Part 4 TD3, Part 5 TD1, Part 6 TD2) and the
//! Part 11 Appendix D key-seed example.

use super::*;

const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];
const TD1_LONG: [&str; 3] = [
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
];
const TD2: [&str; 2] =
    ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"];
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

fn replace_at(line: &str, i: usize, c: char) -> String {
    let mut s: Vec<char> = line.chars().collect();
    s[i] = c;
    s.into_iter().collect()
}

#[test]
fn td3_specimen() {
    let m = Mrz::parse(&TD3.join("\n")).unwrap();
    assert_eq!(m.format, MrzFormat::Td3);
    assert_eq!(m.document_code, "P");
    assert_eq!(m.issuing_state, "UTO");
    assert_eq!(m.document_number, "L898902C3");
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.date_of_birth, "740812");
    assert_eq!(m.sex, "F");
    assert_eq!(m.date_of_expiry, "120415");
    assert_eq!(m.primary_identifier, "ERIKSSON");
    assert_eq!(m.secondary_identifier, "ANNA MARIA");
    assert_eq!(m.optional_data, "ZE184226B");
    assert_eq!(m.lines(), TD3.to_vec());
    assert_eq!(m.to_lines().unwrap(), TD3.to_vec());
    assert_eq!(m.access_key().mrz_information(), "L898902C3674081221204159");
}

#[test]
fn td2_specimen() {
    let m = Mrz::parse(&TD2.join("\n")).unwrap();
    assert_eq!(m.format, MrzFormat::Td2);
    assert_eq!(m.document_code, "I");
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.date_of_birth, "740812");
    assert_eq!(m.date_of_expiry, "120415");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.lines(), TD2.to_vec());
}

#[test]
fn td1_specimen_and_long_number() {
    let m = Mrz::parse(&TD1.join("\n")).unwrap();
    assert_eq!(m.format, MrzFormat::Td1);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.primary_identifier, "ERIKSSON");
    assert_eq!(m.lines(), TD1.to_vec());

    let m = Mrz::parse(&TD1_LONG.join("\n")).unwrap();
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.sex, "M");
    assert_eq!(m.secondary_identifier, "PETER JOHN");
    assert_eq!(m.lines(), TD1_LONG.to_vec());
    // The whole long number and its check digit enter MRZ_information.
    assert_eq!(m.access_key().mrz_information(), "D23145890734934071279507122");
}

#[test]
fn each_wrong_check_digit_is_named() {
    let cases: [(usize, usize, &str); 5] = [
        (9, 4, "document number check digit is 4, expected 6"),
        (19, 3, "date of birth check digit is 3, expected 2"),
        (27, 8, "date of expiry check digit is 8, expected 9"),
        (42, 5, "optional data check digit is 5, expected 1"),
        (43, 7, "composite check digit is 7, expected 0"),
    ];
    for (pos, digit, msg) in cases {
        let l2 = replace_at(TD3[1], pos, char::from(b'0' + digit as u8));
        let err = Mrz::parse(&format!("{}\n{l2}", TD3[0])).unwrap_err();
        assert_eq!(err.to_string(), msg, "position {pos}");
        assert!(!err.to_string().contains("ERIKSSON"));
    }
    // TD1 and TD2 composites and fields.
    let l2 = replace_at(TD1[1], 29, '5');
    assert_eq!(
        Mrz::parse(&format!("{}\n{l2}\n{}", TD1[0], TD1[2])).unwrap_err().to_string(),
        "composite check digit is 5, expected 6"
    );
    let l1 = replace_at(TD1[0], 14, '1');
    assert_eq!(
        Mrz::parse(&format!("{l1}\n{}\n{}", TD1[1], TD1[2])).unwrap_err().to_string(),
        "document number check digit is 1, expected 7"
    );
    let l2 = replace_at(TD2[1], 35, '0');
    assert_eq!(
        Mrz::parse(&format!("{}\n{l2}", TD2[0])).unwrap_err().to_string(),
        "composite check digit is 0, expected 6"
    );
    let l1 = replace_at(TD1_LONG[0], 18, '8');
    assert_eq!(
        Mrz::parse(&format!("{l1}\n{}\n{}", TD1_LONG[1], TD1_LONG[2])).unwrap_err().to_string(),
        "document number check digit is 8, expected 9"
    );
}

#[test]
fn scanner_input_with_crlf_spaces_and_lower_case() {
    let typed = format!("  {}\r\n{}   \r\n", TD3[0].to_lowercase(), TD3[1]);
    let m = Mrz::parse(&typed).unwrap();
    assert_eq!(m.document_number, "L898902C3");
    let spaced = TD1.join(" ");
    assert_eq!(Mrz::parse(&spaced).unwrap().format, MrzFormat::Td1);
    let cr = TD2.join("\r");
    assert_eq!(Mrz::parse(&cr).unwrap().format, MrzFormat::Td2);
    assert_eq!(Mrz::parse(&TD3.concat()).unwrap().format, MrzFormat::Td3);
}

#[test]
fn strict_about_characters_and_layout() {
    let l2 = replace_at(TD3[1], 5, '«');
    assert_eq!(
        Mrz::parse(&format!("{}\n{l2}", TD3[0])).unwrap_err(),
        MrzError::InvalidCharacter { line: 2, position: 6 }
    );
    let err = Mrz::parse(&format!("{}\n{}", TD3[0], &TD3[1][..43])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "MRZ layout not recognised: 2 lines of 44 and 43 characters; expected 3 lines of 30 \
         characters (TD1), 2 of 36 (TD2) or 2 of 44 (TD3)"
    );
    assert!(matches!(Mrz::parse(""), Err(MrzError::Layout { .. })));
    assert!(matches!(Mrz::parse(TD3[1]), Err(MrzError::Layout { .. })));
    // A filler where the date-of-birth check digit belongs.
    let l2 = replace_at(TD3[1], 19, '<');
    assert!(matches!(
        Mrz::parse(&format!("{}\n{l2}", TD3[0])),
        Err(MrzError::CheckDigitNotDigit { field: Field::DateOfBirth, expected: 2 })
    ));
    // An impossible month with matching check digits is still rejected.
    let mut l2 = format!("{}741312{}", &TD3[1][..13], &TD3[1][19..]);
    l2 = replace_at(&l2, 19, char::from(b'0' + check_digit("741312").unwrap()));
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    l2 = replace_at(&l2, 43, char::from(b'0' + check_digit(&composite).unwrap()));
    assert_eq!(
        Mrz::parse(&format!("{}\n{l2}", TD3[0])),
        Err(MrzError::InvalidDate { field: Field::DateOfBirth })
    );
}

#[test]
fn debug_redacts_personal_data() {
    let m = Mrz::parse(&TD3.join("\n")).unwrap();
    let dbg = format!("{m:?}");
    assert!(!dbg.contains("ERIKSSON") && !dbg.contains("L898902C") && !dbg.contains("740812"));
    let key = m.access_key();
    assert_eq!(format!("{key:?}"), "AccessKey(REDACTED)");
}

#[test]
fn access_key_from_parts_icao_appendix_d() {
    let k = AccessKey::from_parts("L898902C", "690806", "940623").unwrap();
    assert_eq!(k.mrz_information(), "L898902C<369080619406236");
    let k = AccessKey::from_parts(" l898902c< ", "690806", "940623").unwrap();
    assert_eq!(k.mrz_information(), "L898902C<369080619406236");
    assert!(matches!(
        AccessKey::from_parts("L898902C", "691306", "940623"),
        Err(MrzError::InvalidDate { field: Field::DateOfBirth })
    ));
    assert!(matches!(
        AccessKey::from_parts("L898902C", "690806", "9406"),
        Err(MrzError::InvalidDate { field: Field::DateOfExpiry })
    ));
    assert!(matches!(
        AccessKey::from_parts("", "690806", "940623"),
        Err(MrzError::Empty { field: Field::DocumentNumber })
    ));
    assert!(AccessKey::from_parts("L89-8902", "690806", "940623").is_err());
}

#[test]
fn access_key_from_text_full_or_line_two() {
    let full = AccessKey::from_mrz_text(&TD3.join("\r\n")).unwrap();
    let line2 = AccessKey::from_mrz_text(&format!("{}  \r\n", TD3[1])).unwrap();
    assert_eq!(full, line2);
    assert_eq!(full.mrz_information(), "L898902C3674081221204159");
    let td2 = AccessKey::from_mrz_text(TD2[1]).unwrap();
    assert_eq!(td2.mrz_information(), "D23145890774081221204159");
    let l2 = replace_at(TD3[1], 19, '3');
    assert_eq!(
        AccessKey::from_mrz_text(&l2).unwrap_err().to_string(),
        "date of birth check digit is 3, expected 2"
    );
}

#[test]
fn strict_lines_reject_what_does_not_fit() {
    let mut m = Mrz::parse(&TD3.join("\n")).unwrap();
    m.document_number = "L898902C3XY".to_string();
    assert!(matches!(m.to_lines(), Err(MrzError::TooLong { field: Field::DocumentNumber, .. })));
    assert_eq!(m.lines()[1].len(), 44);
    m.document_number = "L898902C3".to_string();
    m.primary_identifier = "A VERY LONG FAMILY NAME INDEED".to_string();
    let lines = m.to_lines().unwrap();
    assert_eq!(lines[0].len(), 44);
    assert!(lines[0].starts_with("P<UTOA<VERY<LONG<FAMILY<NAME<INDEED<<ANNA<MA"));
    // Rebuilt lines parse again with valid check digits.
    Mrz::parse(&lines.join("\n")).unwrap();
}

mod property {
    //! Randomised round trips: fields → canonical lines → parse gives the same fields.
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    fn word(rng: &mut StdRng, set: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(set[rng.gen_range(0..set.len())])).collect()
    }

    fn date(rng: &mut StdRng, unknown_day: bool) -> String {
        let day =
            if unknown_day { "<<".to_string() } else { format!("{:02}", rng.gen_range(1..=28)) };
        format!("{:02}{:02}{day}", rng.gen_range(0..100), rng.gen_range(1..=12))
    }

    fn name(rng: &mut StdRng, words: usize) -> String {
        let v: Vec<String> = (0..words)
            .map(|_| {
                let len = rng.gen_range(1..6);
                word(rng, &ALNUM[..26], len)
            })
            .collect();
        v.join(" ")
    }

    fn random_mrz(rng: &mut StdRng) -> Mrz {
        let format = [MrzFormat::Td1, MrzFormat::Td2, MrzFormat::Td3][rng.gen_range(0..3)];
        // Room in the optional-data field for a long number's overflow, its check digit and
        // a filler, then the optional data.
        let (opt_width, long) = match format {
            MrzFormat::Td1 => (15, rng.gen_bool(0.4)),
            MrzFormat::Td2 => (7, rng.gen_bool(0.4)),
            MrzFormat::Td3 => (14, false),
        };
        let (number_len, opt_len) = if long {
            let extra = rng.gen_range(1..=opt_width - 3);
            (9 + extra, rng.gen_range(0..=opt_width - extra - 2))
        } else {
            (rng.gen_range(1..=9), rng.gen_range(0..=opt_width))
        };
        let mut optional_data = word(rng, b"ABCXYZ0189<", opt_len);
        while optional_data.ends_with('<') {
            optional_data.pop();
        }
        let name_width = match format {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 => 31,
            MrzFormat::Td3 => 39,
        };
        let (mut primary, mut secondary);
        loop {
            let (a, b) = (rng.gen_range(1..3), rng.gen_range(0..3));
            primary = name(rng, a);
            secondary = name(rng, b);
            if primary.len() + secondary.len() + 2 <= name_width {
                break;
            }
        }
        let unknown_day = rng.gen_bool(0.1);
        Mrz {
            format,
            document_code: ["P", "PD", "I", "ID", "AC"][rng.gen_range(0..5)].to_string(),
            issuing_state: ["UTO", "D", "NLD"][rng.gen_range(0..3)].to_string(),
            document_number: word(rng, ALNUM, number_len),
            nationality: ["UTO", "D", "GBR"][rng.gen_range(0..3)].to_string(),
            date_of_birth: date(rng, unknown_day),
            sex: ["M", "F", "X", "<"][rng.gen_range(0..4)].to_string(),
            date_of_expiry: date(rng, false),
            primary_identifier: primary,
            secondary_identifier: secondary,
            optional_data,
            optional_data_2: if format == MrzFormat::Td1 {
                let len = rng.gen_range(0..=11);
                word(rng, ALNUM, len)
            } else {
                String::new()
            },
        }
    }

    #[test]
    fn fields_to_lines_to_fields() {
        let mut rng = StdRng::seed_from_u64(9303);
        for i in 0..3000 {
            let m = random_mrz(&mut rng);
            let lines = m.to_lines().unwrap_or_else(|e| panic!("case {i}: {e}"));
            let (count, width) = m.format.shape();
            assert_eq!(lines.len(), count);
            assert!(lines.iter().all(|l| l.len() == width));
            let text = lines.join("\r\n");
            let parsed = Mrz::parse(&text).unwrap_or_else(|e| panic!("case {i}: {e}"));
            assert!(parsed == m, "case {i}: round trip differs");
            assert_eq!(parsed.lines(), lines);
            let by_parts =
                AccessKey::from_parts(&m.document_number, &m.date_of_birth, &m.date_of_expiry)
                    .unwrap();
            assert_eq!(AccessKey::from_mrz_text(&text).unwrap(), by_parts);
            if m.format != MrzFormat::Td1 {
                assert_eq!(AccessKey::from_mrz_text(&lines[1]).unwrap(), by_parts);
            }
        }
    }
}
