//! Tests of the EF.CardAccess parser on real-card and worked-example files
//! (tests/data/PROVENANCE.md), plus truncation and mutation sweeps.

use super::*;

fn data(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn pace(file: &str) -> (CardAccess, Vec<PaceInfo>) {
    let ca = parse(&data(file)).unwrap();
    let p = ca.pace_infos().cloned().collect();
    (ca, p)
}

const GM_AES128: PaceProtocol = PaceProtocol {
    key_agreement: KeyAgreement::Ecdh,
    mapping: Mapping::Generic,
    cipher: PaceCipher::Aes128,
};

#[test]
fn appendix_g1_and_at_file() {
    let v: serde_json::Value =
        serde_json::from_str(&String::from_utf8(data("vectors/pace-ecdh-gm-bp256.json")).unwrap())
            .unwrap();
    let bytes = hex::decode(v["ef_cardaccess"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, data("lds/gmrtd-samples/EF_CardAccess_AT.bin"));
    let ca = parse(&bytes).unwrap();
    let want = PaceInfo { protocol: GM_AES128, version: 2, parameter_id: Some(13) };
    assert_eq!(ca.infos, vec![SecurityInfo::Pace(want.clone())]);
    assert_eq!(ca.infos.len(), 1);
    // Our encoder gives the same bytes back.
    assert_eq!(CardAccess::encode_pace(&[want]), bytes);
    assert_eq!(GM_AES128.name(), "PACE-ECDH-GM-AES-128");
    assert_eq!(oid_string(&GM_AES128.oid()), v["protocol_oid"].as_str().unwrap());
}

#[test]
fn de_passport_has_gm_and_cam() {
    let (ca, p) = pace("lds/gmrtd-samples/EF_CardAccess_DE.bin");
    assert_eq!(ca.infos.len(), 2);
    assert_eq!(p[0].protocol, GM_AES128);
    assert_eq!(p[1].protocol.mapping, Mapping::ChipAuthentication);
    assert_eq!(p[1].protocol.name(), "PACE-ECDH-CAM-AES-128");
    assert!(p.iter().all(|i| i.parameter_id == Some(13) && i.version == 2));
}

#[test]
fn german_eid_files_keep_unknown_infos() {
    let (ca, p) = pace("lds/openpace-cardaccess/EF_CardAccess_DE_eID_dan.bin");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0], PaceInfo { protocol: GM_AES128, version: 2, parameter_id: Some(13) });
    assert_eq!(ca.infos.len(), 7);
    // TerminalAuthenticationInfo (id-TA) comes first, kept by OID.
    assert_eq!(ca.infos[0], SecurityInfo::Unknown { oid: "0.4.0.127.0.7.2.2.2".into() });
    // The CardInfoLocator (id-CI) is last.
    assert_eq!(ca.infos[6], SecurityInfo::Unknown { oid: "0.4.0.127.0.7.2.2.6".into() });

    let (_, p) = pace("lds/openpace-cardaccess/EF_CardAccess_DE_eID_ca3_pace_cam.bin");
    let names: Vec<String> = p.iter().map(|i| i.protocol.name()).collect();
    assert_eq!(names, ["PACE-ECDH-GM-AES-128", "PACE-ECDH-CAM-AES-128"]);
}

#[test]
fn trailing_garbage_after_the_set_is_ignored() {
    let (_, p) =
        pace("lds/openpace-cardaccess/EF_CardAccess_DE_eID_new_testcard_trailing_garbage.bin");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].parameter_id, Some(13));
    // The Slovenian card has 62 82 after the SET and no PACEInfo at all.
    let (ca, p) = pace("lds/openpace-cardaccess/EF_CardAccess_SI_eID_trailing_bytes.bin");
    assert!(p.is_empty());
    assert_eq!(ca.infos.len(), 4);
    assert!(
        ca.infos.contains(&SecurityInfo::Unknown { oid: "1.0.24727.3.0.9".into() }),
        "{:?}",
        ca.infos
    );
}

#[test]
fn explicit_domain_parameters_have_no_parameter_id() {
    let (_, p) = pace("lds/openpace-cardaccess/EF_CardAccess_DE_eID_old_testcard.bin");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].protocol, GM_AES128);
    assert_eq!(p[0].parameter_id, None);
}

#[test]
fn worked_example_files_dh_and_ecdh() {
    let (_, p) = pace("lds/openpace-eac-worked-example/EF_CardAccess_ECDH.bin");
    assert_eq!(p, vec![PaceInfo { protocol: GM_AES128, version: 2, parameter_id: Some(13) }]);
    let (_, p) = pace("lds/openpace-eac-worked-example/EF_CardAccess_DH.bin");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].protocol.key_agreement, KeyAgreement::Dh);
    assert_eq!(p[0].protocol.name(), "PACE-DH-GM-AES-128");
    assert_eq!(p[0].parameter_id, Some(0));
}

#[test]
fn oid_table_round_trips_and_rejects_others() {
    for kind in [1u8, 2, 3, 4, 6] {
        for suite in 1u8..=4 {
            let mut oid = ID_PACE.to_vec();
            oid.extend_from_slice(&[kind, suite]);
            match PaceProtocol::from_oid(&oid) {
                Some(p) => assert_eq!(p.oid(), oid),
                None => assert_eq!((kind, suite), (6, 1), "CAM has no 3DES suite"),
            }
        }
    }
    assert!(PaceProtocol::from_oid(&ID_PACE).is_none());
    assert!(
        PaceProtocol::from_oid(&[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 5, 2]).is_none()
    );
    assert!(
        PaceProtocol::from_oid(&[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 2, 2]).is_none()
    );
    assert!(PaceProtocol::from_oid(&[]).is_none());
}

#[test]
fn malformed_pace_info_is_kept_as_unknown() {
    // version missing; negative version; a third INTEGER.
    let oid = tlv::tlv(TAG_OID, &GM_AES128.oid());
    for extra in [vec![], vec![0x02, 0x01, 0xFE], vec![2, 1, 2, 2, 1, 13, 2, 1, 1]] {
        let seq = tlv::tlv(TAG_SEQUENCE, &[oid.clone(), extra].concat());
        let ca = parse(&tlv::tlv(TAG_SET, &seq)).unwrap();
        assert!(matches!(ca.infos.as_slice(), [SecurityInfo::Unknown { .. }]), "{ca:?}");
    }
}

#[test]
fn structural_errors_are_typed() {
    assert!(matches!(parse(&[]), Err(LdsError::Tlv { .. })));
    assert!(matches!(parse(&[0x30, 0x00]), Err(LdsError::Tlv { .. })));
    // An element that is not a SEQUENCE.
    assert!(matches!(parse(&[0x31, 0x03, 0x02, 0x01, 0x01]), Err(LdsError::Tlv { .. })));
    // A SEQUENCE without an OID first.
    assert!(matches!(
        parse(&[0x31, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01]),
        Err(LdsError::Tlv { .. })
    ));
    // Too many infos.
    let one = PaceInfo { protocol: GM_AES128, version: 2, parameter_id: Some(13) };
    let many = vec![one; MAX_INFOS + 1];
    assert!(matches!(parse(&CardAccess::encode_pace(&many)), Err(LdsError::TooLarge { .. })));
    assert!(parse(&CardAccess::encode_pace(&many[..MAX_INFOS])).is_ok());
}

#[test]
fn integers_and_oid_strings() {
    assert_eq!(uint(&[0x00, 0x80]), Some(128));
    assert_eq!(uint(&[0x80]), None);
    assert_eq!(uint(&[]), None);
    assert_eq!(uint(&[1; 9]), None);
    for v in [0u64, 1, 13, 127, 128, 255, 256, u64::MAX] {
        assert_eq!(uint(&der_uint(v)), Some(v), "{v}");
    }
    assert_eq!(oid_string(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D]), "1.2.840.113549");
    assert_eq!(oid_string(&[0x2A, 0x86]), "1.2.?");
    assert_eq!(oid_string(&[0xFF; 20]), "?");
}

#[test]
fn truncations_and_mutations_never_panic() {
    let files = [
        "lds/gmrtd-samples/EF_CardAccess_DE.bin",
        "lds/openpace-cardaccess/EF_CardAccess_DE_eID_ca3_pace_cam.bin",
        "lds/openpace-eac-worked-example/EF_CardAccess_ECDH.bin",
    ];
    for file in files {
        let bytes = data(file);
        let mut failures = 0;
        for n in 0..bytes.len() {
            failures += usize::from(parse(&bytes[..n]).is_err());
        }
        // Every cut inside the SET breaks it.
        assert_eq!(failures, bytes.len(), "{file}");
        for i in 0..bytes.len() {
            for x in [0x01u8, 0x80, 0xFF] {
                let mut m = bytes.clone();
                m[i] ^= x;
                let _ = parse(&m);
            }
        }
    }
}

#[test]
fn active_authentication_info_parses_and_round_trips() {
    let aa =
        ActiveAuthenticationInfo { version: 1, signature_algorithm: "1.2.840.10045.4.3.2".into() };
    let bytes = aa.encode().unwrap();
    // SEQUENCE { OID 2.23.136.1.1.5, INTEGER 1, OID ecdsa-with-SHA256 }
    assert_eq!(hex::encode_upper(&bytes), "3015060667810801010502010106082A8648CE3D040302");
    let pace = PaceInfo { protocol: GM_AES128, version: 2, parameter_id: Some(13) };
    let set = tlv::tlv(0x31, &[pace.encode(), bytes.clone()].concat());
    let ca = parse(&set).unwrap();
    assert_eq!(ca.active_authentication(), Some(&aa));
    assert_eq!(ca.pace_infos().collect::<Vec<_>>(), [&pace]);
    // Malformed ones (no algorithm, extra element, negative version) are kept as unknown.
    for body in [
        "0606678108010105020101",
        "060667810801010502010106082A8648CE3D0403020500",
        "06066781080101050201FF06082A8648CE3D040302",
        "060667810801010506082A8648CE3D040302",
        "06066781080101050201010600",
    ] {
        let info = tlv::tlv(0x30, &hex::decode(body).unwrap());
        let ca = parse(&tlv::tlv(0x31, &info)).unwrap();
        assert_eq!(ca.active_authentication(), None, "{body}");
        assert_eq!(ca.infos, [SecurityInfo::Unknown { oid: "2.23.136.1.1.5".into() }], "{body}");
    }
}

#[test]
fn real_dg14_without_aa_info_has_none() {
    let ca = crate::lds::dg14::parse(&data("lds/pymrtd-etsi-eacaa/DG14.bin")).unwrap();
    assert_eq!(ca.active_authentication(), None);
}
