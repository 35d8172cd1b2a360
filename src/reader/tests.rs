//! Unit tests of the READ BINARY engine against a small in-memory file card.

use super::*;
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

/// One EF behind a transport that checks lengths like a chip would.
struct FileCard {
    file: Vec<u8>,
    max_le: usize,
    exact_le_hint: bool,
    sent: Vec<CommandApdu>,
    selected: bool,
}

impl FileCard {
    fn new(file: Vec<u8>, max_le: usize) -> Self {
        Self { file, max_le, exact_le_hint: false, sent: Vec::new(), selected: false }
    }

    fn slice(&self, offset: usize, le: usize) -> ResponseApdu {
        if offset > self.file.len() {
            return ResponseApdu::status(StatusWord::WrongOffset);
        }
        let end = (offset + le).min(self.file.len());
        ResponseApdu::new(self.file[offset..end].to_vec(), StatusWord::Ok)
    }
}

impl Transport for FileCard {
    fn send(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        self.sent.push(cmd.clone());
        let le = cmd.le.unwrap_or(0);
        if le > self.max_le {
            return Ok(ResponseApdu::status(if self.exact_le_hint {
                StatusWord::ExactLength(self.max_le as u8)
            } else {
                StatusWord::WrongLength
            }));
        }
        Ok(match (cmd.ins, cmd.p1) {
            (0xA4, _) => {
                self.selected = true;
                ResponseApdu::status(StatusWord::Ok)
            }
            (0xB0, p1) if p1 & 0x80 != 0 => {
                self.selected = true;
                self.slice(usize::from(cmd.p2), le)
            }
            (0xB0, p1) => {
                assert!(self.selected, "B0 before the file was selected");
                self.slice(usize::from(p1) << 8 | usize::from(cmd.p2), le)
            }
            (0xB1, _) => {
                let mut r = tlv::Reader::new(&cmd.data);
                let t = r.expect(0x54).unwrap();
                let offset = t.value.iter().fold(0usize, |a, &b| a << 8 | usize::from(b));
                let inner = self.slice(offset, le - 4);
                ResponseApdu::new(tlv::tlv(0x53, &inner.data), inner.sw)
            }
            _ => ResponseApdu::status(StatusWord::InsNotSupported),
        })
    }

    fn is_secure(&self) -> bool {
        false
    }

    fn recover(&mut self) -> Result<(), ReadError> {
        Ok(())
    }
}

fn dg2_like(len: usize) -> Vec<u8> {
    let body: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    tlv::tlv(0x75, &body)
}

fn id() -> FileId {
    FileId { name: "EF.DG2".into(), sfi: Some(2), fid: 0x0102 }
}

#[test]
fn reads_a_small_file_in_one_apdu() {
    let file = dg2_like(100);
    let mut r = EfReader::new(FileCard::new(file.clone(), 65_536), ChunkPolicy::new(true, 231));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    assert_eq!(r.transport.sent.len(), 1);
}

#[test]
fn steps_down_to_what_the_chip_takes_and_keeps_it() {
    let file = dg2_like(15_000);
    let mut r = EfReader::new(FileCard::new(file.clone(), 192), ChunkPolicy::new(true, 231));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    assert_eq!(r.policy.size(), 192);
    let refused = r.transport.sent.iter().filter(|c| c.le.unwrap_or(0) > 192).count();
    let reads = file.len().div_ceil(192);
    // 65280 and 231 refused; then ⌈len/192⌉ reads.
    assert_eq!(refused, 2);
    assert_eq!(r.transport.sent.len(), refused + reads);
}

#[test]
fn exact_length_hint_is_followed() {
    let file = dg2_like(2_000);
    let mut card = FileCard::new(file.clone(), 200);
    card.exact_le_hint = true;
    let mut r = EfReader::new(card, ChunkPolicy::new(false, 231));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    assert_eq!(r.policy.size(), 200);
    assert_eq!(r.transport.sent.len(), 1 + file.len().div_ceil(200));
}

#[test]
fn offsets_beyond_32k_use_odd_ins() {
    let file = dg2_like(40_000);
    let mut r = EfReader::new(FileCard::new(file.clone(), 256), ChunkPolicy::new(false, 256));
    let mut last = 0;
    assert_eq!(r.read(&id(), &mut |_, done, _| last = done).unwrap(), file);
    assert_eq!(last, file.len());
    assert!(r.transport.sent.iter().any(|c| c.ins == 0xB1));
}

#[test]
fn a_4gb_declaration_is_refused_before_allocating() {
    let mut evil = vec![0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF];
    evil.extend(std::iter::repeat_n(0xAA, 500));
    let mut r = EfReader::new(FileCard::new(evil, 65_536), ChunkPolicy::new(true, 231));
    match r.read(&id(), &mut |_, _, _| {}) {
        Err(ReadError::TooLarge { declared, .. }) => assert_eq!(declared, 0xFFFF_FFFF),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn fixed_chunks_never_change() {
    let file = dg2_like(5_000);
    let mut r = EfReader::new(FileCard::new(file.clone(), 65_536), ChunkPolicy::fixed(223));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    assert_eq!(r.transport.sent.len(), file.len().div_ceil(223));
}

#[test]
fn cancel_stops_between_apdus() {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut r = EfReader::new(FileCard::new(dg2_like(10), 256), ChunkPolicy::new(false, 256))
        .with_cancel(flag);
    assert!(matches!(r.read(&id(), &mut |_, _, _| {}), Err(ReadError::Cancelled)));
}
