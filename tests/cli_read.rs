//! The `enrol-kiosk read` command end to end through pcscd + vpcd.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{READER, attach};
use enrol_kiosk::sim::{Behaviour, Profile};
use std::process::Command;

fn enrol_kiosk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_enrol-kiosk"))
}

#[test]
fn read_writes_files_face_and_report() {
    let profile = Profile::load(&common::data("profiles/jp2")).unwrap();
    let _card = attach(&profile, Behaviour::default());
    let out = tempfile::tempdir().unwrap();
    let output = enrol_kiosk()
        .args(["read", "--reader", READER, "--mrz", profile.mrz_text(), "--json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for name in ["EF.COM.bin", "EF.SOD.bin", "EF.DG1.bin", "EF.DG2.bin", "face.jp2", "report.json"]
    {
        assert!(out.path().join(name).is_file(), "{name} missing");
    }
    assert_eq!(
        std::fs::read(out.path().join("EF.DG2.bin")).unwrap(),
        profile.file("EF.DG2").unwrap()
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report, printed);
    assert_eq!(report["access"], "BAC");
    assert_eq!(report["face"]["format"], "jp2");
    assert_eq!(report["files"]["EF.DG2"], profile.file("EF.DG2").unwrap().len());
    assert!(report["apdus"].as_u64().unwrap() >= 5);
    assert!(report["elapsed_ms"].is_u64());
    assert!(
        ["valid", "invalid", "unverified"]
            .contains(&report["passive_authentication"]["status"].as_str().unwrap())
    );
    // A BAC chip without DG14 or DG15 proves nothing about itself (architecture.md).
    let chip = &report["chip_authentication"];
    assert_eq!(chip["verdict"], "not proven", "{chip}");
    assert_eq!(chip["checks"], serde_json::json!([]));
    assert!(chip["summary"].as_str().unwrap().starts_with("Chip not proven"));
    let mrz = &report["mrz"];
    assert!(!mrz["document_number"].as_str().unwrap().is_empty());
    assert_eq!(mrz["date_of_birth"].as_str().unwrap().len(), 6);
}

#[test]
fn read_with_a_wrong_mrz_fails_and_names_the_mrz() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let out = tempfile::tempdir().unwrap();
    let output = enrol_kiosk()
        .args(["read", "--reader", READER, "--doc", "L898902C", "--dob", "690806"])
        .args(["--expiry", "940623", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MRZ"), "stderr: {stderr}");
    assert!(!out.path().join("report.json").exists());
}

#[test]
fn readers_lists_the_virtual_reader_and_the_card() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let output = enrol_kiosk().args(["readers", "--json"]).output().unwrap();
    assert!(output.status.success());
    let readers: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ours = readers.as_array().unwrap().iter().find(|r| r["name"] == READER).unwrap();
    assert_eq!(ours["card_present"], true);
}

/// Kills the child process however the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn simulate_then_read_as_a_user_would() {
    common::ensure_pcscd();
    let _guard = common::reader_lock();
    assert!(common::wait_card(false, std::time::Duration::from_secs(5)));
    let made = tempfile::tempdir().unwrap();
    let profile_dir = made.path().join("mine");
    let face = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-face.jpg");
    let mrz = "P<UTOSPECIMEN<<ALEX<SAMPLE<<<<<<<<<<<<<<<<<<\nD231458907UTO9003129F3104161<<<<<<<<<<<<<<04";
    let status = enrol_kiosk()
        .args(["make-profile", "--mrz", mrz, "--face", face, "--out"])
        .arg(&profile_dir)
        .status()
        .unwrap();
    assert!(status.success());
    let sim = Child(
        enrol_kiosk()
            .args(["simulate", "--vpcd", common::VPCD, "--latency-ms", "1", "--profile"])
            .arg(&profile_dir)
            .spawn()
            .unwrap(),
    );
    assert!(common::wait_card(true, std::time::Duration::from_secs(10)));
    let out = tempfile::tempdir().unwrap();
    let output = enrol_kiosk()
        .args(["read", "--reader", READER, "--doc", "D23145890", "--dob", "900312"])
        .args(["--expiry", "310416", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::read(out.path().join("EF.DG2.bin")).unwrap(),
        std::fs::read(profile_dir.join("EF.DG2.bin")).unwrap()
    );
    drop(sim);
    assert!(common::wait_card(false, std::time::Duration::from_secs(5)));
}
