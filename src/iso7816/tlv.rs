//! The bounded BER-TLV reader (ISO/IEC 7816-4 §5.2.2, ISO/IEC 8825-1) for all chip bytes.
//!
//! It borrows the input, never allocates from a declared length, reports the offset of
//! every error and, with [`Reader::finish`], rejects trailing bytes.

/// Where and why TLV bytes are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("TLV truncated at offset {at}: {needed} more bytes declared than present")]
    Truncated { at: usize, needed: usize },
    #[error("TLV at offset {at} has a tag longer than 3 bytes")]
    TagTooLong { at: usize },
    #[error("TLV at offset {at} uses an unsupported length form (first length byte {first:02X})")]
    BadLength { at: usize, first: u8 },
    #[error("TLV at offset {at}: expected tag {expected:X}, found {found:X}")]
    UnexpectedTag { at: usize, expected: u32, found: u32 },
    #[error("{count} unexpected bytes after the data at offset {at}")]
    TrailingData { at: usize, count: usize },
}

/// A TLV header: the tag, how many bytes the header took, and the declared value length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub tag: u32,
    pub header_len: usize,
    pub value_len: usize,
}

impl Header {
    /// Header plus value length, saturating (a hostile length cannot overflow).
    pub fn total_len(&self) -> usize {
        self.header_len.saturating_add(self.value_len)
    }
}

/// True when the tag's first byte marks a constructed data object.
pub fn is_constructed(tag: u32) -> bool {
    let first = if tag > 0xFFFF {
        (tag >> 16) as u8
    } else if tag > 0xFF {
        (tag >> 8) as u8
    } else {
        tag as u8
    };
    first & 0x20 != 0
}

/// Parses a header from the start of `bytes`. The value need not be present: this is how
/// the file reader learns an EF's length from its first bytes.
pub fn parse_header(bytes: &[u8]) -> Result<Header, TlvError> {
    parse_header_at(bytes, 0)
}

fn byte_at(bytes: &[u8], i: usize, at: usize) -> Result<u8, TlvError> {
    bytes.get(i).copied().ok_or_else(|| TlvError::Truncated { at, needed: i + 1 - bytes.len() })
}

fn parse_header_at(bytes: &[u8], at: usize) -> Result<Header, TlvError> {
    let first = byte_at(bytes, 0, at)?;
    let mut tag = u32::from(first);
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = byte_at(bytes, i, at)?;
            tag = (tag << 8) | u32::from(b);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 3 {
                return Err(TlvError::TagTooLong { at });
            }
        }
    }
    let l0 = byte_at(bytes, i, at)?;
    i += 1;
    let value_len = match l0 {
        0x00..=0x7F => usize::from(l0),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7F);
            let mut v: usize = 0;
            for k in 0..n {
                v = (v << 8) | usize::from(byte_at(bytes, i + k, at)?);
            }
            i += n;
            v
        }
        _ => return Err(TlvError::BadLength { at, first: l0 }),
    };
    Ok(Header { tag, header_len: i, value_len })
}

/// One data object borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    /// Offset of the value within the reader's input (for error messages).
    pub offset: usize,
}

/// A cursor over a sequence of TLV objects.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0, base: 0 }
    }

    /// A reader over the value of `tlv`, keeping absolute offsets for errors.
    pub fn nested(tlv: &Tlv<'a>) -> Self {
        Self { buf: tlv.value, pos: 0, base: tlv.offset }
    }

    /// True when every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The tag of the next object, without consuming it.
    pub fn peek_tag(&self) -> Result<Option<u32>, TlvError> {
        if self.is_empty() {
            return Ok(None);
        }
        parse_header_at(self.remaining(), self.base + self.pos).map(|h| Some(h.tag))
    }

    /// Reads the next object; its declared length must fit in what is left.
    pub fn read(&mut self) -> Result<Tlv<'a>, TlvError> {
        let at = self.base + self.pos;
        let rest = self.remaining();
        let h = parse_header_at(rest, at)?;
        let end = h.total_len();
        if end > rest.len() {
            return Err(TlvError::Truncated { at, needed: end - rest.len() });
        }
        let value = &rest[h.header_len..end];
        self.pos += end;
        Ok(Tlv { tag: h.tag, value, offset: at + h.header_len })
    }

    /// Reads the next object and checks its tag.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        let at = self.base + self.pos;
        let tlv = self.read()?;
        if tlv.tag != tag {
            return Err(TlvError::UnexpectedTag { at, expected: tag, found: tlv.tag });
        }
        Ok(tlv)
    }

    /// Skips objects until one with `tag` is found at this level; `None` if there is none.
    pub fn find(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        while !self.is_empty() {
            let tlv = self.read()?;
            if tlv.tag == tag {
                return Ok(Some(tlv));
            }
        }
        Ok(None)
    }

    /// Succeeds only when every byte has been consumed.
    pub fn finish(self) -> Result<(), TlvError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(TlvError::TrailingData {
                at: self.base + self.pos,
                count: self.buf.len() - self.pos,
            })
        }
    }
}

/// Appends a TLV with the given tag (1–3 bytes) and value, DER length form.
pub fn encode(tag: u32, value: &[u8], out: &mut Vec<u8>) {
    if tag > 0xFFFF {
        out.extend_from_slice(&tag.to_be_bytes()[1..]);
    } else if tag > 0xFF {
        out.extend_from_slice(&(tag as u16).to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    let n = value.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n <= 0xFF {
        out.extend_from_slice(&[0x81, n as u8]);
    } else if n <= 0xFFFF {
        out.push(0x82);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0x83);
        out.extend_from_slice(&(n as u32).to_be_bytes()[1..]);
    }
    out.extend_from_slice(value);
}

/// A TLV as a new vector.
pub fn tlv(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    encode(tag, value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_objects() {
        let inner = [tlv(0x5F01, b"0107"), tlv(0x5C, &[0x61, 0x75])].concat();
        let outer = tlv(0x60, &inner);
        let mut r = Reader::new(&outer);
        let t = r.expect(0x60).unwrap();
        r.finish().unwrap();
        let mut n = Reader::nested(&t);
        assert_eq!(n.expect(0x5F01).unwrap().value, b"0107");
        assert_eq!(n.expect(0x5C).unwrap().value, &[0x61, 0x75]);
        n.finish().unwrap();
        assert!(is_constructed(0x60));
        assert!(is_constructed(0x7F61));
        assert!(!is_constructed(0x5F2E));
    }

    #[test]
    fn long_lengths_and_three_byte_tags() {
        let v = vec![0xAB; 70_000];
        let t = tlv(0x5F2E, &v);
        assert_eq!(&t[..6], &[0x5F, 0x2E, 0x83, 0x01, 0x11, 0x70]);
        let mut r = Reader::new(&t);
        assert_eq!(r.read().unwrap().value.len(), 70_000);
        let h = parse_header(&[0x9F, 0x81, 0x01, 0x01, 0x00]).unwrap();
        assert_eq!(h.tag, 0x9F8101);
    }

    #[test]
    fn hostile_lengths_are_errors_not_allocations() {
        // 4 GB declared in 5 bytes.
        let evil = [0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];
        let h = parse_header(&evil).unwrap();
        assert_eq!(h.value_len, 0xFFFF_FFFF);
        assert!(matches!(Reader::new(&evil).read(), Err(TlvError::Truncated { .. })));
        assert!(matches!(
            parse_header(&[0x75, 0x85, 1, 1, 1, 1, 1]),
            Err(TlvError::BadLength { .. })
        ));
        assert!(matches!(parse_header(&[0x75, 0x80]), Err(TlvError::BadLength { .. })));
        assert!(matches!(parse_header(&[0x5F]), Err(TlvError::Truncated { .. })));
        assert!(matches!(
            parse_header(&[0x5F, 0x81, 0x81, 0x81, 0]),
            Err(TlvError::TagTooLong { .. })
        ));
    }

    #[test]
    fn trailing_bytes_are_reported_with_offset() {
        let mut data = tlv(0x01, &[1]);
        data.push(0);
        let mut r = Reader::new(&data);
        r.read().unwrap();
        assert_eq!(r.finish(), Err(TlvError::TrailingData { at: 3, count: 1 }));
    }

    #[test]
    fn every_prefix_and_flip_of_a_sample_is_handled() {
        let sample = tlv(0x77, &[tlv(0x5F2E, &[1; 300]), tlv(0x02, &[5])].concat());
        for cut in 0..sample.len() {
            let _ = Reader::new(&sample[..cut]).read();
        }
        for i in 0..sample.len() {
            let mut s = sample.clone();
            s[i] ^= 0xFF;
            let mut r = Reader::new(&s);
            while let Ok(_t) = r.read() {}
        }
    }
}
