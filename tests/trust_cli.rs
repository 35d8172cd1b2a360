//! `enrol-kiosk read --csca` end to end through pcscd + vpcd: the simulated demo passport is
//! genuine under its CSCA, unverified without one and under another profile's CSCA, and a
//! bad `--csca` file stops the command before the chip is read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{READER, attach};
use enrol_kiosk::sim::{Behaviour, Profile};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn read(profile: &Profile, csca: &[PathBuf], out: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_enrol-kiosk"));
    cmd.args(["read", "--reader", READER, "--mrz", profile.mrz_text(), "--json", "--out"]).arg(out);
    for c in csca {
        cmd.arg("--csca").arg(c);
    }
    cmd.output().unwrap()
}

fn pa(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["passive_authentication"].clone()
}

fn asset(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn read_with_the_demo_csca_is_valid() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let out = tempfile::tempdir().unwrap();
    // The CSCA and a folder of master lists whose signers' CSCAs were not given: the lists
    // are skipped with a note, the CSCA is used.
    let output = read(
        &profile,
        &[asset("assets/demo-passport/csca.der"), asset("tests/data/pki/masterlists")],
        out.path(),
    );
    let pa = pa(&output);
    assert_eq!(pa["status"], "valid", "{pa}");
    assert_eq!(pa["summary"], "Genuine: signed by CSCA UT (enrol-kiosk Test CSCA)");
    assert_eq!(pa["signature"], "valid");
    assert_eq!(pa["signature_algorithm"], "ECDSA SHA-256");
    assert_eq!(pa["data_groups"]["EF.DG2"], "match");
    assert_eq!(pa["csca"]["country"], "UT");
    assert!(pa["document_signer"]["subject"].as_str().unwrap().contains("Document Signer"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("trust store:"), "{stderr}");
    // report.json on disk says the same.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["passive_authentication"], pa);
}

#[test]
fn read_without_a_csca_is_unverified_and_with_another_csca_of_its_country_invalid() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let out = tempfile::tempdir().unwrap();
    let none = pa(&read(&profile, &[], out.path()));
    assert_eq!(none["status"], "unverified");
    assert_eq!(none["summary"], "Not verified: no CSCA trust store configured");
    // Another CSCA of the same country (UT) and name, not the one that signed: a trust store
    // that knows this country's CSCAs calls a signer none of them signed invalid.
    let other = pa(&read(&profile, &[asset("tests/data/profiles/big/csca.der")], out.path()));
    assert_eq!(other["status"], "invalid");
    assert_eq!(other["summary"], "FAILED: the document signer is not signed by a trusted CSCA UT");
}

#[test]
fn a_bad_csca_file_stops_the_read() {
    let profile = Profile::demo().unwrap();
    let out = tempfile::tempdir().unwrap();
    let bad = out.path().join("not-a-cert.der");
    std::fs::write(&bad, b"\x30\x82\x01\x00 definitely not a certificate").unwrap();
    let output = read(&profile, &[bad], &out.path().join("out"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--csca"), "{stderr}");
    assert!(!out.path().join("out/report.json").exists());
}
