use super::*;

const WORKED_ECDH: &[u8] =
    include_bytes!("../../tests/data/lds/openpace-eac-worked-example/EF_CardSecurity_ECDH.bin");
const WORKED_DH: &[u8] =
    include_bytes!("../../tests/data/lds/openpace-eac-worked-example/EF_CardSecurity_DH.bin");
const DE_EID: &[u8] =
    include_bytes!("../../tests/data/lds/openpace-cardaccess/EF_CardSecurity_DE_eID_dan.bin");
const DE_PASSPORT: &[u8] = include_bytes!("../../tests/data/lds/gmrtd-sod-DE/EF_CardSecurity.bin");

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn the_bsi_worked_example_ecdh_key() {
    let cs = parse(WORKED_ECDH).unwrap();
    assert_eq!(cs.signed_data, WORKED_ECDH);
    let [key] = cs.chip_authentication_keys.as_slice() else { panic!("{cs:?}") };
    assert_eq!(key.key_agreement, PublicKeyAgreement::Ecdh);
    assert_eq!(key.key_id, Some(1));
    // Standardized domain parameters (BSI TR-03110-3 id-ecPublicKey form), parameterId 13.
    assert_eq!(key.algorithm, "0.4.0.127.0.7.1.2");
    assert_eq!(key.parameters.as_deref(), Some(&[0x02, 0x01, 0x0D][..]));
    assert_eq!(
        key.public_key,
        hex("04A44EBE5451DF7AADB01E459B8C928A87746A57927C8C28A6775C97A7E1FE8D9A46FF4A1CC7E4D138\
             9AEA19758E4F75C28C598FD734AEBEB135337CF95BE12E94")
    );
    assert_eq!(cs.chip_authentication_key(Some(1)), Some(key));
    assert_eq!(cs.chip_authentication_key(None), Some(key));
    assert_eq!(cs.chip_authentication_key(Some(2)), None);
    // The PACEInfo of the chip is among the SecurityInfos.
    assert_eq!(cs.security_infos.pace_infos().count(), 1);
}

#[test]
fn the_bsi_worked_example_dh_key() {
    let cs = parse(WORKED_DH).unwrap();
    let [key] = cs.chip_authentication_keys.as_slice() else { panic!("{cs:?}") };
    assert_eq!(key.key_agreement, PublicKeyAgreement::Dh);
    assert!(key.public_key.len() > 128, "{}", key.public_key.len());
}

#[test]
fn a_german_eid_and_a_german_passport() {
    let cs = parse(DE_EID).unwrap();
    let [key] = cs.chip_authentication_keys.as_slice() else { panic!("{cs:?}") };
    assert_eq!(key.key_id, Some(0x41));
    // gmrtd's DE passport (PACE-CAM): keyId 13 is the chip's CAM key (gmrtd
    // pace_test.go TestDoPace_CAM_ECDH_DE, vectors/pace-ecdh-cam-de-bp256.json).
    let cs = parse(DE_PASSPORT).unwrap();
    let key = cs.chip_authentication_key(Some(13)).unwrap();
    assert_eq!(
        key.public_key,
        hex("04614CD88B00821A887869D0060B44A9D18789353E8CF7DFBC3F29F79327DE30B97B1B2DDA0BE77F24\
             AD415C327C7B7AB2E9C10B0258F5BCBF90C01825FBDFDEF7")
    );
    // Several keys: none is chosen without a keyId.
    if cs.chip_authentication_keys.len() > 1 {
        assert_eq!(cs.chip_authentication_key(None), None);
    }
}

#[test]
fn encoded_key_infos_round_trip() {
    let spki = tlv::tlv(
        0x30,
        &[tlv::tlv(0x30, &[0x06, 0x03, 0x2A, 0x03, 0x04]), tlv::tlv(0x03, &[0, 4, 1, 2])].concat(),
    );
    for id in [None, Some(0), Some(0x80), Some(1 << 40)] {
        let info = encode_public_key_info(PublicKeyAgreement::Ecdh, &spki, id);
        let keys = public_keys(&tlv::tlv(0x31, &info), "test").unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key_id, id);
        assert_eq!(keys[0].public_key, [4, 1, 2]);
        assert_eq!(keys[0].subject_public_key_info, spki);
        assert_eq!(keys[0].parameters, None);
    }
}

#[test]
fn hostile_bytes_are_typed_errors() {
    // Every truncation of a real file is refused without a panic.
    for n in 0..WORKED_ECDH.len() {
        assert!(parse(&WORKED_ECDH[..n]).is_err(), "{n}");
    }
    // Bytes after the ContentInfo.
    let mut long = WORKED_ECDH.to_vec();
    long.push(0);
    assert!(parse(&long).is_err());
    // EF.SOD's content (an LDSSecurityObject) is not a SecurityObject.
    let sod = include_bytes!("../../tests/data/lds/gmrtd-sod-DE/EF_SOD.bin");
    let err = parse(&sod[4..]).unwrap_err().to_string();
    assert!(err.contains("id-SecurityObject") || err.contains("ASN.1"), "{err}");
    // Broken key infos.
    let pk = [0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02];
    let alg = tlv::tlv(0x30, &[0x06, 0x01, 0x2A]);
    let spki = |tail: &[u8]| tlv::tlv(0x30, &[alg.clone(), tail.to_vec()].concat());
    let bodies: Vec<Vec<u8>> = vec![
        pk.to_vec(),                                                   // no key
        [pk.to_vec(), tlv::tlv(0x30, &alg)].concat(),                  // no BIT STRING
        [pk.to_vec(), spki(&[3, 1, 0])].concat(),                      // empty key
        [pk.to_vec(), spki(&[3, 2, 1, 4])].concat(),                   // padded bits
        [pk.to_vec(), spki(&[3, 2, 0, 4]), vec![2, 1, 0xFF]].concat(), // negative keyId
        [pk.to_vec(), spki(&[3, 2, 0, 4]), vec![4, 0]].concat(),       // keyId not INTEGER
    ];
    for body in bodies {
        let set = tlv::tlv(0x31, &tlv::tlv(0x30, &body));
        assert!(public_keys(&set, "test").is_err(), "{body:02X?}");
    }
    // More keys than the cap.
    let one = encode_public_key_info(
        PublicKeyAgreement::Ecdh,
        &tlv::tlv(0x30, &[alg.clone(), vec![3, 2, 0, 4]].concat()),
        Some(1),
    );
    let many: Vec<u8> = (0..=MAX_KEYS).flat_map(|_| one.clone()).collect();
    assert!(matches!(public_keys(&tlv::tlv(0x31, &many), "test"), Err(LdsError::TooLarge { .. })));
}

#[test]
fn debug_shows_no_key_bytes() {
    let cs = parse(WORKED_ECDH).unwrap();
    let shown = format!("{cs:?}");
    assert!(!shown.contains("A44EBE") && !shown.contains("164, 78"), "{shown}");
}
