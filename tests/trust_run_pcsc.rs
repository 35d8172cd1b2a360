//! Acceptance through pcscd + vpcd: `enrol-kiosk run` (the library entry the CLI calls)
//! enrols a simulated passport only when its document signer chains to a CSCA in the trust
//! store. Signed by another CSCA (same name and country, other key), or with no trust store
//! at all, not one call reaches the (fake) iProov service and no enrolment is recorded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use common::{READER, attach};
use enrol_kiosk::enrol::cli::{FakeScan, RunArgs, run_headless};
use enrol_kiosk::iproov::Call;
use enrol_kiosk::iproov::fake::{FakeHandle, FakeIproov, FakeOptions};
use enrol_kiosk::records::{EnrolmentStatus, Store};
use enrol_kiosk::sim::{Behaviour, Profile};

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

const CALLS: [Call; 6] = [
    Call::EnrolToken,
    Call::EnrolImage,
    Call::VerifyToken,
    Call::Validate,
    Call::Availability,
    Call::Invalidate,
];

fn calls(fake: &FakeHandle) -> u32 {
    CALLS.iter().map(|c| fake.requests(*c)).sum()
}

/// Runs `run` on the demo passport (signed by the demo CSCA) in the virtual reader, with
/// `csca` as the configuration's `[trust] csca`; returns the exit code, the fake and the
/// records database.
fn run_with(csca: &[&Path], dir: &Path) -> (ExitCode, FakeHandle, PathBuf) {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let fake =
        FakeIproov::spawn_thread(SocketAddr::from(([127, 0, 0, 1], 0)), FakeOptions::default())
            .unwrap();
    let (key, secret) = fake.credentials();
    let list: Vec<String> = csca.iter().map(|p| format!("\"{}\"", p.display())).collect();
    let config = dir.join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[iproov]\nbase_url = \"{}\"\napi_key = \"{key}\"\nsecret = \"{secret}\"\n\
             [trust]\ncsca = [{}]\n",
            fake.base_url(),
            list.join(", ")
        ),
    )
    .unwrap();
    let db = dir.join("records.sqlite");
    let args = RunArgs {
        reader: Some(READER.into()),
        mrz: profile.mrz_text().to_owned(),
        config: Some(config),
        db: Some(db.clone()),
        fake_scan: Some(FakeScan::Pass),
        browser: String::new(),
        csca: Vec::new(),
        json: true,
    };
    (run_headless(args), fake, db)
}

fn records(db: &Path) -> Vec<enrol_kiosk::records::Enrolment> {
    if !db.exists() {
        return Vec::new();
    }
    Store::open(db).unwrap().list().unwrap()
}

#[test]
fn a_chip_signed_by_a_csca_not_in_the_trust_store_is_not_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    // Another simulator CSCA: the same name and country (UT) as the demo's, another key.
    let other = path("tests/data/profiles/big/csca.der");
    let (code, fake, db) = run_with(&[&other], dir.path());
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(calls(&fake), 0, "no call may reach the service");
    assert!(records(&db).is_empty(), "nothing recorded: {:?}", records(&db));
}

#[test]
fn the_same_chip_with_its_csca_in_the_trust_store_is_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    let demo = path("assets/demo-passport/csca.der");
    let other = path("tests/data/profiles/big/csca.der");
    let (code, fake, db) = run_with(&[&other, &demo], dir.path());
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(fake.requests(Call::EnrolToken), 1);
    assert_eq!(fake.requests(Call::Validate), 1);
    let recs = records(&db);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].status, EnrolmentStatus::Passed);
    assert_eq!(recs[0].authenticity.as_deref(), Some("valid"));
    assert_eq!(recs[0].enrol_policy.as_deref(), Some("strict"));
}

#[test]
fn without_any_trust_store_run_refuses_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let (code, fake, db) = run_with(&[], dir.path());
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(calls(&fake), 0);
    assert!(records(&db).is_empty());
}
