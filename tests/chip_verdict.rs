//! The chip verdict end to end on simulated chips (in process): a PACE-CAM chip made by
//! `make-profile` serves EF.CardSecurity from its master file, signed by the profile's
//! document signer; the reader reads it right after PACE; the CAM evidence checked against
//! its key gives `genuine`, and a clone (another chip key) gives `failed`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::path::PathBuf;

use enrol_kiosk::authentication::{ChipVerdict, Method, Outcome};
use enrol_kiosk::mrz::Can;
use enrol_kiosk::reader::passport::{ReadOptions, read_passport};
use enrol_kiosk::sim::make::{MakeOptions, make_profile};
use enrol_kiosk::sim::{Behaviour, Chip, PaceSettings, Profile};
use enrol_kiosk::trust::TrustStore;

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn cam_profile(dir: &std::path::Path, mapping: &str) -> (Profile, TrustStore) {
    let face = std::fs::read(path("assets/demo-face.jpg")).unwrap();
    let mrz = Profile::demo().unwrap().mrz_text().to_owned();
    let options = MakeOptions {
        pace: Some(PaceSettings::with_mapping(13, mapping, "AES-128", false).unwrap()),
        can: Some(Can::new("123456").unwrap()),
        ..MakeOptions::default()
    };
    let made = make_profile(&mrz, &face, dir, &options).unwrap();
    let store = TrustStore::load(std::slice::from_ref(&made.csca_path)).unwrap();
    (Profile::load(dir).unwrap(), store)
}

fn read(profile: &Profile) -> enrol_kiosk::reader::passport::PassportRead {
    let chip = Chip::with_seed(profile, Behaviour::default(), 7);
    let can = Can::new("123456").unwrap();
    read_passport(chip, can, &ReadOptions::default(), &mut |_, _, _| {}).unwrap()
}

#[test]
fn a_pace_cam_chip_is_genuine() {
    let dir = tempfile::tempdir().unwrap();
    let (profile, store) = cam_profile(dir.path(), "cam");
    assert!(profile.file("EF.CardSecurity").is_some());
    let r = read(&profile);
    assert!(r.cam.is_some(), "{}", r.access);
    assert_eq!(
        r.files.get("EF.CardSecurity").map(|b| b.as_slice()),
        profile.file("EF.CardSecurity")
    );
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(
        report.passive_authentication.status, "valid",
        "{}",
        report.passive_authentication.reason
    );
    let chip = &report.chip_authentication;
    assert_eq!(chip.verdict, ChipVerdict::Genuine, "{:?}", chip.checks);
    assert_eq!(chip.checks.len(), 1);
    assert_eq!(chip.checks[0].method, Method::PaceCam);
    assert_eq!(chip.checks[0].result, Outcome::Passed);
    assert_eq!(chip.card_security.as_deref(), Some("valid"));
}

#[test]
fn a_cloned_cam_chip_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = cam_profile(dir.path(), "cam");
    // The clone copies every file but cannot copy the chip's private key: it proves another.
    let other = tempfile::tempdir().unwrap();
    cam_profile(other.path(), "cam");
    std::fs::copy(other.path().join("chip-ca.key"), dir.path().join("chip-ca.key")).unwrap();
    let clone = Profile::load(dir.path()).unwrap();
    let r = read(&clone);
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(report.passive_authentication.status, "valid");
    let chip = &report.chip_authentication;
    assert_eq!(chip.verdict, ChipVerdict::Failed, "{:?}", chip.checks);
    assert_eq!(chip.checks[0].result, Outcome::Failed);
    assert!(chip.checks[0].detail.contains("does not match"), "{}", chip.checks[0].detail);
}

#[test]
fn a_cam_chip_without_card_security_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = cam_profile(dir.path(), "cam");
    std::fs::remove_file(dir.path().join("EF.CardSecurity.bin")).unwrap();
    let r = read(&Profile::load(dir.path()).unwrap());
    assert!(!r.files.contains_key("EF.CardSecurity"));
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(report.chip_authentication.verdict, ChipVerdict::Failed);
}

#[test]
fn a_generic_mapping_chip_without_ca_or_aa_is_not_proven() {
    let dir = tempfile::tempdir().unwrap();
    let (profile, store) = cam_profile(dir.path(), "gm");
    assert!(profile.file("EF.CardSecurity").is_none());
    let r = read(&profile);
    assert!(r.cam.is_none() && !r.files.contains_key("EF.CardSecurity"));
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(report.chip_authentication.verdict, ChipVerdict::NotProven);
    assert!(report.chip_authentication.checks.is_empty());
}

#[test]
fn a_chip_authentication_chip_is_genuine_and_its_clone_fails() {
    let dir = tempfile::tempdir().unwrap();
    let face = std::fs::read(path("assets/demo-face.jpg")).unwrap();
    let mrz = Profile::demo().unwrap().mrz_text().to_owned();
    let options = MakeOptions {
        pace: Some(PaceSettings::with_mapping(13, "gm", "AES-128", false).unwrap()),
        can: Some(Can::new("123456").unwrap()),
        ca: Some(enrol_kiosk::sim::make_ca::CaMake::new("ecdh", "AES-128", None).unwrap()),
        ..MakeOptions::default()
    };
    let made = make_profile(&mrz, &face, dir.path(), &options).unwrap();
    let store = TrustStore::load(std::slice::from_ref(&made.csca_path)).unwrap();
    let profile = Profile::load(dir.path()).unwrap();
    let report = enrol_kiosk::report::build_with(&read(&profile), &store);
    let chip = &report.chip_authentication;
    assert_eq!(chip.verdict, ChipVerdict::Genuine, "{:?}", chip.checks);
    assert_eq!(chip.checks[0].method, Method::ChipAuthentication);

    let clone = Behaviour { ca_clone: true, ..Behaviour::default() };
    let r = read_passport(
        Chip::with_seed(&profile, clone, 9),
        Can::new("123456").unwrap(),
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(report.passive_authentication.status, "valid");
    assert_eq!(report.chip_authentication.verdict, ChipVerdict::Failed);
    let json = serde_json::to_value(&report.chip_authentication).unwrap();
    assert_eq!(json["verdict"], "failed");
    assert_eq!(json["checks"][0]["method"], "CA");
    assert_eq!(json["checks"][0]["result"], "failed");
}

#[test]
fn every_pace_cam_session_of_a_read_must_prove_the_same_key() {
    let (dir, other_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (profile, store) = cam_profile(dir.path(), "cam");
    let (other, _) = cam_profile(other_dir.path(), "cam");
    // A second session with the same chip (secure messaging re-established): still genuine.
    let mut r = read(&profile);
    r.cam_later.push(read(&profile).cam.unwrap());
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(report.chip_authentication.verdict, ChipVerdict::Genuine);
    // A later session answered by another chip (one that knows the password but not the key
    // EF.CardSecurity names): the data read under it is unproven, the chip FAILED.
    r.cam_later.push(read(&other).cam.unwrap());
    let report = enrol_kiosk::report::build_with(&r, &store);
    assert_eq!(report.chip_authentication.verdict, ChipVerdict::Failed);
}
