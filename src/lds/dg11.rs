//! DG11, additional personal details (ICAO 9303 Part 10 §4.7.11): `6B { 5C tag list,
//! 5F0E full name in national characters, 5F10 personal number, 5F2B full date of birth,
//! 5F11 place of birth, 5F42 permanent address, 5F13 profession, … }`. Personal data:
//! zeroized, and `Debug` names only the fields present.

use std::fmt;

use zeroize::Zeroizing;

use super::LdsError;
use super::text_dg;

const FILE: &str = "EF.DG11";
/// The LDS1 tag of DG11 (9303 Part 10 Table 31).
pub const TAG_DG11: u32 = 0x6B;
const TAGS: [u32; 6] = [0x5F0E, 0x5F10, 0x5F2B, 0x5F11, 0x5F42, 0x5F13];

/// The fields of DG11 this kiosk uses.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dg11 {
    /// Full name in national characters (5F0E), primary and secondary identifiers
    /// separated by `<<`.
    pub full_name: Option<Zeroizing<String>>,
    /// Personal number (5F10).
    pub personal_number: Option<Zeroizing<String>>,
    /// Full date of birth, YYYYMMDD (5F2B).
    pub full_date_of_birth: Option<Zeroizing<String>>,
    /// Place of birth (5F11), parts separated by `<`.
    pub place_of_birth: Option<Zeroizing<String>>,
    /// Permanent address (5F42).
    pub permanent_address: Option<Zeroizing<String>>,
    /// Profession (5F13).
    pub profession: Option<Zeroizing<String>>,
}

impl fmt::Debug for Dg11 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<Zeroizing<String>>| if v.is_some() { "<present>" } else { "-" };
        f.debug_struct("Dg11")
            .field("full_name", &shown(&self.full_name))
            .field("personal_number", &shown(&self.personal_number))
            .field("full_date_of_birth", &shown(&self.full_date_of_birth))
            .field("place_of_birth", &shown(&self.place_of_birth))
            .field("permanent_address", &shown(&self.permanent_address))
            .field("profession", &shown(&self.profession))
            .finish()
    }
}

/// Parses DG11: the 6B object, its tag list first, each field at most once, UTF-8 text,
/// nothing after it.
pub fn parse(bytes: &[u8]) -> Result<Dg11, LdsError> {
    let mut f = text_dg::parse(bytes, FILE, TAG_DG11, &TAGS)?.into_iter();
    Ok(Dg11 {
        full_name: f.next().flatten(),
        personal_number: f.next().flatten(),
        full_date_of_birth: f.next().flatten(),
        place_of_birth: f.next().flatten(),
        permanent_address: f.next().flatten(),
        profession: f.next().flatten(),
    })
}

/// Encodes DG11 with a full name and a place of birth (for the simulator and tests).
pub fn encode(full_name: &str, place_of_birth: &str) -> Vec<u8> {
    text_dg::encode(TAG_DG11, &[(0x5F0E, full_name), (0x5F11, place_of_birth)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DG11 with the example values of ICAO 9303 Part 10 §4.7.11.
    fn icao_example() -> Vec<u8> {
        text_dg::encode(
            TAG_DG11,
            &[
                (0x5F0E, "SMITH<<JOHN<J"),
                (0x5F10, "123456789"),
                (0x5F2B, "19711019"),
                (0x5F11, "ANYTOWN<MN"),
                (0x5F42, "123 MAPLE RD<ANYTOWN<MN"),
                (0x5F13, "TRAVEL AGENT"),
            ],
        )
    }

    #[test]
    fn reads_the_fields() {
        let dg = parse(&icao_example()).unwrap();
        assert_eq!(dg.full_name.as_deref().map(String::as_str), Some("SMITH<<JOHN<J"));
        assert_eq!(dg.place_of_birth.as_deref().map(String::as_str), Some("ANYTOWN<MN"));
        assert_eq!(dg.full_date_of_birth.as_deref().map(String::as_str), Some("19711019"));
        assert_eq!(dg.profession.as_deref().map(String::as_str), Some("TRAVEL AGENT"));
        assert_eq!(text_dg::readable("SMITH<<JOHN<J").as_str(), "SMITH, JOHN J");
        assert_eq!(text_dg::readable("ANYTOWN<MN").as_str(), "ANYTOWN MN");
        assert_eq!(text_dg::readable("МЮЛЛЕР<<ЭРИКА<<").as_str(), "МЮЛЛЕР, ЭРИКА");
        // National characters survive (UTF-8, 9303 Part 10 §4.7.11).
        let dg = parse(&encode("MÜLLER<<ÉRIKA", "KÖLN")).unwrap();
        assert_eq!(dg.full_name.as_deref().map(String::as_str), Some("MÜLLER<<ÉRIKA"));
        assert_eq!(dg.personal_number, None);
    }

    #[test]
    fn skips_other_objects_and_keeps_debug_clean() {
        // A constructed "other names" group (A0) and an unknown tag are skipped.
        let mut body = crate::iso7816::tlv::tlv(0x5C, &[0x5F, 0x0E, 0xA0]);
        body.extend(crate::iso7816::tlv::tlv(0x5F0E, b"DOE<<JANE"));
        body.extend(crate::iso7816::tlv::tlv(0xA0, &[0x02, 0x01, 0x00]));
        let dg = parse(&crate::iso7816::tlv::tlv(0x6B, &body)).unwrap();
        assert!(dg.full_name.is_some());
        let shown = format!("{dg:?}");
        assert!(!shown.contains("DOE") && !shown.contains("JANE"), "{shown}");
    }

    #[test]
    fn hostile_bytes_are_typed_errors() {
        let good = icao_example();
        for n in 0..good.len() {
            assert!(parse(&good[..n]).is_err(), "{n}");
        }
        let tlv = crate::iso7816::tlv::tlv;
        let bad: Vec<Vec<u8>> = vec![
            // The wrong data group.
            tlv(0x6C, &tlv(0x5C, &[])),
            // No tag list.
            tlv(0x6B, &tlv(0x5F0E, b"A")),
            // A field twice.
            tlv(0x6B, &[tlv(0x5C, &[]), tlv(0x5F0E, b"A"), tlv(0x5F0E, b"B")].concat()),
            // Not UTF-8; control characters (a log or screen injection).
            tlv(0x6B, &[tlv(0x5C, &[]), tlv(0x5F0E, &[0xC3, 0x28])].concat()),
            tlv(0x6B, &[tlv(0x5C, &[]), tlv(0x5F11, b"A\nB")].concat()),
            // A text field above the cap.
            tlv(0x6B, &[tlv(0x5C, &[]), tlv(0x5F11, &[b'A'; text_dg::MAX_TEXT + 1])].concat()),
            // Too many data objects.
            tlv(
                0x6B,
                &(0..=text_dg::MAX_OBJECTS).flat_map(|_| tlv(0x5F99, b"")).collect::<Vec<_>>(),
            ),
            // Bytes after the data group.
            [good.clone(), vec![0]].concat(),
        ];
        for b in bad {
            assert!(parse(&b).is_err(), "{b:02X?}");
        }
    }
}
