//! Ring 2: the simulated passport chip read through the real PC/SC stack (pcscd + vpcd).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{attach, connect, data};
use enrol_kiosk::access::AccessError;
use enrol_kiosk::mrz::AccessKey;
use enrol_kiosk::reader::ReadError;
use enrol_kiosk::reader::passport::{PassportRead, ReadOptions, read_passport};
use enrol_kiosk::report;
use enrol_kiosk::sim::{Behaviour, Profile};
use enrol_kiosk::sm::SmError;
use std::time::Duration;

fn key(profile: &Profile) -> AccessKey {
    AccessKey::from_mrz_text(profile.mrz_text()).unwrap()
}

fn read(profile: &Profile, options: &ReadOptions) -> Result<PassportRead, ReadError> {
    read_passport(connect(), key(profile), options, &mut |_, _, _| {})
}

/// Every EF read equals the profile's file, byte for byte.
fn assert_complete(profile: &Profile, read: &PassportRead) {
    for name in ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2"] {
        let expected = profile.file(name).unwrap();
        let got = read.files.get(name).unwrap_or_else(|| panic!("{name} not read"));
        assert_eq!(got.as_slice(), expected, "{name} differs");
    }
}

#[test]
fn reads_the_demo_passport_with_a_jpeg_face() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let read = read(&profile, &ReadOptions::default()).unwrap();
    assert_complete(&profile, &read);
    let report = report::build(&read);
    // The demo chip offers PACE (brainpoolP256r1, AES-128); the MRZ is its password.
    assert_eq!(report.access, "PACE-ECDH-GM-AES-128");
    assert_eq!(report.face.as_ref().unwrap().format, "jpg");
    assert_eq!(report.passive_authentication.data_groups["EF.DG2"], "match");
    assert_eq!(report.passive_authentication.data_groups["EF.DG14"], "match");
    assert_eq!(report.passive_authentication.status, "unverified");
    assert_eq!(report.access_control.security_infos, "consistent");
    // CardAccess, MSE:Set AT + 4 GENERAL AUTHENTICATE, SELECT under SM, one READ per EF
    // (EF.COM, EF.SOD, DG1, DG2 and DG14).
    assert_eq!(read.apdus, 12, "extended length should read each EF in one APDU");

    // The same chip read with BAC on purpose: the report says so, and DG14 (which lists
    // the PACE the chip offers) makes the read invalid.
    let options = ReadOptions { force_bac: true, ..ReadOptions::default() };
    let bac = report::build(
        &read_passport(connect(), key(&profile), &options, &mut |_, _, _| {}).unwrap(),
    );
    assert_eq!(bac.access, "BAC");
    assert_eq!(
        bac.access_control.note.as_deref(),
        Some("PACE offered, BAC used: BAC was asked for")
    );
    assert_eq!(bac.access_control.security_infos, "invalid");
}

#[test]
fn reads_a_jpeg2000_face() {
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    let _card = attach(&profile, Behaviour::default());
    let read = read(&profile, &ReadOptions::default()).unwrap();
    assert_complete(&profile, &read);
    let report = report::build(&read);
    let face = report.face.unwrap();
    assert_eq!(face.format, "jp2");
    assert!(face.width > 0 && face.height > 0);
    let (name, bytes) = report::face_file(&read).unwrap();
    assert_eq!(name, "face.jp2");
    assert_eq!(&bytes[..12], &[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]);
}

#[test]
fn a_wrong_mrz_is_named_access_denied() {
    let profile = Profile::demo().unwrap();
    let _card = attach(&profile, Behaviour::default());
    let wrong = AccessKey::from_parts("L898902C", "690806", "940623").unwrap();
    let err =
        read_passport(connect(), &wrong, &ReadOptions::default(), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::Denied)), "got {err:?}");
}

#[test]
fn removal_in_the_middle_of_dg2_is_typed_and_a_retry_succeeds() {
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    // Le <= 192 makes DG2 take many APDUs; the card leaves at the 30th.
    let behaviour = Behaviour {
        extended_length: Some(false),
        max_le: Some(192),
        remove_after_apdu: Some(30),
        ..Behaviour::default()
    };
    let card = attach(&profile, behaviour);
    let mut seen = String::new();
    let err = read_passport(connect(), key(&profile), &ReadOptions::default(), &mut |f, _, _| {
        seen = f.to_owned()
    })
    .unwrap_err();
    assert!(err.is_card_gone(), "expected a removed card, got {err:?}");
    assert_eq!(seen, "EF.DG2", "the card should leave while DG2 is read");
    // The simulated card comes back; the same read now succeeds.
    assert!(common::wait_card(true, Duration::from_secs(10)));
    let read = read(&profile, &ReadOptions::default()).unwrap();
    assert_complete(&profile, &read);
    drop(card);
}

#[test]
fn a_wrong_mac_from_the_chip_is_rejected() {
    let profile = Profile::demo().unwrap();
    // APDU 7 is the first under secure messaging after PACE (SELECT of the application).
    let behaviour = Behaviour { wrong_mac_at_apdu: Some(7), ..Behaviour::default() };
    let card = attach(&profile, behaviour);
    let err = read(&profile, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::Sm(SmError::MacMismatch)), "got {err:?}");
    drop(card);
    // APDU 6 is the last GENERAL AUTHENTICATE: a corrupted chip token T_IC means the chip
    // did not prove the password.
    let behaviour = Behaviour { wrong_mac_at_apdu: Some(6), ..Behaviour::default() };
    let _card = attach(&profile, behaviour);
    let err = read(&profile, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::Denied)), "got {err:?}");
}

#[test]
fn a_chip_declaring_4_gb_is_rejected_with_bounded_memory() {
    let profile = Profile::demo().unwrap();
    let behaviour = Behaviour { evil_file: Some("EF.DG2".into()), ..Behaviour::default() };
    let _card = attach(&profile, behaviour);
    let before = common::peak_rss_kib();
    let err = read(&profile, &ReadOptions::default()).unwrap_err();
    match err {
        ReadError::TooLarge { ref file, declared, .. } => {
            assert_eq!(file, "EF.DG2");
            assert_eq!(declared, 0xFFFF_FFFF);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let grown = common::peak_rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "peak memory grew by {grown} KiB");
}

#[test]
fn a_chip_without_extended_length_is_read_completely() {
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    let behaviour = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let _card = attach(&profile, behaviour);
    let read = read(&profile, &ReadOptions::default()).unwrap();
    assert_complete(&profile, &read);
    assert!(read.chunk_size <= 256);
}

#[test]
fn a_chip_limited_to_le_192_is_read_completely() {
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    let behaviour =
        Behaviour { extended_length: Some(false), max_le: Some(192), ..Behaviour::default() };
    let _card = attach(&profile, behaviour);
    let read = read(&profile, &ReadOptions::default()).unwrap();
    assert_complete(&profile, &read);
    assert_eq!(read.chunk_size, 192);
    let bytes: usize = read.files.values().map(|f| f.len()).sum();
    let floor = read.files.values().map(|f| f.len().div_ceil(192) as u64).sum::<u64>() + 4;
    assert!(read.apdus as f64 <= 1.1 * floor as f64, "{} APDUs for {bytes} bytes", read.apdus);
}

#[test]
fn a_dg2_over_32_kb_is_read_completely() {
    let profile = Profile::load(&data("profiles/big")).unwrap();
    assert!(profile.file("EF.DG2").unwrap().len() > 32 * 1024);
    for extended in [true, false] {
        let behaviour = Behaviour { extended_length: Some(extended), ..Behaviour::default() };
        let _card = attach(&profile, behaviour);
        let read = read(&profile, &ReadOptions::default()).unwrap();
        assert_complete(&profile, &read);
    }
}

#[test]
fn tolerates_chips_that_omit_do99_and_answer_6282() {
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    let behaviour = Behaviour { omit_do99: true, eof_6282: true, ..Behaviour::default() };
    let _card = attach(&profile, behaviour);
    let read = read(&profile, &ReadOptions::default()).unwrap();
    assert_complete(&profile, &read);
}

#[test]
fn a_chip_answering_overreads_without_mac_is_read_header_first() {
    // An emulated BAC 3DES passport answers a READ BINARY past a file's end with 6282 and an
    // encrypted DO'87' but no MAC: the reader authenticates again and reads header-first.
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    let behaviour = Behaviour { overread_6282_no_mac: true, ..Behaviour::default() };
    for no_extended_length in [false, true] {
        let _card = attach(&profile, behaviour.clone());
        let options = ReadOptions { no_extended_length, ..ReadOptions::default() };
        let read = read(&profile, &options).unwrap();
        assert_complete(&profile, &read);
        assert_eq!(read.access, "BAC");
        // No CardAccess (by SFI, SELECT MF, by file id), SELECT, BAC (2), the refused chunk,
        // BAC again (2), then per file the 4-byte header and the rest in chunks of 65 280
        // (one) or 231 bytes.
        let chunk = if no_extended_length { 231 } else { 0xFF00 };
        let files: usize = ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2"]
            .iter()
            .map(|n| 1 + (profile.file(n).unwrap().len() - 4).div_ceil(chunk))
            .sum();
        let expected = 9 + files;
        assert!(no_extended_length || expected == 17);
        assert_eq!(read.apdus as usize, expected, "no_extended_length {no_extended_length}");
    }
}

#[test]
fn a_short_length_chip_announcing_it_in_its_atr_is_read_without_a_probe() {
    // pcscd hands the simulated chip's ATR (card capabilities: no extended Lc/Le) to the
    // reader, which then never sends an extended READ BINARY nor runs PACE twice.
    let profile = Profile::demo().unwrap();
    let short = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let mut counts = Vec::new();
    for atr_capabilities in [false, true] {
        let _card = attach(&profile, Behaviour { atr_capabilities, ..short.clone() });
        let read = read(&profile, &ReadOptions::default()).unwrap();
        assert_complete(&profile, &read);
        assert_eq!(read.access, "PACE-ECDH-GM-AES-128");
        counts.push(read.apdus);
    }
    // CardAccess, PACE (5), SELECT, then 223-byte chunks; the silent ATR adds a refused
    // extended read, PACE again and SELECT again.
    let reads: u64 = ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2", "EF.DG14"]
        .iter()
        .map(|n| profile.file(n).unwrap().len().div_ceil(223) as u64)
        .sum();
    assert_eq!(counts, [7 + reads + 7, 7 + reads]);
}
