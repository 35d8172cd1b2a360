//! Face image encodings of DG2, identified by their bytes (ISO/IEC 10918-1 JPEG SOI,
//! ISO/IEC 15444-1 JP2 signature box and J2K codestream SOC+SIZ), not by the header field.

/// The encoding of a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (JFIF/EXIF), starts FF D8 FF.
    Jpeg,
    /// JPEG 2000 file format, starts with the signature box 0000000C 6A502020 0D0A870A.
    Jp2,
    /// Raw JPEG 2000 codestream, starts FF 4F FF 51 (SOC, SIZ).
    J2k,
}

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];
const JP2: &[u8] = &[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
const J2K: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];

impl ImageFormat {
    /// The file-name extension: "jpg", "jp2" or "j2k".
    pub fn extension(&self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Jp2 => "jp2",
            ImageFormat::J2k => "j2k",
        }
    }

    /// Recognises the encoding from the first bytes of an image.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(JPEG) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(JP2) {
            Some(ImageFormat::Jp2)
        } else if bytes.starts_with(J2K) {
            Some(ImageFormat::J2k)
        } else {
            None
        }
    }

    /// The ISO/IEC 19794-5 image data type: 0 = JPEG, 1 = JPEG 2000.
    pub fn data_type(&self) -> u8 {
        match self {
            ImageFormat::Jpeg => 0,
            ImageFormat::Jp2 | ImageFormat::J2k => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_bytes() {
        assert_eq!(ImageFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::sniff(JP2), Some(ImageFormat::Jp2));
        assert_eq!(ImageFormat::sniff(&[0xFF, 0x4F, 0xFF, 0x51, 0]), Some(ImageFormat::J2k));
        assert_eq!(ImageFormat::sniff(&JP2[..8]), None);
        assert_eq!(ImageFormat::sniff(&[0xFF, 0xD8]), None);
        assert_eq!(ImageFormat::sniff(&[]), None);
        assert_eq!(ImageFormat::Jp2.extension(), "jp2");
    }
}
