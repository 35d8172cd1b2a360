//! DG12, additional document details (ICAO 9303 Part 10 §4.7.12): `6C { 5C tag list,
//! 5F19 issuing authority, 5F26 date of issue, 5F1B endorsements and observations,
//! 5F55 date and time of personalization, 5F56 personalization system serial, … }`.
//! Zeroized with the customer's data; `Debug` names only the fields present.

use std::fmt;

use zeroize::Zeroizing;

use super::LdsError;
use super::text_dg;

const FILE: &str = "EF.DG12";
/// The LDS1 tag of DG12 (9303 Part 10 Table 31).
pub const TAG_DG12: u32 = 0x6C;
const TAGS: [u32; 5] = [0x5F19, 0x5F26, 0x5F1B, 0x5F55, 0x5F56];

/// The fields of DG12 this kiosk uses.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dg12 {
    /// Issuing authority (5F19).
    pub issuing_authority: Option<Zeroizing<String>>,
    /// Date of issue, YYYYMMDD (5F26).
    pub date_of_issue: Option<Zeroizing<String>>,
    /// Endorsements and observations (5F1B).
    pub endorsements: Option<Zeroizing<String>>,
    /// Date and time of personalization, YYYYMMDDHHMMSS (5F55).
    pub personalized_at: Option<Zeroizing<String>>,
    /// Serial number of the personalization system (5F56).
    pub personalization_system: Option<Zeroizing<String>>,
}

impl fmt::Debug for Dg12 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<Zeroizing<String>>| if v.is_some() { "<present>" } else { "-" };
        f.debug_struct("Dg12")
            .field("issuing_authority", &shown(&self.issuing_authority))
            .field("date_of_issue", &shown(&self.date_of_issue))
            .field("endorsements", &shown(&self.endorsements))
            .field("personalized_at", &shown(&self.personalized_at))
            .field("personalization_system", &shown(&self.personalization_system))
            .finish()
    }
}

/// Parses DG12 with the rules of DG11 (tag list first, each field once, UTF-8 text;
/// images and other objects skipped).
pub fn parse(bytes: &[u8]) -> Result<Dg12, LdsError> {
    let mut f = text_dg::parse(bytes, FILE, TAG_DG12, &TAGS)?.into_iter();
    Ok(Dg12 {
        issuing_authority: f.next().flatten(),
        date_of_issue: f.next().flatten(),
        endorsements: f.next().flatten(),
        personalized_at: f.next().flatten(),
        personalization_system: f.next().flatten(),
    })
}

/// Encodes DG12 with an issuing authority and a date of issue (for the simulator and tests).
pub fn encode(issuing_authority: &str, date_of_issue: &str) -> Vec<u8> {
    text_dg::encode(TAG_DG12, &[(0x5F19, issuing_authority), (0x5F26, date_of_issue)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso7816::tlv::tlv;

    #[test]
    fn reads_the_fields_and_skips_images() {
        // ICAO 9303 Part 10's DG12 example values, with a front image (5F1D) to skip.
        let body = [
            tlv(0x5C, &[0x5F, 0x19, 0x5F, 0x26, 0x5F, 0x1D]),
            tlv(0x5F19, b"UNITED STATES OF AMERICA"),
            tlv(0x5F26, b"20020531"),
            tlv(0x5F1D, &[0xFF, 0xD8, 0x00, 0xFF]),
        ]
        .concat();
        let dg = parse(&tlv(0x6C, &body)).unwrap();
        assert_eq!(
            dg.issuing_authority.as_deref().map(String::as_str),
            Some("UNITED STATES OF AMERICA")
        );
        assert_eq!(dg.date_of_issue.as_deref().map(String::as_str), Some("20020531"));
        assert_eq!(dg.endorsements, None);
        assert_eq!(
            parse(&encode("BÜRGERAMT KÖLN", "20240101")).unwrap().date_of_issue.unwrap().as_str(),
            "20240101"
        );
        let shown = format!("{dg:?}");
        assert!(!shown.contains("UNITED"), "{shown}");
    }

    #[test]
    fn hostile_bytes_are_typed_errors() {
        let good = encode("AUTHORITY", "20240101");
        for n in 0..good.len() {
            assert!(parse(&good[..n]).is_err(), "{n}");
        }
        for b in [
            tlv(0x6B, &tlv(0x5C, &[])),
            tlv(0x6C, &tlv(0x5F19, b"A")),
            tlv(0x6C, &[tlv(0x5C, &[]), tlv(0x5F19, b"A"), tlv(0x5F19, b"A")].concat()),
            tlv(0x6C, &[tlv(0x5C, &[]), tlv(0x5F19, &[0xFF])].concat()),
            tlv(0x6C, &[tlv(0x5C, &[]), tlv(0x5F19, b"\x1b[2J")].concat()),
        ] {
            assert!(parse(&b).is_err(), "{b:02X?}");
        }
    }
}
