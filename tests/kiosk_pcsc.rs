//! Ring 2 for the workflow: a whole headless enrolment with the simulated passport
//! attached to pcscd through vpcd, read by the kiosk's PC/SC card source, and the fake
//! iProov service over loopback HTTP; records written and checked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{READER, attach, services};
use enrol_kiosk::enrol::headless::{self, HeadlessError};
use enrol_kiosk::enrol::{Executor, PcscCardSource, ScanControl};
use enrol_kiosk::iproov::fake::{FakeIproov, FakeOptions, ScanOutcome};
use enrol_kiosk::records::{EnrolmentStatus, Store};
use enrol_kiosk::sim::{Behaviour, Profile};
use zeroize::Zeroizing;

struct Setup {
    exec: Executor,
    inputs: std::sync::mpsc::Receiver<enrol_kiosk::enrol::Input>,
    fake: enrol_kiosk::iproov::fake::FakeHandle,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let fake =
        FakeIproov::spawn_thread(SocketAddr::from(([127, 0, 0, 1], 0)), FakeOptions::default())
            .unwrap();
    let services = services(&fake, dir.path());
    let card = Box::new(PcscCardSource { reader: Some(READER.into()) });
    // No browser in tests: the scan is completed on the fake below.
    let (mut exec, inputs) =
        Executor::with_services(card, services, ScanControl::Browser(vec![])).unwrap();
    // The simulated passport is signed by the demo CSCA: only a verified passport is enrolled.
    exec.set_trust_store(enrol_kiosk::trust::TrustStore::demo().unwrap());
    Setup { exec, inputs, fake, _dir: dir }
}

#[test]
fn whole_enrolment_through_pcscd_vpcd_and_the_fake_service() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let mut s = setup();
    let fake = &s.fake;
    let out = headless::run(
        &mut s.exec,
        &s.inputs,
        Zeroizing::new(profile.mrz_text().to_owned()),
        |exec| {
            let token = exec.scan_token().unwrap().to_owned();
            fake.complete_scan(&token, ScanOutcome::Passed).unwrap();
            exec.scan_ended();
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert!(out.passed);
    assert_eq!(
        out.stages,
        [
            "document",
            "place-passport",
            "reading",
            "review",
            "enrolling",
            "face-scan",
            "validating",
            "result"
        ]
    );
    let rec = s.exec.services().store.get(&out.user_id).unwrap().unwrap();
    assert_eq!(rec.status, EnrolmentStatus::Passed);
    assert_eq!(rec.access_protocol.as_deref(), Some("PACE-ECDH-GM-AES-128"));
    assert!(rec.document_number_hash.is_some(), "document number kept only as a hash");
    eprintln!("kiosk overhead through pcscd: {} us", out.overhead.as_micros());
}

#[test]
fn a_wrong_mrz_through_pcscd_is_a_problem_naming_the_mrz() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let mut s = setup();
    // A valid MRZ of another document (ICAO 9303 Part 4 specimen): the chip refuses BAC.
    let other = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let err = headless::run(
        &mut s.exec,
        &s.inputs,
        Zeroizing::new(other.to_owned()),
        |_| panic!("no scan expected"),
        Duration::from_secs(30),
    )
    .unwrap_err();
    match err {
        HeadlessError::Problem { title, .. } => assert!(title.contains("MRZ"), "{title}"),
        e => panic!("{e}"),
    }
}

/// `enrol-kiosk run` (the library entry the CLI calls): config file, records database,
/// the scan completed on the fake's control endpoint over HTTP.
#[test]
fn run_command_enrols_headless_and_records_the_outcome() {
    use enrol_kiosk::enrol::cli::{FakeScan, RunArgs, run_headless};
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let fake =
        FakeIproov::spawn_thread(SocketAddr::from(([127, 0, 0, 1], 0)), FakeOptions::default())
            .unwrap();
    let (key, secret) = fake.credentials();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[iproov]\nbase_url = \"{}\"\napi_key = \"{key}\"\nsecret = \"{secret}\"\n\
             [trust]\ncsca = [\"{}\"]\n",
            fake.base_url(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-passport/csca.der")
        ),
    )
    .unwrap();
    let db = dir.path().join("records.sqlite");
    let args = RunArgs {
        reader: Some(READER.into()),
        mrz: profile.mrz_text().to_owned(),
        config: Some(config),
        db: Some(db.clone()),
        fake_scan: Some(FakeScan::Fail),
        browser: String::new(),
        csca: Vec::new(),
        json: true,
    };
    assert_eq!(run_headless(args), std::process::ExitCode::FAILURE, "a failed scan is not success");
    let records = Store::open(&db).unwrap().list().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, EnrolmentStatus::Failed);
    assert_eq!(records[0].passed, Some(false));
    // Passive authentication used the configuration's [trust] CSCA.
    assert_eq!(records[0].authenticity.as_deref(), Some("valid"));
}
