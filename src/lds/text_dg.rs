//! The shared layout of DG11 and DG12 (ICAO 9303 Part 10 §4.7.11, §4.7.12): an application
//! tag around a tag list (5C) and data objects holding UTF-8 text, some optional, each at
//! most once. Fields are personal data: zeroized, never shown by `Debug`.

use zeroize::Zeroizing;

use super::LdsError;
use crate::iso7816::tlv::{self, Reader};

/// Most data objects accepted in one DG11/DG12 (the specification defines fewer than 20).
pub const MAX_OBJECTS: usize = 64;
/// Longest text field accepted, in bytes (the specification's longest is a few hundred).
pub const MAX_TEXT: usize = 4096;

/// The text fields a caller wants (`tags`) from `bytes`: one slot per tag, `None` when the
/// file does not hold it. Other data objects (images, constructed groups) are skipped.
pub(crate) fn parse(
    bytes: &[u8],
    file: &'static str,
    outer_tag: u32,
    tags: &[u32],
) -> Result<Vec<Option<Zeroizing<String>>>, LdsError> {
    let err = LdsError::tlv(file);
    let mut outer = Reader::new(bytes);
    let dg = outer.expect(outer_tag).map_err(&err)?;
    outer.finish().map_err(&err)?;
    let mut r = Reader::nested(&dg);
    r.expect(0x5C).map_err(&err)?;
    let mut fields: Vec<Option<Zeroizing<String>>> = tags.iter().map(|_| None).collect();
    let mut count = 0;
    while !r.is_empty() {
        count += 1;
        LdsError::check_count(file, "data objects", count, MAX_OBJECTS)?;
        let object = r.read().map_err(&err)?;
        let Some(slot) = tags.iter().position(|t| *t == object.tag) else {
            continue;
        };
        let field = fields.get_mut(slot).ok_or(LdsError::Missing { file, what: "field" })?;
        if field.is_some() {
            return Err(LdsError::invalid(file, format!("tag {:X} appears twice", object.tag)));
        }
        if object.value.len() > MAX_TEXT {
            return Err(LdsError::TooLarge {
                file,
                what: "a text field",
                declared: object.value.len() as u64,
                limit: MAX_TEXT as u64,
            });
        }
        let text = std::str::from_utf8(object.value).map_err(|_| {
            LdsError::invalid(file, format!("tag {:X} is not UTF-8 text", object.tag))
        })?;
        if text.chars().any(char::is_control) {
            return Err(LdsError::invalid(
                file,
                format!("tag {:X} holds control characters", object.tag),
            ));
        }
        *field = Some(Zeroizing::new(text.to_owned()));
    }
    Ok(fields)
}

/// A field as staff read it: the MRZ-style filler `<` becomes a space, `<<` a comma, and
/// blanks at either end go.
pub fn readable(field: &str) -> Zeroizing<String> {
    let spaced = Zeroizing::new(field.replace("<<", ", ").replace('<', " "));
    Zeroizing::new(spaced.trim().trim_end_matches(',').trim().to_owned())
}

/// Encodes a DG11/DG12 with the given text fields (for the simulator and tests).
pub(crate) fn encode(outer_tag: u32, fields: &[(u32, &str)]) -> Vec<u8> {
    let mut list = Vec::new();
    let mut body = Zeroizing::new(Vec::new());
    for (tag, text) in fields {
        list.extend(tag.to_be_bytes().into_iter().skip_while(|b| *b == 0));
        tlv::encode(*tag, text.as_bytes(), &mut body);
    }
    let mut inner = Zeroizing::new(tlv::tlv(0x5C, &list));
    inner.extend_from_slice(&body);
    tlv::tlv(outer_tag, &inner)
}
