//! In-process tests of the PACE family on the simulated chip through the whole reader
//! (ICAO 9303 Part 11 §4.4): DH and Chip Authentication Mapping read with the MRZ and the
//! CAN, the CAM evidence against the chip's key, profile options (`mapping`, `chip-ca.key`),
//! and a PACE-only chip whose PACE cannot run or fails: named, and never tried with BAC.

use super::*;
use crate::access::pace::Curve;
use crate::access::{AccessError, Password};
use crate::card::{CardChannel, CardError};
use crate::iso7816::tlv;
use crate::lds::card_access::{
    CardAccess, KeyAgreement, Mapping, PaceCipher, PaceInfo, PaceProtocol,
};
use crate::mrz::{AccessKey, Can};
use crate::reader::ReadError;
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

fn files() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert("EF.COM".to_owned(), tlv::tlv(0x60, &[1; 20]));
    files.insert("EF.DG1".to_owned(), tlv::tlv(0x61, &[2; 90]));
    files.insert("EF.DG2".to_owned(), tlv::tlv(0x75, &[3; 3000]));
    files.insert("EF.SOD".to_owned(), tlv::tlv(0x77, &[4; 900]));
    files
}

fn profile(pace: PaceSettings) -> Profile {
    Profile::from_parts(MRZ, files(), Behaviour::default())
        .unwrap()
        .with_pace(Some(pace), Some(Can::new("123456").unwrap()))
}

fn passwords() -> [Password; 2] {
    [AccessKey::from_mrz_text(MRZ).unwrap().into(), Can::new("123456").unwrap().into()]
}

/// Records the instruction byte of every command on the way to the chip.
struct Recorder {
    chip: Chip,
    ins: Vec<u8>,
}

impl CardChannel for Recorder {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        self.ins.push(command.get(1).copied().unwrap_or(0));
        self.chip.transmit(command)
    }
}

fn read(chip: Chip, pw: &Password) -> (Result<PassportRead, ReadError>, Vec<u8>) {
    let mut rec = Recorder { chip, ins: Vec::new() };
    let r = read_passport(&mut rec, pw, &ReadOptions::default(), &mut |_, _, _| {});
    (r, rec.ins)
}

#[test]
fn dh_generic_mapping_chips_are_read_with_mrz_and_can() {
    let p = profile(PaceSettings::with_mapping(0, "gm", "AES-128", false).unwrap());
    for pw in passwords() {
        let (r, _) = read(Chip::with_seed(&p, Behaviour::default(), 5), &pw);
        let r = r.unwrap();
        assert_eq!(r.access, "PACE-DH-GM-AES-128");
        assert_eq!(r.files.get("EF.DG2").map(|f| f.as_slice()), p.file("EF.DG2"));
        assert!(r.cam.is_none());
    }
}

#[test]
fn cam_chips_are_read_and_their_evidence_verifies_against_their_key_only() {
    let curve = Curve::BrainpoolP256r1;
    let key = Zeroizing::new(curve.random_secret(&mut rand::rngs::OsRng).to_vec());
    let pk = curve.mul(&key, None).unwrap();
    let other = curve.mul(&curve.random_secret(&mut rand::rngs::OsRng), None).unwrap();
    let p = profile(PaceSettings::with_mapping(13, "cam", "AES-128", false).unwrap())
        .with_chip_ca_key(Some(key))
        .unwrap();
    for pw in passwords() {
        let (r, _) = read(Chip::with_seed(&p, Behaviour::default(), 6), &pw);
        let r = r.unwrap();
        assert_eq!(r.access, "PACE-ECDH-CAM-AES-128");
        let cam = r.cam.unwrap();
        assert!(cam.verify(&pk) && !cam.verify(&other));
    }
    // A CAM profile without a key, or with one that is no scalar of the curve, is refused.
    let no_key = profile(PaceSettings::with_mapping(13, "cam", "AES-128", true).unwrap());
    assert!(matches!(no_key.with_chip_ca_key(None), Err(SimError::Pace(_))));
    let p = profile(PaceSettings::with_mapping(13, "cam", "AES-128", true).unwrap());
    let bad = Some(Zeroizing::new(vec![0xFF; 32]));
    assert!(matches!(p.with_chip_ca_key(bad), Err(SimError::Pace(_))));
}

#[test]
fn profile_toml_takes_the_mapping_and_chip_ca_key() {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "mrz = {MRZ:?}\ncan = \"123456\"\n[pace]\nparameter_id = 12\nmapping = \"cam\"\ncipher = \"AES-256\"\n"
    );
    std::fs::write(dir.path().join("profile.toml"), &toml).unwrap();
    // CAM without chip-ca.key.
    assert!(matches!(Profile::load(dir.path()), Err(SimError::Pace(_))));
    let key = Curve::NistP256.random_secret(&mut rand::rngs::OsRng);
    std::fs::write(dir.path().join("chip-ca.key"), &*key).unwrap();
    let p = Profile::load(dir.path()).unwrap();
    assert_eq!(p.pace().unwrap().params.name(), "PACE-ECDH-CAM-AES-256");
    assert_eq!(p.chip_ca_key.as_deref().map(|k| k.as_slice()), Some(key.as_slice()));
    assert!(!format!("{p:?}").contains(&hex::encode(&*key)));
    for (mapping, cipher) in [("xm", "AES-128"), ("cam", "3DES")] {
        let toml = format!(
            "mrz = {MRZ:?}\n[pace]\nparameter_id = 13\nmapping = {mapping:?}\ncipher = {cipher:?}\n"
        );
        std::fs::write(dir.path().join("profile.toml"), toml).unwrap();
        assert!(matches!(Profile::load(dir.path()), Err(SimError::Pace(_))), "{mapping} {cipher}");
    }
}

/// A PACE-only chip whose EF.CardAccess offers only explicit domain parameters: staff are
/// told what the chip uses, with the MRZ (the chip refuses BAC) and with the CAN.
#[test]
fn a_pace_only_chip_with_unsupported_pace_is_named_and_bac_is_refused() {
    let explicit = PaceInfo {
        protocol: PaceProtocol {
            key_agreement: KeyAgreement::Ecdh,
            mapping: Mapping::Generic,
            cipher: PaceCipher::Aes128,
        },
        version: 2,
        parameter_id: None,
    };
    let mut f = files();
    f.insert("EF.CardAccess".to_owned(), CardAccess::encode_pace(&[explicit]));
    let p = Profile::from_parts(MRZ, f, Behaviour::default()).unwrap();
    for pw in passwords() {
        let mut chip = Chip::with_seed(&p, Behaviour::default(), 7);
        chip.bac_allowed = false;
        let (r, _) = read(chip, &pw);
        let err = r.unwrap_err();
        assert!(matches!(err, ReadError::Access(AccessError::PaceUnsupported(_))), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("this passport's chip uses PACE on explicit domain parameters"),
            "{text}"
        );
        assert!(!text.contains("does not support PACE"), "{text}");
    }
    // A chip that also accepts BAC is read with BAC, and the report says why.
    let chip = Chip::with_seed(&p, Behaviour::default(), 7);
    let (r, _) = read(chip, &passwords()[0]);
    let r = r.unwrap();
    assert_eq!(r.access, "BAC");
    assert!(r.access_control.note().unwrap().contains("explicit domain parameters"));
}

/// A wrong password on a PACE-only chip ends the read: no GET CHALLENGE is ever sent.
#[test]
fn a_pace_only_chip_whose_pace_fails_is_never_tried_with_bac() {
    for settings in [
        PaceSettings::with_mapping(13, "gm", "AES-128", false).unwrap(),
        PaceSettings::with_mapping(0, "gm", "3DES", false).unwrap(),
    ] {
        let p = profile(settings);
        let wrong: [Password; 2] = [
            AccessKey::from_parts("L898902C", "690806", "940624").unwrap().into(),
            Can::new("654321").unwrap().into(),
        ];
        for pw in wrong {
            let (r, ins) = read(Chip::with_seed(&p, Behaviour::default(), 8), &pw);
            assert!(matches!(r, Err(ReadError::Access(AccessError::Denied))), "{r:?}");
            assert!(!ins.contains(&0x84), "GET CHALLENGE sent: {ins:02X?}");
            assert!(ins.contains(&0x86));
        }
    }
}
