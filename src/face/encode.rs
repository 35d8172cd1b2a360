//! Encode for upload: the chip's original JPEG or JPEG 2000 (JP2 file format, ISO/IEC
//! 15444-1 Annex I; the API accepts it) when it fits, else lossless PNG, else JPEG at
//! quality ≥ 90, lowered only as far as needed to fit the API's 2 MB (2 000 000 bytes) limit.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbImage};

use super::FaceError;
use super::header::InputFormat;

/// Which encoding to use; `Auto` follows the order. Set from configuration
/// (`face.encode = "auto" | "png" | "jpeg" | "original"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodeMode {
    /// Original JPEG or JP2 if ≤ limit, else PNG if ≤ limit, else JPEG with quality search.
    #[default]
    Auto,
    /// Always PNG (lossless), even when over the limit (reported as a problem).
    Png,
    /// Always re-encode as JPEG with the quality search.
    Jpeg,
    /// Upload the chip's bytes unchanged when their format is accepted (JPEG, JP2, PNG).
    Original,
}

/// Upload encoding policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct EncodePolicy {
    /// Which path to take.
    pub mode: EncodeMode,
    /// Upload size limit in bytes (the API says "2 MB": 2 000 000 bytes, as the iProov
    /// client's `MAX_IMAGE_BYTES`).
    pub max_bytes: usize,
    /// First JPEG quality tried.
    pub jpeg_start_quality: u8,
    /// Quality the issue asks to stay at or above; going lower is reported as a problem.
    pub jpeg_min_quality: u8,
    /// Lowest quality ever used.
    pub jpeg_floor_quality: u8,
}

impl Default for EncodePolicy {
    fn default() -> Self {
        EncodePolicy {
            mode: EncodeMode::Auto,
            max_bytes: 2_000_000,
            jpeg_start_quality: 95,
            jpeg_min_quality: 90,
            jpeg_floor_quality: 40,
        }
    }
}

/// Upload media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// image/jpeg
    Jpeg,
    /// image/png
    Png,
    /// image/jp2
    Jp2,
}

impl OutputFormat {
    /// The MIME type for the multipart upload.
    pub fn media_type(&self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Jp2 => "image/jp2",
        }
    }

    /// File extension.
    pub fn extension(&self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
            OutputFormat::Jp2 => "jp2",
        }
    }
}

/// Which path produced the upload bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodePath {
    /// The chip's bytes, unchanged.
    Original,
    /// Lossless PNG of the decoded pixels.
    Png,
    /// JPEG re-encode at this quality.
    Jpeg {
        /// The quality (1–100) used.
        quality: u8,
    },
}

impl std::fmt::Display for EncodePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodePath::Original => f.write_str("original"),
            EncodePath::Png => f.write_str("png"),
            EncodePath::Jpeg { quality } => write!(f, "jpeg-q{quality}"),
        }
    }
}

impl serde::Serialize for EncodePath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Result of [`encode_for_upload`].
pub struct Encoded {
    /// Media type of `bytes`.
    pub format: OutputFormat,
    /// The upload bytes.
    pub bytes: Vec<u8>,
    /// How they were produced.
    pub path: EncodePath,
    /// Plain-sentence notes (e.g. quality had to go below the minimum).
    pub problems: Vec<String>,
}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoded")
            .field("format", &self.format)
            .field("bytes", &format_args!("<{} bytes redacted>", self.bytes.len()))
            .field("path", &self.path)
            .finish()
    }
}

/// Lossless PNG.
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>, FaceError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive)
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgb8)
        .map_err(|e| FaceError::Encode(format!("PNG: {e}")))?;
    Ok(out)
}

/// Baseline JPEG at `quality` (1–100).
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, FaceError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgb8)
        .map_err(|e| FaceError::Encode(format!("JPEG: {e}")))?;
    Ok(out)
}

/// JPEG at the highest quality in [floor, start] that fits (binary search; size grows with
/// quality). Returns the floor-quality result when nothing fits.
fn jpeg_search(image: &RgbImage, policy: &EncodePolicy) -> Result<(Vec<u8>, u8), FaceError> {
    let start = policy.jpeg_start_quality.clamp(1, 100);
    let floor = policy.jpeg_floor_quality.clamp(1, start);
    let first = encode_jpeg(image, start)?;
    if first.len() <= policy.max_bytes {
        return Ok((first, start));
    }
    let mut best = encode_jpeg(image, floor)?;
    let mut best_q = floor;
    if best.len() > policy.max_bytes {
        return Ok((best, floor));
    }
    // Invariant: best_q fits, hi does not.
    let mut hi = start;
    while hi - best_q > 1 {
        let mid = best_q + (hi - best_q) / 2;
        let b = encode_jpeg(image, mid)?;
        if b.len() <= policy.max_bytes {
            best = b;
            best_q = mid;
        } else {
            hi = mid;
        }
    }
    Ok((best, best_q))
}

/// Produce the upload bytes following `policy`.
pub fn encode_for_upload(
    original: &[u8],
    input: InputFormat,
    image: &RgbImage,
    policy: &EncodePolicy,
) -> Result<Encoded, FaceError> {
    let mut problems = Vec::new();
    let max = policy.max_bytes;
    let jpeg = |problems: &mut Vec<String>| -> Result<Encoded, FaceError> {
        let (bytes, quality) = jpeg_search(image, policy)?;
        if quality < policy.jpeg_min_quality {
            problems.push(format!(
                "JPEG quality had to be lowered to {quality} (below {}) to fit the size limit.",
                policy.jpeg_min_quality
            ));
        }
        Ok(Encoded {
            format: OutputFormat::Jpeg,
            bytes,
            path: EncodePath::Jpeg { quality },
            problems: Vec::new(),
        })
    };
    let original_as = match input {
        InputFormat::Jpeg => Some(OutputFormat::Jpeg),
        InputFormat::Jp2 => Some(OutputFormat::Jp2),
        InputFormat::Png => Some(OutputFormat::Png),
        InputFormat::J2k => None,
    };
    let mut enc = match policy.mode {
        EncodeMode::Original if original_as.is_some() => Encoded {
            format: original_as.unwrap_or(OutputFormat::Png),
            bytes: original.to_vec(),
            path: EncodePath::Original,
            problems: Vec::new(),
        },
        // The chip's own bytes, unchanged, when the API takes their format and they fit: no
        // re-encoding, and a JP2 is several times smaller than the same pixels as PNG.
        EncodeMode::Auto
            if matches!(input, InputFormat::Jpeg | InputFormat::Jp2) && original.len() <= max =>
        {
            Encoded {
                format: original_as.unwrap_or(OutputFormat::Png),
                bytes: original.to_vec(),
                path: EncodePath::Original,
                problems: Vec::new(),
            }
        }
        EncodeMode::Jpeg => jpeg(&mut problems)?,
        EncodeMode::Png => Encoded {
            format: OutputFormat::Png,
            bytes: encode_png(image)?,
            path: EncodePath::Png,
            problems: Vec::new(),
        },
        EncodeMode::Auto | EncodeMode::Original => {
            if policy.mode == EncodeMode::Original {
                problems.push(
                    "The original is a raw JPEG 2000 codestream, which the API does not accept; \
                     it was re-encoded."
                        .to_string(),
                );
            }
            let png = encode_png(image)?;
            if png.len() <= max {
                Encoded {
                    format: OutputFormat::Png,
                    bytes: png,
                    path: EncodePath::Png,
                    problems: Vec::new(),
                }
            } else {
                jpeg(&mut problems)?
            }
        }
    };
    if enc.bytes.len() > max {
        problems.push(format!(
            "The upload image is {} bytes, over the {max}-byte limit.",
            enc.bytes.len()
        ));
    }
    enc.problems = problems;
    Ok(enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(w: u32, h: u32) -> RgbImage {
        let mut s = 12345u32;
        RgbImage::from_fn(w, h, |_, _| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let b = s.to_be_bytes();
            image::Rgb([b[0], b[1], b[2]])
        })
    }

    #[test]
    fn small_jpeg_is_uploaded_unchanged() {
        let img = noisy(64, 64);
        let jpg = encode_jpeg(&img, 90).unwrap();
        let e = encode_for_upload(&jpg, InputFormat::Jpeg, &img, &EncodePolicy::default()).unwrap();
        assert_eq!(e.path, EncodePath::Original);
        assert_eq!(e.bytes, jpg);
    }

    #[test]
    fn a_jp2_that_fits_is_uploaded_as_is() {
        let img = noisy(64, 64);
        let e =
            encode_for_upload(b"jp2", InputFormat::Jp2, &img, &EncodePolicy::default()).unwrap();
        assert_eq!((e.path, e.format), (EncodePath::Original, OutputFormat::Jp2));
        assert_eq!(e.bytes, b"jp2");
    }

    #[test]
    fn a_jp2_or_codestream_that_cannot_go_as_is_becomes_png() {
        let img = noisy(64, 64);
        let small = EncodePolicy { max_bytes: 3, ..EncodePolicy::default() };
        let over = encode_for_upload(b"jp2!", InputFormat::Jp2, &img, &small).unwrap();
        assert_eq!(over.path, EncodePath::Jpeg { quality: 40 }, "PNG does not fit 3 bytes");
        let policy = EncodePolicy::default();
        let e = encode_for_upload(b"j2k", InputFormat::J2k, &img, &policy).unwrap();
        assert_eq!(e.path, EncodePath::Png, "the API takes no raw codestream");
        assert!(e.bytes.starts_with(b"\x89PNG"));
        let back = image::load_from_memory(&e.bytes).unwrap().into_rgb8();
        assert_eq!(back, img);
    }

    #[test]
    fn the_limit_is_two_million_bytes() {
        assert_eq!(EncodePolicy::default().max_bytes, 2_000_000);
        let img = noisy(8, 8);
        let mut big = b"\xFF\xD8".to_vec();
        big.resize(2_000_001, 0);
        let e = encode_for_upload(&big, InputFormat::Jpeg, &img, &EncodePolicy::default()).unwrap();
        assert_ne!(e.path, EncodePath::Original, "2 000 001 bytes are re-encoded");
        let mut fits = big;
        fits.truncate(2_000_000);
        let e =
            encode_for_upload(&fits, InputFormat::Jpeg, &img, &EncodePolicy::default()).unwrap();
        assert_eq!(e.path, EncodePath::Original);
    }

    #[test]
    fn oversized_png_falls_back_to_highest_fitting_jpeg_quality() {
        let img = noisy(256, 256);
        let png_len = encode_png(&img).unwrap().len();
        let q95 = encode_jpeg(&img, 95).unwrap().len();
        let q93 = encode_jpeg(&img, 93).unwrap().len();
        let q94 = encode_jpeg(&img, 94).unwrap().len();
        assert!(q93 < q94 && q94 < q95 && q95 < png_len);
        let policy = EncodePolicy { max_bytes: q94 - 1, ..EncodePolicy::default() };
        let e = encode_for_upload(b"x", InputFormat::J2k, &img, &policy).unwrap();
        assert_eq!(e.path, EncodePath::Jpeg { quality: 93 });
        assert!(e.bytes.len() <= policy.max_bytes);
        assert!(e.problems.is_empty(), "{:?}", e.problems);
    }

    #[test]
    fn impossible_limit_is_reported() {
        let img = noisy(64, 64);
        let policy = EncodePolicy { max_bytes: 100, ..EncodePolicy::default() };
        let e = encode_for_upload(b"x", InputFormat::J2k, &img, &policy).unwrap();
        assert_eq!(e.path, EncodePath::Jpeg { quality: 40 });
        assert_eq!(e.problems.len(), 2, "{:?}", e.problems);
    }

    #[test]
    fn forced_png_mode() {
        let img = noisy(16, 16);
        let jpg = encode_jpeg(&img, 90).unwrap();
        let policy = EncodePolicy { mode: EncodeMode::Png, ..EncodePolicy::default() };
        let e = encode_for_upload(&jpg, InputFormat::Jpeg, &img, &policy).unwrap();
        assert_eq!(e.format, OutputFormat::Png);
    }
}
