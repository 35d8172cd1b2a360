//! Tests of the words for a PACE this kiosk cannot run (ICAO 9303 Part 11 §9.2.1, §9.5.1):
//! explicit domain parameters, reserved identifiers, unknown PACE protocols, other versions.

use super::*;
use crate::lds::card_access::{KeyAgreement, Mapping, SecurityInfo};

fn info(ka: KeyAgreement, mapping: Mapping, version: u64, id: Option<u64>) -> PaceInfo {
    let protocol = PaceProtocol { key_agreement: ka, mapping, cipher: PaceCipher::Aes128 };
    PaceInfo { protocol, version, parameter_id: id }
}

fn reason(infos: Vec<SecurityInfo>) -> Option<String> {
    unsupported_reason(&CardAccess { infos })
}

#[test]
fn explicit_domain_parameters_are_named() {
    for id in [None, Some(32)] {
        let got =
            reason(vec![SecurityInfo::Pace(info(KeyAgreement::Ecdh, Mapping::Generic, 2, id))])
                .unwrap();
        assert!(
            got.starts_with("this passport's chip uses PACE on explicit domain parameters"),
            "{got}"
        );
        assert!(got.contains("with Generic Mapping (PACE-ECDH-GM-AES-128)"), "{got}");
        assert!(!got.contains("does not support PACE"), "{got}");
    }
}

#[test]
fn unknown_protocols_reserved_ids_and_other_versions_are_named() {
    let unknown = SecurityInfo::Unknown { oid: "0.4.0.127.0.7.2.2.4.5.2".into() };
    let got = reason(vec![unknown]).unwrap();
    assert!(got.contains("PACE protocol unknown to this kiosk"), "{got}");
    assert!(got.contains("0.4.0.127.0.7.2.2.4.5.2"), "{got}");
    // A PACEDomainParameterInfo alone (one arc after id-PACE) or a CA info is not PACE.
    let dp = SecurityInfo::Unknown { oid: "0.4.0.127.0.7.2.2.4.2".into() };
    let ca = SecurityInfo::Unknown { oid: "0.4.0.127.0.7.2.2.3.2.2".into() };
    assert_eq!(reason(vec![dp, ca]), None);
    let got =
        reason(vec![SecurityInfo::Pace(info(KeyAgreement::Ecdh, Mapping::Generic, 2, Some(5)))]);
    assert!(got.unwrap().contains("on reserved domain parameters 5"));
    let got =
        reason(vec![SecurityInfo::Pace(info(KeyAgreement::Ecdh, Mapping::Generic, 1, Some(13)))])
            .unwrap();
    assert!(got.contains("on brainpoolP256r1") && got.contains("PACE version 1"), "{got}");
    // ECDH with a DH group is no PACE protocol at all.
    let got =
        reason(vec![SecurityInfo::Pace(info(KeyAgreement::Ecdh, Mapping::Generic, 2, Some(0)))])
            .unwrap();
    assert!(got.contains("a combination the standard does not define"), "{got}");
}

#[test]
fn a_supported_pace_info_anywhere_in_the_file_means_no_reason() {
    let bad = SecurityInfo::Pace(info(KeyAgreement::Ecdh, Mapping::Generic, 2, None));
    let good = SecurityInfo::Pace(info(KeyAgreement::Ecdh, Mapping::Generic, 2, Some(13)));
    assert_eq!(reason(vec![bad.clone(), good.clone()]), None);
    let ca = CardAccess { infos: vec![bad, good] };
    // File order, skipping what is not supported.
    assert_eq!(PaceParams::choose(&ca).unwrap().group, Group::Ec(Curve::BrainpoolP256r1));
    assert_eq!(reason(vec![]), None);
}
