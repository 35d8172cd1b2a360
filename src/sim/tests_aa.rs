//! In-process round trips of Active Authentication (ICAO 9303 Part 11 §6.1) through the whole
//! reader and the simulated chip, on profiles made by the profile maker: RSA (ISO/IEC 9796-2,
//! trailers BC and 34CC) and ECDSA (plain and DER), a chip signing the wrong challenge, a chip
//! refusing INTERNAL AUTHENTICATE, and PACE with ECDSA AA sharing DG14.

use super::aa::{AaCurve, ChipAaKey};
use super::make::{BehaviourToml, MakeOptions, make_profile};
use super::profile::CHIP_AA_FILE;
use super::*;
use crate::authentication::{Check, Method, Outcome};
use crate::lds::sod::HashAlgorithm;
use crate::mrz::AccessKey;
use crate::reader::access_control::SecurityInfosCheck;
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};

const MRZ: &str =
    "P<UTOSPECIMEN<<ALEX<SAMPLE<<<<<<<<<<<<<<<<<<\nD231458907UTO9003129F3104161<<<<<<<<<<<<<<04";

fn made(aa: Option<(ChipAaKey, Option<HashAlgorithm>)>, behaviour: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let options = MakeOptions {
        aa,
        behaviour: (!behaviour.is_empty()).then(|| BehaviourToml(behaviour.into())),
        ..MakeOptions::default()
    };
    make_profile(MRZ, face, dir.path(), &options).unwrap();
    dir
}

fn read(dir: &std::path::Path, options: &ReadOptions) -> PassportRead {
    let p = Profile::load(dir).unwrap();
    let b = p.behaviour().clone();
    let key = AccessKey::from_mrz_text(MRZ).unwrap();
    read_passport(Chip::with_seed(&p, b, 5), key, options, &mut |_, _, _| {}).unwrap()
}

fn only_aa(r: &PassportRead) -> &Check {
    match r.chip_checks.as_slice() {
        [c] if c.method == Method::ActiveAuthentication => c,
        other => panic!("expected one AA check, got {other:?}"),
    }
}

fn rsa1024() -> ChipAaKey {
    ChipAaKey::generate_rsa(1024).unwrap()
}

#[test]
fn rsa_profile_passes_with_the_sha1_trailer_and_dg15_is_signed() {
    let dir = made(Some((rsa1024(), None)), "");
    let r = read(dir.path(), &ReadOptions::default());
    let check = only_aa(&r);
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("RSA-1024") && check.detail.contains("trailer BC"));
    // DG15 is listed in EF.COM and hashed in EF.SOD.
    let dg15 = r.files.get("EF.DG15").unwrap();
    let sod = crate::lds::sod::parse(r.files.get("EF.SOD").unwrap()).unwrap();
    assert_eq!(sod.check(15, dg15), crate::lds::sod::HashCheck::Match);
    let com = crate::lds::com::parse(r.files.get("EF.COM").unwrap()).unwrap();
    assert!(com.data_groups.contains(&15));
    // The key file is the owner's alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(CHIP_AA_FILE)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let debug = format!("{:?}", Profile::load(dir.path()).unwrap());
    assert!(debug.contains("chip_aa_key: Some(\"REDACTED\")"), "{debug}");
}

#[test]
fn rsa_with_sha256_uses_the_34cc_trailer() {
    let dir = made(Some((rsa1024(), Some(HashAlgorithm::Sha256))), "");
    let text = std::fs::read_to_string(dir.path().join("profile.toml")).unwrap();
    assert!(text.contains("[aa]\nhash = \"SHA-256\""), "{text}");
    let check = only_aa(&read(dir.path(), &ReadOptions::default())).clone();
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("34CC"), "{}", check.detail);
}

#[test]
fn ecdsa_profiles_pass_plain_and_der_on_each_curve() {
    for curve in
        [AaCurve::NistP256, AaCurve::BrainpoolP256r1, AaCurve::NistP384, AaCurve::BrainpoolP384r1]
    {
        let dir = made(Some((ChipAaKey::generate_ec(curve), None)), "");
        let r = read(dir.path(), &ReadOptions::default());
        // DG14 names the signature algorithm; the terminal uses it.
        let dg14 = crate::lds::dg14::parse(r.files.get("EF.DG14").unwrap()).unwrap();
        assert_eq!(
            dg14.active_authentication().unwrap().signature_algorithm,
            "1.2.840.10045.4.3.2"
        );
        let check = only_aa(&r);
        assert_eq!(check.outcome, Outcome::Passed, "{curve:?}: {}", check.detail);
        assert!(check.detail.contains("SHA-256 (plain"), "{}", check.detail);
        let der = Profile::load(dir.path()).unwrap();
        let b = Behaviour { aa_ecdsa_der: true, ..Behaviour::default() };
        let key = AccessKey::from_mrz_text(MRZ).unwrap();
        let r = read_passport(
            Chip::with_seed(&der, b, 6),
            key,
            &ReadOptions::default(),
            &mut |_, _, _| {},
        )
        .unwrap();
        let check = only_aa(&r);
        assert_eq!(check.outcome, Outcome::Passed, "{curve:?} DER: {}", check.detail);
        assert!(check.detail.contains("DER"), "{}", check.detail);
    }
}

#[test]
fn a_chip_signing_another_challenge_fails() {
    for key in [rsa1024(), ChipAaKey::generate_ec(AaCurve::NistP256)] {
        let dir = made(Some((key, None)), "aa_wrong_challenge = true");
        let check = only_aa(&read(dir.path(), &ReadOptions::default())).clone();
        assert_eq!(check.outcome, Outcome::Failed, "{}", check.detail);
    }
}

#[test]
fn a_chip_with_dg15_refusing_internal_authenticate_fails() {
    let dir = made(Some((rsa1024(), None)), "");
    std::fs::remove_file(dir.path().join(CHIP_AA_FILE)).unwrap();
    let check = only_aa(&read(dir.path(), &ReadOptions::default())).clone();
    assert_eq!(check.outcome, Outcome::Failed);
    assert!(check.detail.contains("refused") && check.detail.contains("6D00"), "{}", check.detail);
}

#[test]
fn no_dg15_no_active_authentication() {
    let dir = made(None, "");
    let r = read(dir.path(), &ReadOptions::default());
    assert!(r.chip_checks.is_empty());
    assert!(!r.files.contains_key("EF.DG15"));
}

#[test]
fn pace_chip_with_ecdsa_aa_lists_both_in_dg14() {
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let options = MakeOptions {
        pace: Some(PaceSettings::new(13, "AES-128", true).unwrap()),
        aa: Some((ChipAaKey::generate_ec(AaCurve::BrainpoolP256r1), Some(HashAlgorithm::Sha384))),
        ..MakeOptions::default()
    };
    make_profile(MRZ, face, dir.path(), &options).unwrap();
    let r = read(dir.path(), &ReadOptions::default());
    assert!(r.access.starts_with("PACE"), "{}", r.access);
    assert_eq!(r.access_control.security_infos, SecurityInfosCheck::Consistent);
    let check = only_aa(&r);
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("SHA-384"), "{}", check.detail);
}

/// A chip recording the commands it was sent (as the terminal sent them).
struct Recording {
    chip: Chip,
    sent: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl crate::card::CardChannel for Recording {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::card::CardError> {
        self.sent.lock().unwrap().push(command.to_vec());
        self.chip.transmit(command)
    }
}

/// RSA-2048 signs 256 bytes, more than a short protected response carries: with extended
/// length the terminal asks with Le 0000 and gets it in one answer; a short-length chip
/// answers 61xx and the channel collects the rest with GET RESPONSE.
#[test]
fn rsa2048_with_and_without_extended_length() {
    let dir = made(Some((ChipAaKey::generate_rsa(2048).unwrap(), None)), "");
    let p = Profile::load(dir.path()).unwrap();
    for extended in [true, false] {
        let b = Behaviour { extended_length: Some(extended), ..Behaviour::default() };
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let card = Recording { chip: Chip::with_seed(&p, b, 7), sent: sent.clone() };
        let key = AccessKey::from_mrz_text(MRZ).unwrap();
        let r = read_passport(card, key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
        let check = only_aa(&r);
        assert_eq!(check.outcome, Outcome::Passed, "{extended}: {}", check.detail);
        let sent = sent.lock().unwrap();
        let at = sent.iter().position(|c| c.get(..2) == Some(&[0x0C, 0x88])).unwrap();
        let ia = &sent[at];
        let after: Vec<_> = sent[at + 1..].iter().map(|c| c.get(..2).unwrap().to_vec()).collect();
        if extended {
            // Extended Lc (00 00 xx) and Le 00 00 in DO'97' and outside.
            assert_eq!(ia[4], 0x00, "{}", hex::encode(ia));
            assert!(ia.ends_with(&[0x00, 0x00]));
            assert!(after.is_empty(), "{after:?}");
        } else {
            assert_eq!(*ia.last().unwrap(), 0x00);
            assert_eq!(after, [vec![0x00, 0xC0]], "one GET RESPONSE");
        }
    }
}

/// A broken MAC on the answer to INTERNAL AUTHENTICATE ends secure messaging: the check is
/// Failed (never Passed on unauthenticated bytes), and the read itself completes.
#[test]
fn a_bad_mac_on_the_aa_answer_fails_the_check() {
    let dir = made(Some((rsa1024(), None)), "");
    let p = Profile::load(dir.path()).unwrap();
    let key = || AccessKey::from_mrz_text(MRZ).unwrap();
    let clean = read_passport(
        Chip::with_seed(&p, Behaviour::default(), 8),
        key(),
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(only_aa(&clean).outcome, Outcome::Passed);
    // INTERNAL AUTHENTICATE is the last APDU of the read.
    let b = Behaviour { wrong_mac_at_apdu: Some(clean.apdus), ..Behaviour::default() };
    let r =
        read_passport(Chip::with_seed(&p, b, 8), key(), &ReadOptions::default(), &mut |_, _, _| {})
            .unwrap();
    let check = only_aa(&r);
    assert_eq!(check.outcome, Outcome::Failed, "{}", check.detail);
    assert!(check.detail.contains("secure messaging"), "{}", check.detail);
}
