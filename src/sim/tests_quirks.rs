//! In-process tests of the whole reader (`reader::passport::read_passport`) against chips
//! with quirks of real documents: a read past a file's end answered without MAC.

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
        // EF.CardAccess (absent), SELECT, BAC (2), the refused first chunk, BAC again (2),
        // then each file header-first.
        let chunk = if no_extended_length { 231 } else { 0xFF00 };
        assert_eq!(r.apdus, 7 + header_first_apdus(&p, chunk), "chunk {chunk}");
    }
    // The fast path stays for chips without the quirk: one READ BINARY per file.
    let r = read_passport(
        Chip::with_seed(&p, Behaviour::default(), 5),
        key(&p),
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(r.apdus, 4 + 4);
}
