//! Ring 2: Active Authentication (ICAO 9303 Part 11 §6.1) with the simulated chip through the
//! real PC/SC stack (pcscd + vpcd), on profiles written by `enrol-kiosk make-profile --aa`:
//! RSA (ISO/IEC 9796-2) and ECDSA pass, a chip signing another challenge (a clone replaying
//! an answer) fails, and a chip answering ECDSA in DER passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{attach, connect};
use enrol_kiosk::authentication::{Check, Method, Outcome};
use enrol_kiosk::mrz::AccessKey;
use enrol_kiosk::reader::passport::{ReadOptions, read_passport};
use enrol_kiosk::sim::{Behaviour, Profile};
use std::path::Path;
use std::process::Command;

const MRZ: &str =
    "P<UTOSPECIMEN<<ALEX<SAMPLE<<<<<<<<<<<<<<<<<<\nD231458907UTO9003129F3104161<<<<<<<<<<<<<<04";

/// `enrol-kiosk make-profile --aa KIND [extra]` into `out`.
fn make_profile(out: &Path, extra: &[&str]) -> Profile {
    let face = format!("{}/assets/demo-face.jpg", env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO_BIN_EXE_enrol-kiosk"))
        .args(["make-profile", "--mrz", MRZ, "--face", &face, "--out"])
        .arg(out)
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success(), "make-profile {extra:?}");
    Profile::load(out).unwrap()
}

/// Reads the chip behind pcscd with the MRZ and returns its one AA check.
fn aa_check(profile: &Profile, behaviour: Behaviour) -> Check {
    let _card = attach(profile, behaviour);
    let key = AccessKey::from_mrz_text(MRZ).unwrap();
    let read = read_passport(connect(), key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
    assert!(read.files.contains_key("EF.DG15"));
    match read.chip_checks.as_slice() {
        [c] if c.method == Method::ActiveAuthentication => c.clone(),
        other => panic!("expected one AA check, got {other:?}"),
    }
}

#[test]
fn rsa_profile_passes_and_a_replaying_clone_fails() {
    let dir = tempfile::tempdir().unwrap();
    let profile = make_profile(dir.path(), &["--aa", "rsa"]);
    let check = aa_check(&profile, Behaviour::default());
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("RSA-1024") && check.detail.contains("BC"), "{}", check.detail);
    let clone = Behaviour { aa_wrong_challenge: true, ..Behaviour::default() };
    let check = aa_check(&profile, clone);
    assert_eq!(check.outcome, Outcome::Failed, "{}", check.detail);
}

#[test]
fn ecdsa_profile_passes_plain_and_der_and_a_replaying_clone_fails() {
    let dir = tempfile::tempdir().unwrap();
    let profile = make_profile(dir.path(), &["--aa", "ecdsa", "--aa-curve", "brainpoolP256r1"]);
    let check = aa_check(&profile, Behaviour::default());
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("plain"), "{}", check.detail);
    let der = Behaviour { aa_ecdsa_der: true, ..Behaviour::default() };
    let check = aa_check(&profile, der);
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("DER"), "{}", check.detail);
    let clone = Behaviour { aa_wrong_challenge: true, ..Behaviour::default() };
    assert_eq!(aa_check(&profile, clone).outcome, Outcome::Failed);
}

#[test]
fn rsa2048_sha256_on_a_short_length_chip_passes() {
    let dir = tempfile::tempdir().unwrap();
    let profile =
        make_profile(dir.path(), &["--aa", "rsa", "--aa-bits", "2048", "--aa-hash", "SHA-256"]);
    let short = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let check = aa_check(&profile, short);
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("RSA-2048") && check.detail.contains("34CC"), "{}", check.detail);
    let check = aa_check(&profile, Behaviour::default());
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
}
