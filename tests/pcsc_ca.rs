//! Ring 2: Chip Authentication v1 (ICAO 9303 Part 11 §6.2) with the simulated chip through the
//! real PC/SC stack (pcscd + vpcd): profiles made with `enrol-kiosk make-profile --ca`, a
//! genuine chip passes, a cloned one (DG14 copied, another private key) fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{attach, connect};
use enrol_kiosk::authentication::{Method, Outcome};
use enrol_kiosk::mrz::{AccessKey, Can};
use enrol_kiosk::reader::passport::{PassportRead, ReadOptions, read_passport};
use enrol_kiosk::sim::{Behaviour, Profile};
use std::path::Path;
use std::process::Command;

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

/// `enrol-kiosk make-profile … --ca KIND …` into `dir`, loaded.
fn make(dir: &Path, extra: &[&str]) -> Profile {
    let face = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-face.jpg");
    let out = Command::new(env!("CARGO_BIN_EXE_enrol-kiosk"))
        .args(["make-profile", "--mrz", MRZ, "--face", face, "--out"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("chip-ca.key").is_file());
    Profile::load(dir).unwrap()
}

fn read(profile: &Profile, behaviour: Behaviour, can: bool) -> PassportRead {
    let _card = attach(profile, behaviour);
    let options = ReadOptions::default();
    let read = if can {
        read_passport(connect(), Can::new("123456").unwrap(), &options, &mut |_, _, _| {})
    } else {
        read_passport(
            connect(),
            AccessKey::from_mrz_text(MRZ).unwrap(),
            &options,
            &mut |_, _, _| {},
        )
    };
    read.unwrap()
}

fn ca_check(read: &PassportRead) -> (Outcome, String) {
    let [check] = read.chip_checks.as_slice() else { panic!("{:?}", read.chip_checks) };
    assert_eq!(check.method, Method::ChipAuthentication);
    (check.outcome, check.detail.clone())
}

#[test]
fn a_ca_profile_reads_with_chip_authentication_passed_and_a_clone_fails() {
    let dir = tempfile::tempdir().unwrap();
    let profile = make(dir.path(), &["--pace", "--can", "123456", "--ca", "ecdh"]);
    let genuine = read(&profile, Behaviour::default(), true);
    assert!(genuine.access.starts_with("PACE"), "{}", genuine.access);
    let (outcome, detail) = ca_check(&genuine);
    assert_eq!(outcome, Outcome::Passed, "{detail}");
    assert!(detail.contains("CA-ECDH-AES-128 on brainpoolP256r1"), "{detail}");
    for name in profile.file_names() {
        assert_eq!(genuine.files.get(name).map(|f| f.as_slice()), profile.file(name), "{name}");
    }

    let clone = Behaviour { ca_clone: true, ..Behaviour::default() };
    let cloned = read(&profile, clone, true);
    let (outcome, detail) = ca_check(&cloned);
    assert_eq!(outcome, Outcome::Failed, "{detail}");
    assert!(detail.contains("does not hold the key"), "{detail}");
}

#[test]
fn dh_with_3des_over_bac_passes_and_a_kat_refusing_chip_gets_general_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let profile = make(dir.path(), &["--ca", "dh", "--ca-cipher", "3DES", "--ca-key-id", "7"]);
    let r = read(&profile, Behaviour::default(), false);
    assert_eq!(r.access, "BAC");
    let (outcome, detail) = ca_check(&r);
    assert_eq!(outcome, Outcome::Passed, "{detail}");
    assert!(detail.contains("MSE:Set KAT") && detail.contains("key 7"), "{detail}");

    let refuse = Behaviour { ca_refuse_kat: true, ..Behaviour::default() };
    let r = read(&profile, refuse, false);
    let (outcome, detail) = ca_check(&r);
    assert_eq!(outcome, Outcome::Passed, "{detail}");
    assert!(detail.contains("GENERAL AUTHENTICATE"), "{detail}");
}
