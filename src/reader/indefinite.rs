//! BER indefinite-length form (ISO/IEC 8825-1 §8.1.3.6): where a file whose outer element
//! has the length octet 80 ends — at the end-of-contents octets (00 00) that close it — found
//! incrementally over the bytes read so far, bounded in file size and in nesting. Only the
//! indefinite-length elements are entered; a definite-length element is stepped over by its
//! declared length without its bytes.

/// Most indefinite-length elements open at once (the outer one included). Real EF.SODs nest
/// five (77, ContentInfo, [0], SignedData, encapContentInfo …); anything deeper is refused.
pub const MAX_NESTING: usize = 16;

/// Why an indefinite-length file cannot be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("an indefinite length on a primitive element at offset {at}")]
    PrimitiveIndefinite { at: usize },
    #[error("indefinite lengths nested more than {max} deep at offset {at}")]
    TooDeep { at: usize, max: usize },
    #[error("a malformed tag or length at offset {at}")]
    BadHeader { at: usize },
    #[error("end-of-contents octets that are not 00 00 at offset {at}")]
    BadEndOfContents { at: usize },
    #[error("no end-of-contents octets within the {cap}-byte limit")]
    NoEnd { cap: usize },
}

/// What the bytes read so far show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// The file is complete: its length, end-of-contents octets included.
    Complete(usize),
    /// More is needed: the file has at least this many bytes (never more than the cap).
    Need(usize),
}

/// True when `prefix` starts with a constructed element of indefinite length (`77 80`,
/// `7F 61 80`, …).
pub fn starts_indefinite(prefix: &[u8]) -> bool {
    matches!(header(prefix), Ok(Header::Complete { constructed: true, len: None, .. }))
}

/// The scanner's place in the file; call [`Framing::advance`] with the bytes read so far each
/// time more arrive.
#[derive(Debug, Clone)]
pub struct Framing {
    /// Offset of the next element header (or end-of-contents) to look at.
    pos: usize,
    /// Indefinite-length elements opened and not yet closed.
    open: usize,
    /// The largest file accepted.
    cap: usize,
}

impl Framing {
    /// A scanner for a file of at most `cap` bytes; the file's first element is checked by
    /// the first [`Framing::advance`].
    pub fn new(cap: usize) -> Framing {
        Framing { pos: 0, open: 0, cap }
    }

    /// Scans on through `bytes` (the file from offset 0, as read so far).
    pub fn advance(&mut self, bytes: &[u8]) -> Result<Frame, FramingError> {
        loop {
            if self.pos > 0 && self.open == 0 {
                return Ok(Frame::Complete(self.pos));
            }
            // The smallest thing that can follow (an end-of-contents, a header) is 2 bytes.
            let least = self.pos.checked_add(2).filter(|&n| n <= self.cap);
            let least = least.ok_or(FramingError::NoEnd { cap: self.cap })?;
            let rest = bytes.get(self.pos..).unwrap_or_default();
            let at = self.pos;
            match header(rest).map_err(|()| FramingError::BadHeader { at })? {
                Header::Partial { needed } => {
                    let need = at.saturating_add(needed).max(least);
                    if need > self.cap {
                        return Err(FramingError::NoEnd { cap: self.cap });
                    }
                    return Ok(Frame::Need(need));
                }
                Header::Complete { tag_zero: true, header_len, len, .. } => {
                    if len != Some(0) || header_len != 2 || self.open == 0 {
                        return Err(FramingError::BadEndOfContents { at });
                    }
                    self.open -= 1;
                    self.pos = least;
                }
                Header::Complete { constructed, header_len, len: None, .. } => {
                    if !constructed {
                        return Err(FramingError::PrimitiveIndefinite { at });
                    }
                    if self.open >= MAX_NESTING {
                        return Err(FramingError::TooDeep { at, max: MAX_NESTING });
                    }
                    self.open += 1;
                    self.pos = at + header_len;
                }
                Header::Complete { header_len, len: Some(len), .. } => {
                    if self.open == 0 {
                        // The outer element must be the indefinite one.
                        return Err(FramingError::BadHeader { at });
                    }
                    let end = at.checked_add(header_len).and_then(|n| n.checked_add(len));
                    // Its end-of-contents would still follow: the file is longer than `end`.
                    match end.filter(|&e| e.saturating_add(2) <= self.cap) {
                        Some(e) => self.pos = e,
                        None => return Err(FramingError::NoEnd { cap: self.cap }),
                    }
                }
            }
        }
    }
}

/// One BER header as far as the bytes show it.
enum Header {
    /// `needed` bytes (from the header's start) are needed to see the whole header.
    Partial { needed: usize },
    Complete {
        /// The tag is the single byte 00 (end-of-contents when the length is 0).
        tag_zero: bool,
        constructed: bool,
        header_len: usize,
        /// `None`: indefinite.
        len: Option<usize>,
    },
}

/// Parses a BER header: a tag of at most three bytes, a length in short form, in long form
/// with one to four bytes, or indefinite (80). `Err` for other lengths and longer tags.
fn header(bytes: &[u8]) -> Result<Header, ()> {
    let partial = |needed: usize| Ok(Header::Partial { needed });
    let Some(&first) = bytes.first() else { return partial(2) };
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let Some(&b) = bytes.get(i) else { return partial(i + 2) };
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 3 {
                return Err(());
            }
        }
    }
    let Some(&l0) = bytes.get(i) else { return partial(i + 1) };
    i += 1;
    let len = match l0 {
        0x00..=0x7F => Some(usize::from(l0)),
        0x80 => None,
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7F);
            let Some(octets) = bytes.get(i..i + n) else { return partial(i + n) };
            i += n;
            Some(octets.iter().fold(0usize, |v, &b| (v << 8) | usize::from(b)))
        }
        _ => return Err(()),
    };
    Ok(Header::Complete {
        tag_zero: first == 0,
        constructed: first & 0x20 != 0,
        header_len: i,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(bytes: &[u8], cap: usize) -> Result<Frame, FramingError> {
        Framing::new(cap).advance(bytes)
    }

    #[test]
    fn a_flat_indefinite_file_ends_at_its_end_of_contents() {
        // 77 80 | 04 03 01 02 03 | 00 00, then bytes past the end that are not the file's.
        let file = [0x77, 0x80, 0x04, 0x03, 1, 2, 3, 0x00, 0x00, 0xAA, 0xBB];
        assert_eq!(frame(&file, 1 << 20), Ok(Frame::Complete(9)));
        assert!(starts_indefinite(&file));
        assert!(!starts_indefinite(&[0x77, 0x82, 0x01, 0x00]));
        assert!(!starts_indefinite(&[0x04, 0x80]), "primitive");
    }

    #[test]
    fn nested_indefinite_lengths_close_in_order() {
        // 77 80 30 80 A0 80 02 01 05 00 00 00 00 31 81 01 FF 00 00
        let file = [
            0x77, 0x80, 0x30, 0x80, 0xA0, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x31,
            0x81, 0x01, 0xFF, 0x00, 0x00,
        ];
        assert_eq!(frame(&file, 1 << 20), Ok(Frame::Complete(file.len())));
        // Every proper prefix asks for more, never for more than the file holds.
        let mut f = Framing::new(1 << 20);
        for n in 0..file.len() {
            match f.advance(&file[..n]) {
                Ok(Frame::Need(k)) => assert!(k > n && k <= file.len(), "prefix {n}: need {k}"),
                other => panic!("prefix {n}: {other:?}"),
            }
        }
        assert_eq!(f.advance(&file), Ok(Frame::Complete(file.len())));
    }

    #[test]
    fn a_definite_element_is_stepped_over_without_its_bytes() {
        // 77 80 04 82 10 00 <4096 bytes> 00 00: after 6 bytes the scanner knows the next
        // thing starts at 4102.
        let mut f = Framing::new(1 << 20);
        assert_eq!(f.advance(&[0x77, 0x80, 0x04, 0x82, 0x10, 0x00]), Ok(Frame::Need(4104)));
    }

    #[test]
    fn a_file_without_end_of_contents_is_an_error_at_the_cap_not_a_loop() {
        // Elements follow elements and the end never comes: at the cap it is refused.
        let mut file = vec![0x77, 0x80];
        while file.len() < 4096 {
            file.extend([0x04, 0x02, 0xAB, 0xCD]);
        }
        assert_eq!(frame(&file, 4096), Err(FramingError::NoEnd { cap: 4096 }));
        // Within a larger cap it just needs more.
        assert!(matches!(frame(&file, 1 << 20), Ok(Frame::Need(n)) if n > file.len()));
    }

    #[test]
    fn end_of_contents_or_a_length_beyond_the_cap_is_refused() {
        // The inner element declares 2 000 bytes: its end (and the outer EOC) pass a 1 KiB cap.
        let file = [0x77, 0x80, 0x04, 0x82, 0x07, 0xD0, 0x00];
        assert_eq!(frame(&file, 1024), Err(FramingError::NoEnd { cap: 1024 }));
        // A four-byte length near usize::MAX does not overflow.
        let huge = [0x77, 0x80, 0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(frame(&huge, 1 << 20), Err(FramingError::NoEnd { cap: 1 << 20 }));
    }

    #[test]
    fn hostile_framings_are_typed_errors() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], MAX_NESTING + 1).flatten().collect();
        assert!(matches!(frame(&deep, 1 << 20), Err(FramingError::TooDeep { .. })));
        let primitive = [0x77, 0x80, 0x04, 0x80, 0x00, 0x00];
        assert_eq!(frame(&primitive, 1 << 20), Err(FramingError::PrimitiveIndefinite { at: 2 }));
        let bad_eoc = [0x77, 0x80, 0x00, 0x01, 0xFF];
        assert_eq!(frame(&bad_eoc, 1 << 20), Err(FramingError::BadEndOfContents { at: 2 }));
        let bad_len = [0x77, 0x80, 0x04, 0x85, 0, 0, 0, 0, 1];
        assert_eq!(frame(&bad_len, 1 << 20), Err(FramingError::BadHeader { at: 2 }));
        let long_tag = [0x77, 0x80, 0x1F, 0x81, 0x81, 0x01, 0x00];
        assert_eq!(frame(&long_tag, 1 << 20), Err(FramingError::BadHeader { at: 2 }));
        // A definite outer element is not this scanner's business.
        assert_eq!(frame(&[0x77, 0x02, 0x00, 0x00], 64), Err(FramingError::BadHeader { at: 0 }));
    }
}
