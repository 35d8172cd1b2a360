//! EF.DG14 (ICAO 9303 Part 10 §4.7.14, Part 11 §9.2): tag 6E around the chip's
//! `SecurityInfos` (Chip Authentication, PACE, Terminal Authentication …), parsed with the
//! EF.CardAccess parser. DG14 is hashed in EF.SOD, so passive authentication covers what it
//! says about the chip's access protocols.

use super::LdsError;
use super::card_access::{CardAccess, PaceInfo, parse_security_infos};
use crate::iso7816::tlv::{self, Reader};

const FILE: &str = "EF.DG14";
/// The LDS1 tag of DG14 (9303 Part 10 Table 31).
pub const TAG_DG14: u32 = 0x6E;

/// Parses EF.DG14: `6E { SecurityInfos }`, nothing after it.
pub fn parse(bytes: &[u8]) -> Result<CardAccess, LdsError> {
    let err = LdsError::tlv(FILE);
    let mut outer = Reader::new(bytes);
    let dg14 = outer.expect(TAG_DG14).map_err(&err)?;
    outer.finish().map_err(&err)?;
    parse_security_infos(dg14.value, FILE)
}

/// EF.DG14 listing the given PACEInfos (for the simulator's PACE profiles).
pub fn encode_pace(infos: &[PaceInfo]) -> Vec<u8> {
    tlv::tlv(TAG_DG14, &CardAccess::encode_pace(infos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::card_access::{KeyAgreement, Mapping, PaceCipher, PaceProtocol, SecurityInfo};

    fn info() -> PaceInfo {
        let protocol = PaceProtocol {
            key_agreement: KeyAgreement::Ecdh,
            mapping: Mapping::Generic,
            cipher: PaceCipher::Aes128,
        };
        PaceInfo { protocol, version: 2, parameter_id: Some(13) }
    }

    #[test]
    fn round_trips_and_keeps_other_security_infos() {
        let dg14 = encode_pace(&[info()]);
        assert_eq!(dg14[0], 0x6E);
        assert_eq!(parse(&dg14).unwrap().pace_infos().collect::<Vec<_>>(), [&info()]);
        // A ChipAuthenticationInfo (id-CA-ECDH-AES-CBC-CMAC-128, version 1) next to it.
        let ca = [
            0x30, 0x0F, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02,
            0x02, 0x01, 0x01,
        ];
        let mut set = ca.to_vec();
        set.extend(info().encode());
        let dg14 = tlv::tlv(0x6E, &tlv::tlv(0x31, &set));
        let parsed = parse(&dg14).unwrap();
        assert!(matches!(
            &parsed.infos[0],
            SecurityInfo::ChipAuthentication(c) if c.protocol.name() == "CA-ECDH-AES-128"
        ));
        assert_eq!(parsed.pace_infos().count(), 1);
    }

    #[test]
    fn hostile_bytes_are_typed_errors() {
        for bad in [
            &[][..],
            &[0x6E],
            &[0x6E, 0x02, 0x31],
            &[0x61, 0x02, 0x31, 0x00],
            &[0x6E, 0x02, 0x04, 0x00],
        ] {
            assert!(parse(bad).is_err(), "{bad:02X?}");
        }
        // Bytes after DG14 are refused (it is hashed whole in EF.SOD).
        let mut dg14 = encode_pace(&[info()]);
        dg14.push(0);
        assert!(parse(&dg14).is_err());
    }
}
