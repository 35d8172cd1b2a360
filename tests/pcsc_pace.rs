//! Ring 2: PACE (ICAO 9303 Part 11 §4.4) with the simulated chip through the real PC/SC stack
//! (pcscd + vpcd): MRZ and CAN passwords, a wrong CAN, the CAN on a BAC-only chip, a
//! card taken away in the middle of PACE, and a PACE answer cut short that must never lead
//! to BAC (ICAO 9303 Part 11 §4.2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{READER, attach, connect, data};
use enrol_kiosk::access::{AccessError, Password};
use enrol_kiosk::card::{CardChannel, CardError};
use enrol_kiosk::mrz::{AccessKey, Can};
use enrol_kiosk::reader::ReadError;
use enrol_kiosk::reader::passport::{PassportRead, ReadOptions, read_passport};
use enrol_kiosk::sim::{Behaviour, Profile};
use std::process::Command;
use std::time::Duration;

const DEMO_CAN: &str = "123456";

fn read(password: Password) -> Result<PassportRead, ReadError> {
    read_passport(connect(), password, &ReadOptions::default(), &mut |_, _, _| {})
}

fn can(digits: &str) -> Password {
    Can::new(digits).unwrap().into()
}

fn assert_complete(profile: &Profile, read: &PassportRead) {
    for name in profile.file_names() {
        let got = read.files.get(name).unwrap_or_else(|| panic!("{name} not read"));
        assert_eq!(got.as_slice(), profile.file(name).unwrap(), "{name} differs");
    }
}

#[test]
fn pace_with_the_mrz_and_with_the_can() {
    let profile = Profile::demo().unwrap();
    assert_eq!(profile.can().unwrap().digits(), DEMO_CAN);
    let _card = attach(&profile, Behaviour::default());
    let mrz = AccessKey::from_mrz_text(profile.mrz_text()).unwrap();
    for password in [Password::Mrz(mrz), can(DEMO_CAN)] {
        let kind = password.kind();
        let read = read(password).unwrap();
        assert_complete(&profile, &read);
        assert_eq!(read.access, "PACE-ECDH-GM-AES-128", "{kind}");
        // CardAccess, MSE:Set AT, 4 GENERAL AUTHENTICATE, SELECT, one READ per EF (DG14 too).
        assert_eq!(read.apdus, 12, "{kind}");
        assert_eq!(read.access_control.security_infos.status(), "consistent", "{kind}");
    }
}

#[test]
fn pace_on_nist_p256_with_3des() {
    let mut profile = Profile::load(&data("profiles/jp2")).unwrap();
    let pace = enrol_kiosk::sim::PaceSettings::new(12, "3DES", false).unwrap();
    profile = profile.with_pace(Some(pace), Some(Can::new("000042").unwrap()));
    let _card = attach(&profile, Behaviour::default());
    let read = read(can("000042")).unwrap();
    assert_complete(&profile, &read);
    assert_eq!(read.access, "PACE-ECDH-GM-3DES");
}

#[test]
fn a_wrong_can_is_access_denied() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let err = read(can("654321")).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::Denied)), "got {err:?}");
    // The chip is still usable with the right one.
    assert!(read(can(DEMO_CAN)).is_ok());
}

#[test]
fn the_can_on_a_bac_only_chip_asks_for_the_mrz() {
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    assert!(profile.pace().is_none());
    let _card = attach(&profile, Behaviour::default());
    let err = read(can(DEMO_CAN)).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::CanNeedsPace)), "got {err:?}");
    assert!(err.to_string().contains("type or scan the MRZ"), "{err}");
}

#[test]
fn removal_during_pace_is_typed_and_a_retry_succeeds() {
    let profile = Profile::demo().unwrap();
    // APDU 1 reads EF.CardAccess, 2 is MSE:Set AT, 3–6 GENERAL AUTHENTICATE: leave at 4.
    let behaviour = Behaviour { remove_after_apdu: Some(3), ..Behaviour::default() };
    let card = attach(&profile, behaviour);
    let err = read(can(DEMO_CAN)).unwrap_err();
    assert!(err.is_card_gone(), "expected a removed card, got {err:?}");
    assert!(common::wait_card(true, Duration::from_secs(10)));
    let read = read(can(DEMO_CAN)).unwrap();
    assert_complete(&profile, &read);
    assert_eq!(read.access, "PACE-ECDH-GM-AES-128");
    drop(card);
}

#[test]
fn cli_reads_with_the_can_and_words_a_wrong_one_plainly() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let bin = env!("CARGO_BIN_EXE_enrol-kiosk");
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(bin)
        .args(["read", "--reader", READER, "--can", DEMO_CAN, "--json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["access"], "PACE-ECDH-GM-AES-128");
    assert_eq!(report["apdus"], 12);
    assert_eq!(report["access_control"]["protocol"], "PACE-ECDH-GM-AES-128");
    assert_eq!(report["access_control"]["pace_offered"], true);
    assert_eq!(report["access_control"]["note"], serde_json::Value::Null);
    assert_eq!(report["access_control"]["security_infos"], "consistent");
    assert!(out.path().join("EF.DG14.bin").is_file());
    assert!(out.path().join("face.jpg").is_file());

    let bad = tempfile::tempdir().unwrap();
    let output = Command::new(bin)
        .args(["read", "--reader", READER, "--can", "654321", "--out"])
        .arg(bad.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CAN was most likely typed"), "stderr: {stderr}");
    assert!(!stderr.contains("654321"), "the CAN must not be echoed: {stderr}");
    assert!(!bad.path().join("report.json").exists());

    // A CAN that is not six digits is refused before the chip is touched.
    let output = Command::new(bin)
        .args(["read", "--reader", READER, "--can", "12345", "--out"])
        .arg(bad.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("6 digits"));
}

/// Passes commands to the real reader and records each one's CLA and INS.
struct Recorder<C> {
    inner: C,
    sent: Vec<(u8, u8)>,
}

impl<C: CardChannel> CardChannel for Recorder<C> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        if let [cla, ins, ..] = command {
            self.sent.push((*cla, *ins));
        }
        self.inner.transmit(command)
    }
}

#[test]
fn a_pace_answer_truncated_mid_pace_is_never_read_with_bac() {
    let profile = Profile::demo().unwrap();
    assert!(profile.bac_allowed(), "the chip would accept BAC: only the reader can refuse it");
    let mrz = Password::Mrz(AccessKey::from_mrz_text(profile.mrz_text()).unwrap());
    let cases = (1..=4).map(|step| (step, mrz.clone())).chain([(2, can(DEMO_CAN))]);
    for (step, password) in cases {
        let kind = password.kind();
        let behaviour = Behaviour { truncate_ga: Some(step), ..Behaviour::default() };
        let _card = attach(&profile, behaviour);
        let mut card = Recorder { inner: connect(), sent: Vec::new() };
        let err = read_passport(&mut card, &password, &ReadOptions::default(), &mut |_, _, _| {})
            .expect_err("a truncated PACE answer must fail the read");
        // Release the reader (connections are exclusive) before looking at what was sent.
        let Recorder { inner, sent } = card;
        drop(inner);
        assert!(
            matches!(err, ReadError::Access(ref e) if !matches!(e, AccessError::Denied)),
            "GENERAL AUTHENTICATE {step} cut short, {kind}: {err:?}"
        );
        // No BAC at all: no plain SELECT of the application, GET CHALLENGE or EXTERNAL
        // AUTHENTICATE after the broken PACE.
        let bac = sent.iter().any(|&(cla, ins)| cla & 0x0C == 0 && matches!(ins, 0x84 | 0x82));
        assert!(!bac, "GA {step}, {kind}: BAC was tried: {sent:02X?}");
        assert_eq!(sent.first(), Some(&(0x00, 0xB0)), "EF.CardAccess first");
        assert_eq!(sent.get(1), Some(&(0x00, 0x22)), "then MSE:Set AT");
        assert!(sent.iter().skip(2).all(|&(_, ins)| ins == 0x86), "{sent:02X?}");
        assert_eq!(sent.len(), 2 + usize::from(step), "nothing after the cut answer: {sent:02X?}");
        // The fault came once: trying again runs PACE and reads the passport.
        let again = read(password).unwrap();
        assert_eq!(again.access, "PACE-ECDH-GM-AES-128");
        assert_complete(&profile, &again);
    }
}
