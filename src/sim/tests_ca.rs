//! In-process tests of Chip Authentication v1 (ICAO 9303 Part 11 §6.2) between the reader and
//! the simulated chip: profiles made with `make-profile --ca`, ECDH and DH, 3DES (MSE:Set KAT,
//! and MSE:Set AT + GA when the chip refuses KAT) and AES, key ids, BAC and PACE, a cloned
//! chip, and a chip without its key.

use super::make_ca::CaMake;
use super::*;
use crate::authentication::{Method, Outcome};
use crate::mrz::AccessKey;
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

fn made(ca: CaMake, pace: Option<PaceSettings>) -> (tempfile::TempDir, Profile) {
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let options = MakeOptions { ca: Some(ca), pace, ..MakeOptions::default() };
    make_profile(MRZ, face, dir.path(), &options).unwrap();
    let profile = Profile::load(dir.path()).unwrap();
    (dir, profile)
}

fn ca(kind: &str, cipher: &str, key_id: Option<u64>) -> CaMake {
    CaMake::new(kind, cipher, key_id).unwrap()
}

fn read(p: &Profile, b: Behaviour) -> (PassportRead, u64) {
    let mut chip = Chip::with_seed(p, b, 7);
    let pw = AccessKey::from_mrz_text(MRZ).unwrap();
    let read = read_passport(&mut chip, pw, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
    (read, chip.apdu_count())
}

fn outcome(read: &PassportRead) -> (Outcome, String) {
    let [check] = read.chip_checks.as_slice() else { panic!("{:?}", read.chip_checks) };
    assert_eq!(check.method, Method::ChipAuthentication);
    (check.outcome, check.detail.clone())
}

#[test]
fn ecdh_and_dh_chip_authentication_pass_with_every_cipher() {
    for (kind, cipher) in [
        ("ecdh", "AES-128"),
        ("ecdh", "AES-256"),
        ("ecdh", "3DES"),
        ("dh", "AES-192"),
        ("dh", "3DES"),
    ] {
        let (_dir, p) = made(ca(kind, cipher, None), None);
        let (r, _) = read(&p, Behaviour::default());
        let (o, detail) = outcome(&r);
        assert_eq!(o, Outcome::Passed, "{kind} {cipher}: {detail}");
        let how = if cipher == "3DES" { "MSE:Set KAT" } else { "MSE:Set AT" };
        assert!(detail.contains(how), "{detail}");
        assert!(r.files.contains_key("EF.DG14"));
    }
}

#[test]
fn chip_authentication_costs_its_commands_and_one_confirming_select() {
    let (_dir, p) = made(ca("ecdh", "AES-128", None), None);
    let (with, _) = read(&p, Behaviour::default());
    assert_eq!(outcome(&with).0, Outcome::Passed);
    // The same chip without CA in DG14: MSE:Set AT, GA and the SELECT are the difference.
    let (_dir2, plain) = made(ca("ecdh", "AES-128", None), None);
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = plain
        .file_names()
        .filter(|n| *n != "EF.DG14")
        .map(|n| (n.to_owned(), plain.file(n).unwrap().to_vec()))
        .collect();
    files.remove("EF.COM");
    files.insert("EF.COM".into(), p.file("EF.COM").unwrap().to_vec());
    files.insert("EF.DG14".into(), crate::lds::dg14::encode_pace(&[]));
    let no_ca = Profile::from_parts(MRZ, files, Behaviour::default()).unwrap();
    let (without, _) = read(&no_ca, Behaviour::default());
    assert!(without.chip_checks.is_empty());
    assert_eq!(with.apdus, without.apdus + 3);
}

#[test]
fn a_key_id_travels_in_do84_and_pace_sessions_switch_too() {
    let pace = PaceSettings::new(16, "AES-256", true).unwrap();
    let (_dir, p) = made(ca("ecdh", "AES-128", Some(0x1234)), Some(pace));
    let (r, _) = read(&p, Behaviour::default());
    assert!(r.access.starts_with("PACE"), "{}", r.access);
    let (o, detail) = outcome(&r);
    assert_eq!(o, Outcome::Passed, "{detail}");
    assert!(detail.contains("brainpoolP384r1") && detail.contains("key 4660"), "{detail}");
}

#[test]
fn a_3des_chip_refusing_kat_gets_set_at_and_general_authenticate() {
    let (_dir, p) = made(ca("ecdh", "3DES", None), None);
    let b = Behaviour { ca_refuse_kat: true, ..Behaviour::default() };
    let (r, _) = read(&p, b);
    let (o, detail) = outcome(&r);
    assert_eq!(o, Outcome::Passed, "{detail}");
    assert!(detail.contains("MSE:Set AT + GENERAL AUTHENTICATE"), "{detail}");
}

#[test]
fn a_cloned_chip_fails_chip_authentication() {
    for (kind, cipher) in [("ecdh", "AES-128"), ("ecdh", "3DES"), ("dh", "AES-128")] {
        let (_dir, p) = made(ca(kind, cipher, None), None);
        let b = Behaviour { ca_clone: true, ..Behaviour::default() };
        let (r, _) = read(&p, b);
        let (o, detail) = outcome(&r);
        assert_eq!(o, Outcome::Failed, "{kind} {cipher}: {detail}");
        assert!(detail.contains("does not hold the key"), "{detail}");
        // Every file was still read.
        assert!(r.files.contains_key("EF.DG2") && r.files.contains_key("EF.DG14"));
    }
}

#[test]
fn a_chip_without_its_key_refuses_and_fails() {
    let (_dir, p) = made(ca("ecdh", "AES-128", None), None);
    let p = p.with_chip_ca_key(None).unwrap();
    let (r, _) = read(&p, Behaviour::default());
    let (o, detail) = outcome(&r);
    assert_eq!(o, Outcome::Failed, "{detail}");
    assert!(detail.contains("refused GENERAL AUTHENTICATE"), "{detail}");
}

#[test]
fn chip_authentication_on_the_other_standardized_curves() {
    // The CA key sits on the PACE curve: brainpoolP224r1, P320r1, P512r1 and NIST P-521.
    for (id, name) in
        [(11, "brainpoolP224r1"), (14, "brainpoolP320r1"), (17, "brainpoolP512r1"), (18, "P-521")]
    {
        let pace = PaceSettings::new(id, "AES-128", true).unwrap();
        let (_dir, p) = made(ca("ecdh", "AES-256", None), Some(pace));
        let (r, _) = read(&p, Behaviour::default());
        let (o, detail) = outcome(&r);
        assert_eq!(o, Outcome::Passed, "{detail}");
        assert!(detail.contains(name), "{detail}");
    }
}

#[test]
fn make_options_are_checked_and_a_folder_keeps_its_chip_key() {
    assert!(matches!(CaMake::new("rsa", "AES-128", None), Err(SimError::Ca(_))));
    assert!(matches!(CaMake::new("ecdh", "AES-512", None), Err(SimError::Ca(_))));
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let options = MakeOptions { ca: Some(ca("ecdh", "AES-128", None)), ..MakeOptions::default() };
    let first = make_profile(MRZ, face, dir.path(), &options).unwrap();
    let key = std::fs::read(dir.path().join("chip-ca.key")).unwrap();
    assert_eq!(key.len(), 32);
    let again = make_profile(MRZ, face, dir.path(), &options).unwrap();
    assert_eq!(std::fs::read(dir.path().join("chip-ca.key")).unwrap(), key);
    assert_eq!(first.files.get("EF.DG14"), again.files.get("EF.DG14"));
    // EF.COM and EF.SOD list DG14.
    let com = crate::lds::com::parse(&first.files["EF.COM"]).unwrap();
    assert!(com.data_groups.contains(&14));
}
