//! Unit tests of the READ BINARY engine against a small in-memory file card.

use super::*;
use crate::iso7816::tlv;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};

/// One EF behind a transport that checks lengths like a chip would.
struct FileCard {
    file: Vec<u8>,
    max_le: usize,
    exact_le_hint: bool,
    /// Answer 6700 to any read asking past the end of the file (as IAS-style chips do).
    strict_end: bool,
    sent: Vec<CommandApdu>,
    selected: bool,
    /// Answer at most this many bytes per READ BINARY (a chip dribbling its data).
    dribble: Option<usize>,
}

impl FileCard {
    fn new(file: Vec<u8>, max_le: usize) -> Self {
        Self {
            file,
            max_le,
            exact_le_hint: false,
            strict_end: false,
            sent: Vec::new(),
            selected: false,
            dribble: None,
        }
    }

    fn slice(&self, offset: usize, le: usize) -> ResponseApdu {
        if offset > self.file.len() {
            return ResponseApdu::status(StatusWord::WrongOffset);
        }
        if self.strict_end && offset + le > self.file.len() {
            return ResponseApdu::status(StatusWord::WrongLength);
        }
        let le = le.min(self.dribble.unwrap_or(usize::MAX));
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

#[test]
fn a_chip_refusing_reads_past_the_end_is_read_header_first_from_then_on() {
    // 20-byte files: every step of the first chunk (65 280 … 32) asks past the end.
    let small = dg2_like(18);
    let mut card = FileCard::new(small.clone(), 65_536);
    card.strict_end = true;
    let mut r = EfReader::new(card, ChunkPolicy::new(true, 231));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), small);
    assert!(r.is_header_first());
    // Eight refused sizes, then the 4-byte header and exactly the 16 bytes left.
    let les: Vec<usize> = r.transport.sent.iter().map(|c| c.le.unwrap_or(0)).collect();
    assert_eq!(les, [0xFF00, 231, 192, 160, 128, 96, 64, 32, 4, 16]);
    // The next file goes header-first at once: no refused APDU.
    r.transport.sent.clear();
    r.transport.file = dg2_like(300);
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), dg2_like(300));
    let les: Vec<usize> = r.transport.sent.iter().map(|c| c.le.unwrap_or(0)).collect();
    assert_eq!(les, [4, 300]);
}

#[test]
fn a_long_header_is_completed_with_exact_reads() {
    // Tag 7F 61 with a three-byte length (7F 61 83 00 01 00): the 4-byte probe lacks two.
    let mut file = vec![0x7F, 0x61, 0x83, 0x00, 0x01, 0x00];
    file.extend((0..256).map(|i| i as u8));
    let mut card = FileCard::new(file.clone(), 65_536);
    card.strict_end = true;
    let mut r = EfReader::new(card, ChunkPolicy::new(false, 256)).header_first();
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    let les: Vec<usize> = r.transport.sent.iter().map(|c| c.le.unwrap_or(0)).collect();
    assert_eq!(les, [4, 2, 256]);
}

#[test]
fn a_file_shorter_than_the_header_probe_is_an_error_not_a_loop() {
    let mut card = FileCard::new(vec![0x60, 0x01, 0x00], 65_536);
    card.strict_end = true;
    let mut r = EfReader::new(card, ChunkPolicy::new(false, 256)).header_first();
    assert!(matches!(r.read(&id(), &mut |_, _, _| {}), Err(ReadError::Status { .. })));
    assert_eq!(r.transport.sent.len(), 1);
}

/// An EF.SOD-like file with indefinite lengths as some issuers write it: 77 80, ContentInfo
/// 30 80, an OID, [0] A0 80, SignedData 30 80 holding a `body`-byte OCTET STRING, then the
/// four end-of-contents octets pairs.
fn sod_indefinite(body: usize) -> Vec<u8> {
    let mut file = vec![0x77, 0x80, 0x30, 0x80, 0x06, 0x03, 0x2A, 0x86, 0x48, 0xA0, 0x80];
    file.extend([0x30, 0x80, 0x02, 0x01, 0x03]);
    file.extend(tlv::tlv(0x04, &(0..body).map(|i| (i * 13 % 251) as u8).collect::<Vec<_>>()));
    file.extend([0; 8]);
    file
}

#[test]
fn an_indefinite_length_file_is_read_to_its_end_of_contents() {
    let file = sod_indefinite(2_600);
    // The card's file goes on past the object (padding): none of it is taken.
    let mut padded = file.clone();
    padded.extend([0xFF; 40]);
    let mut r = EfReader::new(FileCard::new(padded, 65_536), ChunkPolicy::new(false, 231));
    let mut last = (0, 0);
    assert_eq!(r.read(&id(), &mut |_, done, total| last = (done, total)).unwrap(), file);
    assert_eq!(last, (file.len(), file.len()));
    // Whole chunks, as for a file of known length: ⌈len / 231⌉ READ BINARY.
    assert_eq!(r.transport.sent.len(), file.len().div_ceil(231));
    // In one extended-length APDU too.
    let mut r = EfReader::new(FileCard::new(file.clone(), 65_536), ChunkPolicy::new(true, 231));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    assert_eq!(r.transport.sent.len(), 1);
}

#[test]
fn header_first_reads_of_an_indefinite_file_never_ask_past_its_end() {
    let file = sod_indefinite(600);
    let mut card = FileCard::new(file.clone(), 65_536);
    card.strict_end = true;
    let mut r = EfReader::new(card, ChunkPolicy::new(false, 231)).header_first();
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    // Every answer was 9000 (a strict chip answers 6700 past the end).
    let les: Vec<usize> = r.transport.sent.iter().map(|c| c.le.unwrap_or(0)).collect();
    let asked: usize = les.iter().sum();
    assert_eq!(asked, file.len(), "{les:?}");
}

#[test]
fn a_fast_path_chunk_refused_past_an_indefinite_end_goes_on_with_exact_reads() {
    let file = sod_indefinite(1_000);
    let mut card = FileCard::new(file.clone(), 65_536);
    card.strict_end = true;
    let mut r = EfReader::new(card, ChunkPolicy::new(false, 231));
    assert_eq!(r.read(&id(), &mut |_, _, _| {}).unwrap(), file);
    assert!(r.is_header_first());
    // Four whole chunks, one refused (6700) past the end, then exact reads to the end.
    let les: Vec<usize> = r.transport.sent.iter().map(|c| c.le.unwrap_or(0)).collect();
    assert_eq!(&les[..5], &[231; 5], "{les:?}");
    assert_eq!(les[5..].iter().sum::<usize>(), file.len() - 4 * 231, "{les:?}");
}

#[test]
fn an_indefinite_file_that_never_ends_stops_at_the_size_bound() {
    // Element after element, no end-of-contents, 1 MiB and more of it.
    let mut file = vec![0x77, 0x80];
    while file.len() <= MAX_EF_SIZE + 4_096 {
        file.extend(tlv::tlv(0x04, &[0xAB; 1_000]));
    }
    let mut r = EfReader::new(FileCard::new(file, 65_536), ChunkPolicy::new(true, 231));
    let err = r.read(&id(), &mut |_, _, _| {}).unwrap_err();
    assert!(
        matches!(&err, ReadError::Framing { source: indefinite::FramingError::NoEnd { .. }, .. }),
        "{err:?}"
    );
    // No more than the bound was asked for.
    let asked: usize = r.transport.sent.iter().map(|c| c.le.unwrap_or(0)).sum();
    assert!(asked <= MAX_EF_SIZE + 65_280, "{asked}");
}

#[test]
fn an_end_of_contents_beyond_the_bound_is_refused_at_once() {
    // The SignedData declares 4 GiB inside the indefinite outer element.
    let mut file = vec![0x77, 0x80, 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xF0];
    file.extend([0xAA; 300]);
    let mut r = EfReader::new(FileCard::new(file, 65_536), ChunkPolicy::new(false, 231));
    let err = r.read(&id(), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(err, ReadError::Framing { .. }), "{err:?}");
    assert_eq!(r.transport.sent.len(), 1);
}

#[test]
fn nested_indefinite_lengths_too_deep_or_malformed_are_typed_errors() {
    let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 40).flatten().collect();
    let primitive = [0x77, 0x80, 0x04, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00].to_vec();
    for file in [deep, primitive] {
        let mut r = EfReader::new(FileCard::new(file, 65_536), ChunkPolicy::new(false, 231));
        let err = r.read(&id(), &mut |_, _, _| {}).unwrap_err();
        assert!(matches!(err, ReadError::Framing { .. }), "{err:?}");
    }
}

#[test]
fn a_chip_dribbling_an_indefinite_file_is_cut_off() {
    let file = sod_indefinite(3_000);
    let mut card = FileCard::new(file, 65_536);
    card.dribble = Some(2);
    let mut r = EfReader::new(card, ChunkPolicy::new(false, 231));
    let err = r.read(&id(), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(err, ReadError::TooManyApdus { .. }), "{err:?}");
    assert!(r.transport.sent.len() < 3_000 / 2, "{}", r.transport.sent.len());
}
