//! Ring 2: the PACE family (ICAO 9303 Part 11 §4.4) with the simulated chip through the real
//! PC/SC stack (pcscd + vpcd): one read per protocol class — Generic Mapping on ECDH and DH,
//! Integrated Mapping on ECDH and DH, Chip Authentication Mapping — with the MRZ and with the
//! CAN, and a PACE-only chip whose PACE fails, which is never tried with BAC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{attach, connect, data};
use enrol_kiosk::access::pace::Curve;
use enrol_kiosk::access::{AccessError, Password};
use enrol_kiosk::card::{CardChannel, CardError};
use enrol_kiosk::mrz::{AccessKey, Can};
use enrol_kiosk::reader::ReadError;
use enrol_kiosk::reader::passport::{PassportRead, ReadOptions, read_passport};
use enrol_kiosk::sim::{Behaviour, PaceSettings, Profile};
use zeroize::Zeroizing;

const CAN: &str = "000042";

/// Records each command's instruction byte on its way to the card.
struct Recorder<C> {
    card: C,
    ins: Vec<u8>,
}

impl<C: CardChannel> CardChannel for Recorder<C> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        self.ins.push(command.get(1).copied().unwrap_or(0));
        self.card.transmit(command)
    }
}

fn read(password: &Password) -> (Result<PassportRead, ReadError>, Vec<u8>) {
    let mut rec = Recorder { card: connect(), ins: Vec::new() };
    let r = read_passport(&mut rec, password, &ReadOptions::default(), &mut |_, _, _| {});
    (r, rec.ins)
}

fn jp2(settings: PaceSettings) -> Profile {
    Profile::load(&data("profiles/jp2"))
        .unwrap()
        .with_pace(Some(settings), Some(Can::new(CAN).unwrap()))
}

fn passwords(profile: &Profile) -> [Password; 2] {
    [AccessKey::from_mrz_text(profile.mrz_text()).unwrap().into(), Can::new(CAN).unwrap().into()]
}

fn assert_complete(profile: &Profile, read: &PassportRead) {
    for name in profile.file_names() {
        let got = read.files.get(name).unwrap_or_else(|| panic!("{name} not read"));
        assert_eq!(got.as_slice(), profile.file(name).unwrap(), "{name} differs");
    }
}

#[test]
fn every_pace_class_is_read_with_the_mrz_and_with_the_can() {
    let cases = [
        (13, "gm", "AES-128", "PACE-ECDH-GM-AES-128"),
        (0, "gm", "AES-128", "PACE-DH-GM-AES-128"),
        (14, "im", "AES-256", "PACE-ECDH-IM-AES-256"),
        (2, "im", "3DES", "PACE-DH-IM-3DES"),
    ];
    for (id, mapping, cipher, name) in cases {
        let profile = jp2(PaceSettings::with_mapping(id, mapping, cipher, false).unwrap());
        let _card = attach(&profile, Behaviour::default());
        for password in passwords(&profile) {
            let (r, ins) = read(&password);
            let r = r.unwrap_or_else(|e| panic!("{name} with the {}: {e}", password.kind()));
            assert_complete(&profile, &r);
            assert_eq!(r.access, name);
            assert!(r.cam.is_none());
            // EF.CardAccess, MSE:Set AT and four GENERAL AUTHENTICATE first.
            assert_eq!(&ins[1..6], &[0x22, 0x86, 0x86, 0x86, 0x86], "{name}");
        }
    }
}

#[test]
fn chip_authentication_mapping_is_read_and_proves_the_chip_key() {
    let curve = Curve::BrainpoolP384r1;
    let key = curve.random_secret(&mut rand::rngs::OsRng);
    let public = curve.mul(&key, None).unwrap();
    let clone_key = curve.mul(&curve.random_secret(&mut rand::rngs::OsRng), None).unwrap();
    let profile = jp2(PaceSettings::with_mapping(16, "cam", "AES-192", false).unwrap())
        .with_chip_ca_key(Some(Zeroizing::new(key.to_vec())))
        .unwrap();
    let _card = attach(&profile, Behaviour::default());
    for password in passwords(&profile) {
        let (r, _) = read(&password);
        let r = r.unwrap();
        assert_complete(&profile, &r);
        assert_eq!(r.access, "PACE-ECDH-CAM-AES-192");
        let cam = r.cam.unwrap();
        assert!(cam.verify(&public));
        assert!(!cam.verify(&clone_key));
    }
}

#[test]
fn a_pace_only_chip_whose_pace_fails_is_never_tried_with_bac() {
    let profile = jp2(PaceSettings::with_mapping(0, "im", "AES-128", false).unwrap());
    assert!(!profile.bac_allowed());
    let _card = attach(&profile, Behaviour::default());
    let wrong: [Password; 2] = [
        AccessKey::from_parts("XX0000000", "700101", "300101").unwrap().into(),
        Can::new("999999").unwrap().into(),
    ];
    for password in wrong {
        let (r, ins) = read(&password);
        assert!(matches!(r, Err(ReadError::Access(AccessError::Denied))), "{r:?}");
        assert!(ins.contains(&0x86));
        assert!(!ins.contains(&0x84), "GET CHALLENGE was sent: {ins:02X?}");
    }
    // The right password still opens it.
    assert!(read(&passwords(&profile)[1]).0.is_ok());
}
