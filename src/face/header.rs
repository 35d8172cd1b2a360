//! Image format sniffing and header-only dimension parsing (JPEG SOF, JPEG 2000 SIZ
//! per ISO/IEC 15444-1 Annex A.5.1, JP2 boxes per Annex I), so that absurd sizes are
//! refused before any decoder allocates.

use super::FaceError;

/// Image container / codestream kind, identified by content (never by a header field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// JPEG (ISO/IEC 10918-1), starts `FF D8 FF`.
    Jpeg,
    /// JP2 file (ISO/IEC 15444-1 Annex I), starts with the signature box.
    Jp2,
    /// Raw JPEG 2000 codestream, starts `FF 4F FF 51` (SOC, SIZ).
    J2k,
    /// PNG (accepted for CLI convenience; chips do not store PNG).
    Png,
}

impl InputFormat {
    /// Identify the format from the first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<InputFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(InputFormat::Jpeg)
        } else if bytes
            .starts_with(&[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A])
        {
            Some(InputFormat::Jp2)
        } else if bytes.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
            Some(InputFormat::J2k)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(InputFormat::Png)
        } else {
            None
        }
    }

    /// Short lowercase name as used in JSON ("jpeg", "jp2", "j2k", "png").
    pub fn name(&self) -> &'static str {
        match self {
            InputFormat::Jpeg => "jpeg",
            InputFormat::Jp2 => "jp2",
            InputFormat::J2k => "j2k",
            InputFormat::Png => "png",
        }
    }
}

/// What the header says, before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Detected format.
    pub format: InputFormat,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Number of components (channels) declared.
    pub components: u32,
    /// Number of tiles (JPEG 2000; 1 otherwise).
    pub tiles: u64,
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u32::from(u16::from_be_bytes([s[0], s[1]])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_be_bytes(a))
}

fn bad(format: InputFormat, what: &str) -> FaceError {
    FaceError::Header { format: format.name(), what: what.to_string() }
}

/// Read the dimensions from the header of `bytes` without decoding.
pub fn read_header(bytes: &[u8]) -> Result<HeaderInfo, FaceError> {
    match InputFormat::sniff(bytes) {
        Some(InputFormat::Jpeg) => jpeg_header(bytes),
        Some(InputFormat::J2k) => siz_header(bytes, InputFormat::J2k),
        Some(InputFormat::Jp2) => jp2_header(bytes),
        Some(InputFormat::Png) => png_header(bytes),
        None => Err(FaceError::UnknownFormat),
    }
}

/// JPEG: walk marker segments up to the first SOFn (ITU T.81 B.2.2).
fn jpeg_header(b: &[u8]) -> Result<HeaderInfo, FaceError> {
    let f = InputFormat::Jpeg;
    let mut pos = 2usize;
    // Bounded by the input length: each step advances at least 2 bytes.
    loop {
        if b.get(pos) != Some(&0xFF) {
            return Err(bad(f, &format!("expected a marker at offset {pos}")));
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker =
            *b.get(pos).ok_or_else(|| bad(f, "file ends before the frame header (SOF)"))?;
        pos += 1;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(bad(f, "no frame header (SOF) before scan data")),
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                // Lf(2) P(1) Y(2) X(2) Nf(1)
                let height = be16(b, pos + 3).ok_or_else(|| bad(f, "frame header truncated"))?;
                let width = be16(b, pos + 5).ok_or_else(|| bad(f, "frame header truncated"))?;
                let comps =
                    b.get(pos + 7).copied().ok_or_else(|| bad(f, "frame header truncated"))?;
                return Ok(HeaderInfo {
                    format: f,
                    width,
                    height,
                    components: u32::from(comps),
                    tiles: 1,
                });
            }
            _ => {
                let len = be16(b, pos).ok_or_else(|| bad(f, "segment length truncated"))?;
                if len < 2 {
                    return Err(bad(f, &format!("segment length {len} at offset {pos}")));
                }
                pos = pos
                    .checked_add(len as usize)
                    .ok_or_else(|| bad(f, "segment length overflows"))?;
            }
        }
    }
}

/// JPEG 2000 codestream: SOC then SIZ (ISO/IEC 15444-1 A.5.1).
fn siz_header(b: &[u8], f: InputFormat) -> Result<HeaderInfo, FaceError> {
    if !b.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(bad(f, "codestream does not start with SOC, SIZ"));
    }
    let t = |what: &str| bad(f, &format!("SIZ marker truncated ({what})"));
    let p = 6usize; // after SOC(2) SIZ(2) Lsiz(2); Rsiz at 6
    let xsiz = be32(b, p + 2).ok_or_else(|| t("Xsiz"))?;
    let ysiz = be32(b, p + 6).ok_or_else(|| t("Ysiz"))?;
    let xosiz = be32(b, p + 10).ok_or_else(|| t("XOsiz"))?;
    let yosiz = be32(b, p + 14).ok_or_else(|| t("YOsiz"))?;
    let xtsiz = be32(b, p + 18).ok_or_else(|| t("XTsiz"))?;
    let ytsiz = be32(b, p + 22).ok_or_else(|| t("YTsiz"))?;
    let xtosiz = be32(b, p + 26).ok_or_else(|| t("XTOsiz"))?;
    let ytosiz = be32(b, p + 30).ok_or_else(|| t("YTOsiz"))?;
    let csiz = be16(b, p + 34).ok_or_else(|| t("Csiz"))?;
    if xosiz >= xsiz || yosiz >= ysiz {
        return Err(bad(f, "SIZ image offset is not inside the image"));
    }
    if xtsiz == 0 || ytsiz == 0 || xtosiz > xosiz || ytosiz > yosiz {
        return Err(bad(f, "SIZ tile grid is invalid"));
    }
    let tiles_x = u64::from(xsiz - xtosiz).div_ceil(u64::from(xtsiz));
    let tiles_y = u64::from(ysiz - ytosiz).div_ceil(u64::from(ytsiz));
    for c in 0..csiz as usize {
        let at = p + 36 + 3 * c;
        let dx = b.get(at + 1).copied().ok_or_else(|| t("component"))?;
        let dy = b.get(at + 2).copied().ok_or_else(|| t("component"))?;
        if dx == 0 || dy == 0 {
            return Err(bad(f, "SIZ component subsampling of 0"));
        }
    }
    Ok(HeaderInfo {
        format: f,
        width: xsiz - xosiz,
        height: ysiz - yosiz,
        components: csiz,
        tiles: tiles_x.saturating_mul(tiles_y),
    })
}

/// JP2: find the contiguous codestream box (`jp2c`) and read its SIZ.
fn jp2_header(b: &[u8]) -> Result<HeaderInfo, FaceError> {
    let f = InputFormat::Jp2;
    let mut pos = 0usize;
    for _ in 0..64 {
        let lbox = be32(b, pos).ok_or_else(|| bad(f, "file ends before the codestream box"))?;
        let tbox = b.get(pos + 4..pos + 8).ok_or_else(|| bad(f, "box header truncated"))?;
        let (header_len, box_len) = match lbox {
            0 => (8usize, b.len().saturating_sub(pos) as u64),
            1 => (16, be64(b, pos + 8).ok_or_else(|| bad(f, "box length truncated"))?),
            n => (8, u64::from(n)),
        };
        if box_len < header_len as u64 {
            return Err(bad(f, "box length shorter than its header"));
        }
        if tbox == b"jp2c" {
            let start = pos + header_len;
            let cs = b.get(start..).ok_or_else(|| bad(f, "codestream box truncated"))?;
            let mut h = siz_header(cs, f)?;
            h.format = f;
            return Ok(h);
        }
        let next = u64::try_from(pos)
            .ok()
            .and_then(|p| p.checked_add(box_len))
            .ok_or_else(|| bad(f, "box length overflows"))?;
        if lbox == 0 || next >= b.len() as u64 {
            break;
        }
        pos = usize::try_from(next).map_err(|_| bad(f, "box length overflows"))?;
    }
    Err(bad(f, "no codestream box (jp2c)"))
}

/// PNG: IHDR is the first chunk.
fn png_header(b: &[u8]) -> Result<HeaderInfo, FaceError> {
    let f = InputFormat::Png;
    if b.get(12..16) != Some(b"IHDR".as_slice()) {
        return Err(bad(f, "first chunk is not IHDR"));
    }
    let width = be32(b, 16).ok_or_else(|| bad(f, "IHDR truncated"))?;
    let height = be32(b, 20).ok_or_else(|| bad(f, "IHDR truncated"))?;
    let colour = b.get(25).copied().ok_or_else(|| bad(f, "IHDR truncated"))?;
    let components = match colour {
        0 | 3 => 1,
        4 => 2,
        2 => 3,
        6 => 4,
        _ => return Err(bad(f, "unknown colour type")),
    };
    Ok(HeaderInfo { format: f, width, height, components, tiles: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(InputFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(InputFormat::Jpeg));
        assert_eq!(InputFormat::sniff(&[0xFF, 0x4F, 0xFF, 0x51, 0]), Some(InputFormat::J2k));
        assert_eq!(InputFormat::sniff(b"GIF89a"), None);
        assert_eq!(InputFormat::sniff(&[]), None);
    }

    fn siz(width: u32, height: u32, tile: u32) -> Vec<u8> {
        let mut v = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
        for x in [width, height, 0, 0, tile, tile, 0, 0] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v.extend_from_slice(&[0, 1, 7, 1, 1]);
        v
    }

    #[test]
    fn reads_siz_dimensions_and_tiles() {
        let h = read_header(&siz(480, 640, 256)).unwrap();
        assert_eq!((h.width, h.height, h.components, h.tiles), (480, 640, 1, 6));
    }

    #[test]
    fn forged_huge_siz_is_reported_not_allocated() {
        let h = read_header(&siz(u32::MAX, u32::MAX, 1)).unwrap();
        assert_eq!(h.width, u32::MAX);
        assert!(h.tiles > 1 << 60);
    }

    #[test]
    fn truncated_headers_are_errors() {
        let s = siz(480, 640, 256);
        for n in 4..s.len() {
            assert!(read_header(&s[..n]).is_err(), "prefix {n}");
        }
        assert!(read_header(&[0xFF, 0xD8, 0xFF]).is_err());
    }
}
