//! The simulated chip's ISO/IEC 7816-4 file system (§5.3, §7.2): the master file with
//! EF.CardAccess / EF.CardSecurity, and the eMRTD application (ICAO 9303 Part 10 §3.10,
//! AID A0 00 00 02 47 10 01) with EF.COM, EF.DG1..16 and EF.SOD; reads by offset.

use super::SimError;
use crate::iso7816::StatusWord;

/// The eMRTD LDS1 application identifier (ICAO 9303 Part 10 §3.10.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Which dedicated file holds an EF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Df {
    /// The master file (3F00): EF.CardAccess, EF.CardSecurity, EF.ATR/INFO.
    Master,
    /// The eMRTD application: EF.COM, EF.DGn, EF.SOD.
    Emrtd,
}

/// Where a named EF lives: its DF, file identifier and short file identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EfLocation {
    pub df: Df,
    pub fid: u16,
    pub sfi: u8,
}

/// Maps an EF name as `enrol-kiosk read` writes it ("EF.COM", "EF.DG2", "EF.SOD",
/// "EF.CardAccess", "EF.CardSecurity") to its location (ICAO 9303 Part 10 §3.11, §4.6).
pub fn locate(name: &str) -> Option<EfLocation> {
    let (df, fid) = match name {
        "EF.COM" => (Df::Emrtd, 0x011E),
        "EF.SOD" => (Df::Emrtd, 0x011D),
        "EF.CardAccess" => (Df::Master, 0x011C),
        "EF.CardSecurity" => (Df::Master, 0x011D),
        "EF.ATR" | "EF.ATR-INFO" => (Df::Master, 0x2F01),
        _ => {
            let n: u16 = name.strip_prefix("EF.DG")?.parse().ok()?;
            if !(1..=16).contains(&n) {
                return None;
            }
            (Df::Emrtd, 0x0100 + n)
        }
    };
    Some(EfLocation { df, fid, sfi: (fid & 0x1F) as u8 })
}

/// An EF's content: plain bytes, or a hostile file whose TLV header declares a huge length
/// and whose bytes after the real ones are deterministic garbage up to that length.
#[derive(Clone)]
enum Content {
    Plain(Vec<u8>),
    Declared { prefix: Vec<u8>, size: u64 },
}

/// One elementary file.
#[derive(Clone)]
pub struct Ef {
    pub name: String,
    pub location: EfLocation,
    content: Content,
}

impl Ef {
    /// The number of bytes a reader can read (a declared-length file reports its declared size).
    pub fn size(&self) -> u64 {
        match &self.content {
            Content::Plain(b) => b.len() as u64,
            Content::Declared { size, .. } => *size,
        }
    }

    /// Up to `len` bytes from `offset` (fewer at the end of the file).
    pub fn bytes(&self, offset: u64, len: usize) -> Vec<u8> {
        let end = self.size().min(offset.saturating_add(len as u64));
        match &self.content {
            Content::Plain(b) => {
                let (Ok(s), Ok(e)) = (usize::try_from(offset), usize::try_from(end)) else {
                    return Vec::new();
                };
                b.get(s..e).map(<[u8]>::to_vec).unwrap_or_default()
            }
            Content::Declared { prefix, .. } => (offset..end)
                .map(|i| {
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| prefix.get(i).copied())
                        .unwrap_or_else(|| garbage(i))
                })
                .collect(),
        }
    }
}

fn garbage(i: u64) -> u8 {
    (i.wrapping_mul(0x9E37_79B9).rotate_right(13) & 0xFF) as u8
}

/// Rewrites `bytes` (a TLV file) so that its header declares `declared` value bytes with the
/// four-byte long form (e.g. `75 84 FF FF FF FF`), keeping the original value after it.
fn declare(bytes: &[u8], declared: u32) -> Content {
    let (tag_bytes, value) = match crate::iso7816::tlv::parse_header(bytes) {
        Ok(h) => {
            let tag_len = if bytes.first().is_some_and(|b| b & 0x1F == 0x1F) {
                bytes.iter().skip(1).position(|b| b & 0x80 == 0).map_or(1, |p| p + 2)
            } else {
                1
            };
            (
                bytes.get(..tag_len).unwrap_or_default().to_vec(),
                bytes.get(h.header_len..).unwrap_or_default(),
            )
        }
        Err(_) => (vec![0x75], bytes),
    };
    let mut prefix = tag_bytes;
    prefix.push(0x84);
    prefix.extend_from_slice(&declared.to_be_bytes());
    let header_len = prefix.len() as u64;
    prefix.extend_from_slice(value);
    Content::Declared { prefix, size: header_len + u64::from(declared) }
}

/// All EFs of a chip.
#[derive(Clone, Default)]
pub struct FileSystem {
    files: Vec<Ef>,
}

impl FileSystem {
    /// Builds the file system from named files; unknown names are returned as errors.
    pub fn new<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        evil: Option<(&str, u32)>,
    ) -> Result<Self, SimError> {
        let mut fs = FileSystem::default();
        for (name, bytes) in files {
            let location =
                locate(name).ok_or_else(|| SimError::UnknownFile { name: name.to_owned() })?;
            let content = match evil {
                Some((evil_name, declared)) if evil_name == name => declare(bytes, declared),
                _ => Content::Plain(bytes.to_vec()),
            };
            fs.files.retain(|f| f.location != location);
            fs.files.push(Ef { name: name.to_owned(), location, content });
        }
        Ok(fs)
    }

    /// Adds a known file unless one is already at its location.
    pub fn add_if_absent(&mut self, name: &str, bytes: &[u8]) {
        if let Some(location) = locate(name)
            && !self.files.iter().any(|f| f.location == location)
        {
            let content = Content::Plain(bytes.to_vec());
            self.files.push(Ef { name: name.to_owned(), location, content });
        }
    }

    /// The EF with this file identifier, looked up in `df` first, then in the master file.
    pub fn by_fid(&self, df: Df, fid: u16) -> Option<usize> {
        self.find(df, |l| l.fid == fid)
    }

    /// The EF with this short file identifier, looked up in `df` first, then in the MF.
    pub fn by_sfi(&self, df: Df, sfi: u8) -> Option<usize> {
        self.find(df, |l| l.sfi == sfi)
    }

    fn find(&self, df: Df, pred: impl Fn(&EfLocation) -> bool) -> Option<usize> {
        let hit = |d: Df| self.files.iter().position(|f| f.location.df == d && pred(&f.location));
        hit(df).or_else(|| hit(Df::Master))
    }

    /// The EF at an index returned by a lookup.
    pub fn get(&self, index: usize) -> Option<&Ef> {
        self.files.get(index)
    }

    /// READ BINARY semantics: `le` bytes from `offset`. An offset at or past the end is 6B00;
    /// a read running past the end gives the bytes there with 9000, or 6282 when `eof_6282`.
    pub fn read(
        &self,
        index: usize,
        offset: u64,
        le: usize,
        eof_6282: bool,
    ) -> Result<(Vec<u8>, StatusWord), StatusWord> {
        let ef = self.files.get(index).ok_or(StatusWord::FileNotFound)?;
        if offset >= ef.size() {
            return Err(StatusWord::WrongOffset);
        }
        let data = ef.bytes(offset, le);
        let sw = if data.len() < le && eof_6282 { StatusWord::EndOfFile } else { StatusWord::Ok };
        Ok((data, sw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_icao_fids_and_sfis() {
        assert_eq!(locate("EF.COM"), Some(EfLocation { df: Df::Emrtd, fid: 0x011E, sfi: 0x1E }));
        assert_eq!(locate("EF.DG2"), Some(EfLocation { df: Df::Emrtd, fid: 0x0102, sfi: 0x02 }));
        assert_eq!(locate("EF.DG16").map(|l| l.fid), Some(0x0110));
        assert_eq!(locate("EF.SOD").map(|l| l.sfi), Some(0x1D));
        assert_eq!(locate("EF.CardAccess").map(|l| (l.df, l.fid)), Some((Df::Master, 0x011C)));
        assert_eq!(locate("EF.DG17"), None);
        assert_eq!(locate("EF.DG0"), None);
        assert_eq!(locate("face.jpg"), None);
    }

    #[test]
    fn reads_by_offset_with_end_of_file_rules() {
        let data: Vec<u8> = (0..100u8).collect();
        let fs = FileSystem::new([("EF.DG1", &data[..])], None).unwrap();
        let i = fs.by_sfi(Df::Emrtd, 1).unwrap();
        assert_eq!(fs.read(i, 10, 5, false).unwrap(), ((10..15).collect(), StatusWord::Ok));
        assert_eq!(fs.read(i, 95, 10, false).unwrap(), ((95..100).collect(), StatusWord::Ok));
        assert_eq!(fs.read(i, 95, 10, true).unwrap().1, StatusWord::EndOfFile);
        assert_eq!(fs.read(i, 100, 1, false), Err(StatusWord::WrongOffset));
        assert_eq!(fs.by_fid(Df::Emrtd, 0x0102), None);
        assert!(FileSystem::new([("EF.DG99", &data[..])], None).is_err());
    }

    #[test]
    fn declared_length_file_serves_a_4gb_header_then_garbage() {
        let dg2 = crate::iso7816::tlv::tlv(0x75, &[0x7F, 0x61, 0x01, 0x00]);
        let fs = FileSystem::new([("EF.DG2", &dg2[..])], Some(("EF.DG2", u32::MAX))).unwrap();
        let i = fs.by_fid(Df::Emrtd, 0x0102).unwrap();
        let ef = fs.get(i).unwrap();
        assert_eq!(ef.size(), 6 + u64::from(u32::MAX));
        let (head, _) = fs.read(i, 0, 10, false).unwrap();
        assert_eq!(head, [0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x01, 0x00]);
        let (far, sw) = fs.read(i, 40_000, 200, false).unwrap();
        assert_eq!((far.len(), sw), (200, StatusWord::Ok));
        let h = crate::iso7816::tlv::parse_header(&head).unwrap();
        assert_eq!(h.value_len, u32::MAX as usize);
    }
}
