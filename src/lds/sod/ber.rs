//! A small cursor over BER objects (X.690) built on `asn1-rs`, which accepts the
//! indefinite lengths some issuers use; every error names the file and the element.

use asn1_rs::{Any, Class, FromBer, Tag};

use crate::lds::LdsError;

/// Deepest nesting of constructed OCTET STRING segments accepted.
const MAX_SEGMENT_DEPTH: usize = 8;

/// A cursor over consecutive BER objects.
pub(crate) struct Ber<'a> {
    rest: &'a [u8],
    file: &'static str,
}

impl<'a> Ber<'a> {
    pub fn new(bytes: &'a [u8], file: &'static str) -> Self {
        Self { rest: bytes, file }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next object; `what` names it in errors.
    pub fn next(&mut self, what: &'static str) -> Result<Any<'a>, LdsError> {
        if self.rest.is_empty() {
            return Err(LdsError::Missing { file: self.file, what });
        }
        let (rest, any) = Any::from_ber(self.rest).map_err(|e| LdsError::Asn1 {
            file: self.file,
            what,
            detail: e.to_string(),
        })?;
        self.rest = rest;
        Ok(any)
    }

    /// The next object and its whole encoding (header, content and, for an indefinite
    /// length, the end-of-contents octets).
    pub fn next_raw(&mut self, what: &'static str) -> Result<(Any<'a>, &'a [u8]), LdsError> {
        let before = self.rest;
        let any = self.next(what)?;
        let used = before.len().saturating_sub(self.rest.len());
        Ok((any, before.get(..used).unwrap_or_default()))
    }

    /// The next object, which must be universal `tag`.
    pub fn universal(&mut self, tag: Tag, what: &'static str) -> Result<Any<'a>, LdsError> {
        let any = self.next(what)?;
        expect(&any, Class::Universal, tag, self.file, what)?;
        Ok(any)
    }

    /// Nothing may follow.
    pub fn finish(&self, what: &'static str) -> Result<(), LdsError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(LdsError::Asn1 {
                file: self.file,
                what,
                detail: format!("{} unexpected bytes follow", self.rest.len()),
            })
        }
    }
}

/// Checks class and tag of `any`.
pub(crate) fn expect(
    any: &Any<'_>,
    class: Class,
    tag: Tag,
    file: &'static str,
    what: &'static str,
) -> Result<(), LdsError> {
    if any.header.class() == class && any.header.tag() == tag {
        Ok(())
    } else {
        Err(LdsError::Asn1 {
            file,
            what,
            detail: format!(
                "expected {class:?} tag {}, found {:?} tag {}",
                tag.0,
                any.header.class(),
                any.header.tag().0
            ),
        })
    }
}

/// A non-negative INTEGER that fits in a u64.
pub(crate) fn small_uint(
    any: &Any<'_>,
    file: &'static str,
    what: &'static str,
) -> Result<u64, LdsError> {
    let bad = |detail: &str| LdsError::Asn1 { file, what, detail: detail.to_string() };
    if any.header.is_constructed() || any.data.is_empty() {
        return Err(bad("not a primitive INTEGER"));
    }
    if any.data.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(bad("negative INTEGER"));
    }
    let digits: &[u8] = match any.data {
        [0, rest @ ..] if !rest.is_empty() => rest,
        d => d,
    };
    if digits.len() > 8 {
        return Err(bad("INTEGER too large"));
    }
    Ok(digits.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b)))
}

/// The content of an OCTET STRING, primitive or (BER) constructed from segments.
pub(crate) fn octets(
    any: &Any<'_>,
    file: &'static str,
    what: &'static str,
) -> Result<Vec<u8>, LdsError> {
    let mut out = Vec::new();
    collect_octets(any, file, what, 0, &mut out)?;
    Ok(out)
}

fn collect_octets(
    any: &Any<'_>,
    file: &'static str,
    what: &'static str,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), LdsError> {
    expect(any, Class::Universal, Tag::OctetString, file, what)?;
    if !any.header.is_constructed() {
        out.extend_from_slice(any.data);
        return Ok(());
    }
    if depth >= MAX_SEGMENT_DEPTH {
        return Err(LdsError::Asn1 { file, what, detail: "OCTET STRING nested too deep".into() });
    }
    let mut segments = Ber::new(any.data, file);
    while !segments.is_empty() {
        let seg = segments.next(what)?;
        collect_octets(&seg, file, what, depth + 1, out)?;
    }
    Ok(())
}

/// A PrintableString / UTF8String / IA5String as text.
pub(crate) fn text(
    any: &Any<'_>,
    file: &'static str,
    what: &'static str,
) -> Result<String, LdsError> {
    let ok_tag =
        matches!(any.header.tag(), Tag::PrintableString | Tag::Utf8String | Tag::Ia5String);
    if any.header.class() != Class::Universal || !ok_tag || any.header.is_constructed() {
        return Err(LdsError::Asn1 { file, what, detail: "not a character string".into() });
    }
    std::str::from_utf8(any.data).map(str::to_string).map_err(|_| LdsError::Asn1 {
        file,
        what,
        detail: "not UTF-8".into(),
    })
}
