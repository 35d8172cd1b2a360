//! The zoo: one simulated chip per real document configuration that open-source readers
//! publish (tests/data/zoo/zoo.toml, each fact with its source), made with `make-profile`'s
//! options and the simulator's behaviour knobs, read through pcscd + vpcd with the MRZ on the
//! first try: the access protocol and the chip verdict must be the expected ones.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use clap::Parser;
use common::{attach, connect, data};
use enrol_kiosk::authentication::ChipVerdict;
use enrol_kiosk::mrz::AccessKey;
use enrol_kiosk::reader::passport::{PassportRead, ReadOptions, read_passport};
use enrol_kiosk::sim::Profile;
use enrol_kiosk::sim::cli::{MakeProfileArgs, run_make_profile};
use enrol_kiosk::trust::TrustStore;
use serde::Deserialize;

/// A fictitious specimen MRZ (ICAO 9303 Part 4 Appendix B, issuing state UTO) for every chip.
const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Zoo {
    document: Vec<Document>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    id: String,
    country: String,
    document: String,
    year: String,
    access: String,
    verdict: String,
    make_profile: Vec<String>,
    assumed: Vec<String>,
    facts: Vec<Fact>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fact {
    what: String,
    source: String,
}

/// `make-profile`'s options, parsed exactly as the command line parses them.
#[derive(Parser)]
struct MakeProfile {
    #[command(flatten)]
    args: MakeProfileArgs,
}

fn zoo() -> Zoo {
    toml::from_str(&std::fs::read_to_string(data("zoo/zoo.toml")).unwrap()).unwrap()
}

/// The chip verdict of the read as report.json gives it: passive authentication against the
/// profile's own CSCA (written by `make-profile` as `csca.der`), then PACE-CAM, CA or AA.
fn verdict(read: &PassportRead, profile_dir: &std::path::Path) -> &'static str {
    let store = TrustStore::load(&[profile_dir.join("csca.der")]).unwrap();
    let report = enrol_kiosk::report::build_with(read, &store);
    match report.chip_authentication.verdict {
        ChipVerdict::Failed => "FAILED",
        v => v.as_str(),
    }
}

#[test]
fn every_entry_names_its_sources_and_its_expectations() {
    let zoo = zoo();
    assert!(zoo.document.len() >= 10);
    let mut ids = std::collections::BTreeSet::new();
    for d in &zoo.document {
        assert!(ids.insert(d.id.clone()), "duplicate id {}", d.id);
        assert!(!d.facts.is_empty(), "{}: no facts", d.id);
        for f in &d.facts {
            assert!(!f.what.trim().is_empty() && !f.source.trim().is_empty(), "{}: {f:?}", d.id);
        }
        assert!(["genuine", "not proven", "FAILED"].contains(&d.verdict.as_str()), "{}", d.id);
        assert!(!d.country.is_empty() && !d.document.is_empty() && !d.year.is_empty());
        assert!(d.assumed.iter().all(|a| !a.trim().is_empty()), "{}", d.id);
    }
}

#[test]
fn every_zoo_chip_is_read_first_try_with_the_expected_protocol_and_verdict() {
    let zoo = zoo();
    let tmp = tempfile::tempdir().unwrap();
    let face = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-face.jpg");
    let mut read_ok = Vec::new();
    for d in &zoo.document {
        let out = tmp.path().join(&d.id);
        let mut argv: Vec<String> = vec!["make-profile".into(), "--mrz".into(), MRZ.into()];
        argv.extend(["--face".into(), face.display().to_string()]);
        argv.extend(["--out".into(), out.display().to_string()]);
        argv.extend(d.make_profile.iter().cloned());
        let made = MakeProfile::try_parse_from(&argv)
            .unwrap_or_else(|e| panic!("{}: make-profile options: {e}", d.id));
        run_make_profile(made.args).unwrap_or_else(|e| panic!("{}: {e}", d.id));
        let profile = Profile::load(&out).unwrap();
        let _card = attach(&profile, profile.behaviour().clone());
        let key = AccessKey::from_mrz_text(MRZ).unwrap();
        let read = read_passport(connect(), key, &ReadOptions::default(), &mut |_, _, _| {})
            .unwrap_or_else(|e| panic!("{}: not read on the first try: {e}", d.id));
        for name in ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2"] {
            let got = read.files.get(name).map(|f| f.as_slice());
            assert_eq!(got, profile.file(name), "{}: {name} differs", d.id);
        }
        assert_eq!(read.access, d.access, "{}", d.id);
        assert_eq!(verdict(&read, &out), d.verdict, "{}", d.id);
        read_ok.push(format!("{} ({} APDUs)", d.id, read.apdus));
    }
    eprintln!(
        "zoo: {} of {} documents read first try: {}",
        read_ok.len(),
        zoo.document.len(),
        read_ok.join(", ")
    );
    assert_eq!(read_ok.len(), zoo.document.len());
}

/// The fault of a stripped or altered chip: EF.CardAccess offers PACE, the signed EF.DG14 does
/// not list it. The read goes through (PACE works) and report.json's access control says
/// `invalid`.
#[test]
fn a_dg14_without_the_card_access_paceinfo_makes_the_document_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let face = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-face.jpg");
    for (extra, invalid) in [(None, false), (Some("--dg14-without-pace"), true)] {
        let out = tmp.path().join(if invalid { "stripped" } else { "whole" });
        let mut argv: Vec<String> = vec!["make-profile".into(), "--mrz".into(), MRZ.into()];
        argv.extend(["--face".into(), face.display().to_string()]);
        argv.extend(["--out".into(), out.display().to_string()]);
        argv.extend(["--pace", "--pace-parameter-id", "13", "--ca", "ecdh"].map(String::from));
        argv.extend(extra.map(String::from));
        run_make_profile(MakeProfile::try_parse_from(&argv).unwrap().args).unwrap();
        let profile = Profile::load(&out).unwrap();
        let _card = attach(&profile, profile.behaviour().clone());
        let key = AccessKey::from_mrz_text(MRZ).unwrap();
        let read =
            read_passport(connect(), key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
        assert!(read.access.starts_with("PACE"), "{}", read.access);
        assert!(read.files.contains_key("EF.DG14"));
        assert_eq!(read.access_control.security_infos.is_invalid(), invalid);
        // report.json carries the contradiction (the kiosk fails the document on it).
        let store = TrustStore::load(&[out.join("csca.der")]).unwrap();
        let report = enrol_kiosk::report::build_with(&read, &store);
        assert_eq!(report.passive_authentication.status, "valid");
        let expected = if invalid { "invalid" } else { "consistent" };
        let ac = &report.access_control;
        assert_eq!(ac.security_infos, expected, "{}", ac.security_infos_reason);
    }
}

/// Several PACEInfos in EF.CardAccess (the chip then refuses MSE:Set AT without DO'84'): the
/// terminal runs Chip Authentication Mapping when one is offered, else the first PACEInfo it
/// supports — past an Integrated Mapping on NIST P-224 listed first, which it does not run.
#[test]
fn a_chip_with_several_paceinfos_is_opened_with_the_one_the_terminal_rule_picks() {
    let tmp = tempfile::tempdir().unwrap();
    let face = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-face.jpg");
    let cases: [(&str, &[&str], &str, usize); 3] = [
        (
            "unsupported-first",
            &["--pace-parameter-id", "13", "--pace-extra", "im:10:AES-128", "--pace-extra-first"],
            "PACE-ECDH-GM-AES-128",
            2,
        ),
        (
            "cam-second",
            &["--pace-mapping", "cam", "--pace-extra", "gm:12:AES-128", "--pace-extra-first"],
            "PACE-ECDH-CAM-AES-128",
            2,
        ),
        (
            "three-curves",
            // Three ciphers tell which one ran: the first listed, P-256 with AES-128.
            &[
                "--pace-parameter-id",
                "16",
                "--pace-cipher",
                "AES-256",
                "--pace-extra",
                "gm:12:AES-128",
                "--pace-extra",
                "gm:15:AES-192",
                "--pace-extra-first",
            ],
            "PACE-ECDH-GM-AES-128",
            3,
        ),
    ];
    for (name, options, access, listed) in cases {
        let out = tmp.path().join(name);
        let mut argv: Vec<String> = vec!["make-profile".into(), "--mrz".into(), MRZ.into()];
        argv.extend(["--face".into(), face.display().to_string()]);
        argv.extend([
            "--out".into(),
            out.display().to_string(),
            "--pace".into(),
            "--no-bac".into(),
        ]);
        argv.extend(options.iter().map(|s| s.to_string()));
        run_make_profile(MakeProfile::try_parse_from(&argv).unwrap().args).unwrap();
        let profile = Profile::load(&out).unwrap();
        assert_eq!(profile.pace_infos().len(), listed, "{name}");
        let card_access =
            enrol_kiosk::lds::card_access::parse(profile.file("EF.CardAccess").unwrap()).unwrap();
        assert_eq!(card_access.pace_infos().count(), listed, "{name}");
        let _card = attach(&profile, profile.behaviour().clone());
        let key = AccessKey::from_mrz_text(MRZ).unwrap();
        let read = read_passport(connect(), key, &ReadOptions::default(), &mut |_, _, _| {})
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.access, access, "{name}");
        // DG14 lists every PACEInfo of EF.CardAccess: nothing looks stripped.
        assert!(!read.access_control.security_infos.is_invalid(), "{name}");
    }
}
