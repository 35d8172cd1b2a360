//! In-process tests of the whole reader (`reader::passport::read_passport`) against chips
//! with quirks of real documents: a read past a file's end answered without MAC, the eMRTD
//! application current at reset and SELECT of the master file refused.

use super::*;
use crate::iso7816::tlv;
use crate::mrz::AccessKey;
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};
use std::path::PathBuf;

fn jp2() -> Profile {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/profiles/jp2");
    Profile::load(&dir).unwrap()
}

fn key(p: &Profile) -> AccessKey {
    AccessKey::from_mrz_text(p.mrz_text()).unwrap()
}

const LDS: [&str; 4] = ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2"];

fn assert_complete(p: &Profile, r: &PassportRead) {
    for name in LDS {
        assert_eq!(r.files.get(name).map(|f| f.as_slice()), p.file(name), "{name}");
    }
}

/// Passes APDUs to the chip; a protected answer without MAC (DO'87' but no DO'8E') has a
/// byte of its cryptogram flipped on the way, so a reader using any of its bytes would read
/// a wrong file (or fail), and is counted.
struct Spy<'a> {
    chip: &'a mut Chip,
    bare: usize,
}

impl crate::card::CardChannel for Spy<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::card::CardError> {
        let mut resp = self.chip.transmit(command)?;
        let body = resp.get(..resp.len().saturating_sub(2)).unwrap_or_default();
        let mut r = tlv::Reader::new(body);
        let mut tags = Vec::new();
        while let Ok(t) = r.read() {
            tags.push(t.tag);
        }
        if tags.first() == Some(&0x87) && !tags.contains(&0x8E) {
            self.bare += 1;
            let n = resp.len();
            resp[n - 3] ^= 0x5A;
        }
        Ok(resp)
    }
}

/// APDUs a header-first read of `p`'s LDS files takes in chunks of `chunk`: the 4-byte
/// header, then the rest.
fn header_first_apdus(p: &Profile, chunk: usize) -> u64 {
    LDS.iter().map(|n| 1 + (p.file(n).unwrap().len() - 4).div_ceil(chunk) as u64).sum()
}

#[test]
fn a_chip_answering_overreads_without_mac_is_read_header_first_after_bac_again() {
    let p = jp2();
    let b = Behaviour { overread_6282_no_mac: true, ..Behaviour::default() };
    for no_extended_length in [false, true] {
        let mut chip = Chip::with_seed(&p, b.clone(), 5);
        let mut spy = Spy { chip: &mut chip, bare: 0 };
        let options = ReadOptions { no_extended_length, ..ReadOptions::default() };
        let r = read_passport(&mut spy, key(&p), &options, &mut |_, _, _| {}).unwrap();
        assert_complete(&p, &r);
        assert_eq!(r.access, "BAC");
        // One MAC-less answer (EF.COM's first chunk), none after: header-first never asks
        // past a file's end. Its bytes were altered in transit and the files are exact.
        assert_eq!(spy.bare, 1, "no_extended_length {no_extended_length}");
        // EF.CardAccess (absent: by SFI, SELECT MF, by file id), SELECT, BAC (2), the refused
        // first chunk, BAC again (2), then each file header-first.
        let chunk = if no_extended_length { 231 } else { 0xFF00 };
        assert_eq!(r.apdus, 9 + header_first_apdus(&p, chunk), "chunk {chunk}");
    }
    // The fast path stays for chips without the quirk: one READ BINARY per file.
    let r = read_passport(
        Chip::with_seed(&p, Behaviour::default(), 5),
        key(&p),
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(r.apdus, 6 + 4);
}

/// A PACE-only chip (brainpoolP256r1, AES-128, no BAC) with the demo's files.
fn pace_only() -> Profile {
    let demo = Profile::demo().unwrap();
    let names = LDS.iter().chain(&["EF.DG14"]);
    let files = names.map(|n| ((*n).to_owned(), demo.file(n).unwrap().to_vec())).collect();
    let pace = PaceSettings::new(13, "AES-128", false).unwrap();
    Profile::from_parts(demo.mrz_text(), files, Behaviour::default())
        .unwrap()
        .with_pace(Some(pace), None)
}

#[test]
fn a_chip_with_the_application_selected_at_reset_gets_its_card_access_read_whatever_select_mf_answers()
 {
    let p = pace_only();
    for sw in [None, Some(0x6982), Some(0x6A81), Some(0x6A86), Some(0x6A87), Some(0x6D00)] {
        let b = Behaviour {
            application_selected_at_reset: true,
            select_mf_sw: sw,
            ..Behaviour::default()
        };
        let r = read_passport(
            Chip::with_seed(&p, b, 9),
            key(&p),
            &ReadOptions::default(),
            &mut |_, _, _| {},
        )
        .unwrap_or_else(|e| panic!("SELECT MF answered {sw:04X?}: {e}"));
        assert_complete(&p, &r);
        assert_eq!(r.files.get("EF.CardAccess").map(|f| f.as_slice()), p.file("EF.CardAccess"));
        assert_eq!(r.access, "PACE-ECDH-GM-AES-128", "{sw:04X?}");
        // By SFI (not found in the application), SELECT MF, SELECT EF.CardAccess, READ;
        // then PACE (5), SELECT of the application and one READ per file (DG14 too).
        assert_eq!(r.apdus, 4 + 5 + 1 + 5, "{sw:04X?}");
    }
}

#[test]
fn a_bac_chip_refusing_select_mf_has_no_card_access_and_gets_bac() {
    let p = jp2();
    let b = Behaviour {
        application_selected_at_reset: true,
        select_mf_sw: Some(0x6A86),
        ..Behaviour::default()
    };
    let r = read_passport(
        Chip::with_seed(&p, b, 9),
        key(&p),
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_complete(&p, &r);
    assert_eq!(r.access, "BAC");
    assert!(!r.files.contains_key("EF.CardAccess"));
    assert!(!r.access_control.pace_offered);
}

#[test]
fn the_simulated_chip_refuses_le_on_a_select_without_response_data() {
    let mut chip = Chip::with_seed(&jp2(), Behaviour::default(), 1);
    let with_le = [0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01, 0x00];
    assert_eq!(chip.process(&with_le), [0x67, 0x00]);
    assert_eq!(chip.process(&with_le[..12]), [0x90, 0x00]);
}

/// READ BINARY commands for the LDS files of `p` (and DG14) in chunks of `chunk` bytes.
fn reads(p: &Profile, chunk: usize) -> u64 {
    LDS.iter().chain(&["EF.DG14"]).map(|n| p.file(n).unwrap().len().div_ceil(chunk) as u64).sum()
}

fn read_counted(p: &Profile, b: Behaviour) -> PassportRead {
    let r =
        read_passport(Chip::with_seed(p, b, 4), key(p), &ReadOptions::default(), &mut |_, _, _| {})
            .unwrap();
    assert_complete(p, &r);
    r
}

#[test]
fn a_short_length_chip_announcing_it_in_its_atr_costs_no_probe_and_no_second_pace() {
    let p = pace_only();
    let short = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    // Silent ATR: the extended first chunk is refused, PACE and SELECT run again (7 APDUs).
    let probed = read_counted(&p, short.clone());
    // CardAccess, PACE (5), SELECT, then 223-byte chunks (AES, short APDUs).
    let floor = 1 + 5 + 1 + reads(&p, 223);
    assert_eq!(probed.apdus, floor + 7);
    let told = read_counted(&p, Behaviour { atr_capabilities: true, ..short });
    assert_eq!(told.apdus, floor);
    assert_eq!(told.chunk_size, 223);
    // An extended-length chip announcing it: one READ per file, as before.
    let ext = read_counted(&p, Behaviour { atr_capabilities: true, ..Behaviour::default() });
    assert_eq!(ext.apdus, 1 + 5 + 1 + 5);
}

#[test]
fn ef_atr_info_gives_the_largest_response_up_front() {
    let p = pace_only();
    // EF.ATR/INFO: responses up to 1000 + 64 bytes → 1000-byte chunks, no probe.
    let b = Behaviour {
        atr_capabilities: true,
        ef_atr_info: true,
        max_le: Some(1000),
        ..Behaviour::default()
    };
    let r = read_counted(&p, b);
    assert_eq!(r.chunk_size, 1000);
    assert_eq!(r.apdus, 1 + 1 + 5 + 1 + reads(&p, 1000));
    // A short-length chip saying so in EF.ATR/INFO: short chunks at once.
    let b = Behaviour {
        atr_capabilities: true,
        ef_atr_info: true,
        extended_length: Some(false),
        ..Behaviour::default()
    };
    let r = read_counted(&p, b);
    assert_eq!(r.apdus, 1 + 1 + 5 + 1 + reads(&p, 223));
}

#[test]
fn a_chip_refusing_overreads_with_6b00_is_read_header_first_without_authenticating_again() {
    let p = jp2();
    let b = Behaviour { overread_sw: Some(0x6B00), ..Behaviour::default() };
    let r = read_counted(&p, b);
    assert_eq!(r.access, "BAC");
    // No CardAccess (3), SELECT, BAC (2), the refused first chunk (protected 6B00: the
    // session stays), then each file header-first with one READ for the rest.
    assert_eq!(r.apdus, 3 + 1 + 2 + 1 + header_first_apdus(&p, 0xFF00));
}
