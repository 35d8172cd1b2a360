//! The enrolment policy end to end without a reader: the simulated passport read in-process,
//! interpreted with a trust store and its `[policy]`, and the workflow's Confirm obeying the
//! decision (only `valid` and not expired is enrolled; a pilot's `allow_unverified` is
//! recorded with the enrolment).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::path::PathBuf;

use enrol_kiosk::enrol::machine::{DocumentInput, Effect, Input, Stage, Workflow};
use enrol_kiosk::enrol::{ChipResult, Personal};
use enrol_kiosk::face::EncodePolicy;
use enrol_kiosk::mrz::AccessKey;
use enrol_kiosk::reader::passport::{ReadOptions, read_passport};
use enrol_kiosk::sim::{Chip, Profile};
use enrol_kiosk::trust::policy::{Policy, StaleCrl};
use enrol_kiosk::trust::{Decision, TrustStore};
use zeroize::Zeroizing;

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The demo passport read in-process and interpreted with `trust` on `today`.
fn demo_read(trust: &TrustStore, today: &str) -> Box<ChipResult> {
    let profile = Profile::demo().unwrap();
    let key = AccessKey::from_mrz_text(profile.mrz_text()).unwrap();
    let chip = Chip::new(&profile, profile.behaviour().clone());
    let read = read_passport(chip, &key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
    Box::new(ChipResult::from_read(read, &EncodePolicy::default(), trust, today))
}

/// Confirms `chip` in a fresh workflow; returns the effects and the stage after Confirm.
fn confirm(chip: Box<ChipResult>) -> (Vec<Effect>, Stage) {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let mrz = Profile::demo().unwrap().mrz_text().to_owned();
    let fx = w.apply(Input::Submit(DocumentInput::Mrz(Zeroizing::new(mrz))));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!("effects {fx:?}") };
    let job = *job;
    w.apply(Input::ReadDone { job, result: Ok(chip) });
    assert_eq!(w.stage(), &Stage::Review);
    let fx = w.apply(Input::Confirm { consent: true });
    (fx, w.stage().clone())
}

fn refused_with(chip: Box<ChipResult>, title_has: &str) -> String {
    let (fx, stage) = confirm(chip);
    assert!(fx.is_empty(), "nothing may be enrolled: {fx:?}");
    match stage {
        Stage::Problem { title, detail, .. } => {
            assert!(title.contains(title_has), "{title}");
            detail
        }
        s => panic!("stage {s:?}"),
    }
}

#[test]
fn a_verified_current_passport_is_enrolled_under_the_strict_policy() {
    let chip = demo_read(&TrustStore::demo().unwrap(), "2026-12-04T23:00:00Z");
    assert_eq!(chip.facts.decision, Decision::Allow);
    let (fx, _) = confirm(chip);
    match fx.as_slice() {
        [Effect::Enrol { facts, .. }] => {
            assert_eq!(facts.authenticity.as_deref(), Some("valid"));
            assert_eq!(facts.enrol_policy.as_deref(), Some("strict"));
        }
        fx => panic!("effects {fx:?}"),
    }
}

#[test]
fn without_a_trust_store_nothing_is_enrolled_and_the_kiosk_says_how_to_fix_it() {
    // Before: "unverified" went through Confirm to the service.
    let chip = demo_read(&TrustStore::new(), "2026-12-04");
    assert_eq!(chip.facts.authenticity, "unverified");
    let detail = refused_with(chip, "cannot check passports");
    assert!(detail.contains("[trust] csca") && detail.contains("--csca"), "{detail}");
    assert!(detail.contains("master list"), "{detail}");
}

#[test]
fn an_expired_passport_is_not_enrolled() {
    // The demo passport expires on 2031-04-16.
    let store = TrustStore::demo().unwrap();
    assert_eq!(demo_read(&store, "2031-04-16").facts.decision, Decision::Allow);
    let detail = refused_with(demo_read(&store, "2031-04-17"), "expired");
    assert!(detail.contains("2031-04-16"), "{detail}");
}

#[test]
fn allow_unverified_lets_a_pilot_enrol_and_the_record_says_so() {
    let mut store = TrustStore::new();
    store.set_policy(Policy {
        allow_unverified: true,
        stale_crl: StaleCrl::Refuse,
        require_genuine_chip: false,
        ..Policy::default()
    });
    let chip = demo_read(&store, "2026-12-04");
    assert_eq!(chip.facts.decision, Decision::AllowUnverifiedByPolicy);
    let personal = Personal::new(demo_read(&store, "2026-12-04"));
    assert_eq!(personal.document_facts().enrol_policy.as_deref(), Some("allow_unverified"));
    let (fx, _) = confirm(chip);
    match fx.as_slice() {
        [Effect::Enrol { facts, .. }] => {
            assert_eq!(facts.authenticity.as_deref(), Some("unverified"));
            assert_eq!(facts.enrol_policy.as_deref(), Some("allow_unverified"));
        }
        fx => panic!("effects {fx:?}"),
    }
    // It never lets an invalid document through: a CSCA of the same country that did not
    // sign this passport makes it invalid.
    let mut other = TrustStore::load(&[path("tests/data/profiles/big/csca.der")]).unwrap();
    other.set_policy(Policy {
        allow_unverified: true,
        stale_crl: StaleCrl::Refuse,
        require_genuine_chip: false,
        ..Policy::default()
    });
    let chip = demo_read(&other, "2026-12-04");
    assert_eq!(chip.facts.authenticity, "invalid", "{}", chip.facts.authenticity_summary);
    refused_with(chip, "authenticity");
}

#[test]
fn the_policy_and_trust_paths_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[trust]\ncsca = [\"{}\"]\n[policy]\nstale_crl = \"allow\"\n",
            path("assets/demo-passport/csca.der").display()
        ),
    )
    .unwrap();
    let store = enrol_kiosk::trust::config::kiosk_trust_store(&[], Some(&cfg)).unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(store.policy().stale_crl, StaleCrl::Allow);
    assert!(!store.policy().allow_unverified, "strict unless said");
    assert!(enrol_kiosk::trust::config::cannot_enrol(&store).is_none());
    let empty = enrol_kiosk::trust::config::kiosk_trust_store(&[], None).unwrap();
    let why = enrol_kiosk::trust::config::cannot_enrol(&empty).unwrap();
    assert!(why.contains("[trust] csca"), "{why}");
}
