//! EF.COM (ICAO 9303 Part 10 §4.6.1): LDS version, Unicode version and the data-group
//! tag list.
//!
//! ```text
//! 60 { 5F01 "aabb" (LDS version), 5F36 "aabbcc" (Unicode version), 5C tag list }
//! ```

use super::{Ef, LdsError};
use crate::iso7816::tlv::{self, Reader};

const FILE: &str = "EF.COM";

/// The content of EF.COM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// Four digits, e.g. "0107" for LDS 1.7.
    pub lds_version: String,
    /// Six digits, e.g. "040000" for Unicode 4.0.0.
    pub unicode_version: String,
    /// Data-group numbers in the order listed.
    pub data_groups: Vec<u8>,
}

fn digits(value: &[u8], len: usize, what: &'static str) -> Result<String, LdsError> {
    if value.len() != len || !value.iter().all(u8::is_ascii_digit) {
        return Err(LdsError::invalid(FILE, format!("{what} is not {len} ASCII digits")));
    }
    Ok(value.iter().map(|b| char::from(*b)).collect())
}

/// Parses EF.COM. Trailing bytes after the 60 object are rejected, as are unknown tags
/// in the list.
pub fn parse(bytes: &[u8]) -> Result<EfCom, LdsError> {
    let err = LdsError::tlv(FILE);
    let mut outer = Reader::new(bytes);
    let com = outer.expect(0x60).map_err(&err)?;
    outer.finish().map_err(&err)?;
    let mut r = Reader::nested(&com);
    let lds = r.expect(0x5F01).map_err(&err)?;
    let unicode = r.expect(0x5F36).map_err(&err)?;
    let list = r.expect(0x5C).map_err(&err)?;
    r.finish().map_err(&err)?;
    let mut data_groups = Vec::new();
    for tag in list.value {
        match Ef::from_tag(u32::from(*tag)) {
            Some(Ef::Dg(n)) if !data_groups.contains(&n) => data_groups.push(n),
            Some(Ef::Dg(n)) => {
                return Err(LdsError::invalid(FILE, format!("DG{n} listed twice")));
            }
            _ => {
                return Err(LdsError::invalid(FILE, format!("tag list holds {tag:02X}, not a DG")));
            }
        }
    }
    Ok(EfCom {
        lds_version: digits(lds.value, 4, "LDS version")?,
        unicode_version: digits(unicode.value, 6, "Unicode version")?,
        data_groups,
    })
}

impl EfCom {
    /// Encodes EF.COM (data groups without a tag are left out).
    pub fn encode(&self) -> Vec<u8> {
        let tags: Vec<u8> = self
            .data_groups
            .iter()
            .filter_map(|n| Ef::dg(*n)?.tag())
            .filter_map(|t| u8::try_from(t).ok())
            .collect();
        let inner = [
            tlv::tlv(0x5F01, self.lds_version.as_bytes()),
            tlv::tlv(0x5F36, self.unicode_version.as_bytes()),
            tlv::tlv(0x5C, &tags),
        ]
        .concat();
        tlv::tlv(0x60, &inner)
    }
}
