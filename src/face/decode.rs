//! Bounded decode of JPEG (ITU T.81, via `image`/zune-jpeg), JPEG 2000 (ISO/IEC 15444-1,
//! JP2 and raw codestreams, via `hayro-jpeg2000`) and PNG into 8-bit RGB.
//!
//! The header is read first ([`super::header`]) and checked against [`DecodeLimits`]
//! before any decoder runs, so a forged size cannot make the process allocate terabytes.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
use image::{ImageFormat, RgbImage};

use super::FaceError;
use super::header::{HeaderInfo, InputFormat, read_header};

/// Caps applied to the header before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted input, in bytes.
    pub max_input_bytes: usize,
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Largest width × height.
    pub max_pixels: u64,
    /// Largest number of components.
    pub max_components: u32,
    /// Largest number of JPEG 2000 tiles.
    pub max_tiles: u64,
    /// Ask the JPEG 2000 decoder to reject non-conforming streams instead of repairing them.
    pub strict: bool,
}

impl Default for DecodeLimits {
    /// Generous for passport photos (typically 240–1000 px wide), far from harmful.
    fn default() -> Self {
        DecodeLimits {
            max_input_bytes: 16 * 1024 * 1024,
            max_side: 8192,
            max_pixels: 16 * 1024 * 1024,
            max_components: 4,
            max_tiles: 4096,
            strict: true,
        }
    }
}

/// A decoded image with the format it came from.
#[derive(Clone)]
pub struct Decoded {
    /// The format identified from the bytes.
    pub format: InputFormat,
    /// 8-bit RGB pixels (grey is expanded, alpha dropped).
    pub image: RgbImage,
}

impl Drop for Decoded {
    fn drop(&mut self) {
        let pixels: &mut [u8] = &mut self.image;
        zeroize::Zeroize::zeroize(pixels);
    }
}

impl zeroize::ZeroizeOnDrop for Decoded {}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("format", &self.format)
            .field("width", &self.image.width())
            .field("height", &self.image.height())
            .field("pixels", &"<redacted>")
            .finish()
    }
}

/// Check a header against the limits.
pub fn check_header(h: &HeaderInfo, limits: &DecodeLimits) -> Result<(), FaceError> {
    let too_large = |what: String| FaceError::TooLarge { format: h.format.name(), what };
    if h.width == 0 || h.height == 0 {
        return Err(FaceError::Header {
            format: h.format.name(),
            what: format!("image has zero size {}x{}", h.width, h.height),
        });
    }
    if h.width > limits.max_side || h.height > limits.max_side {
        return Err(too_large(format!(
            "{}x{} pixels exceeds the {} px side limit",
            h.width, h.height, limits.max_side
        )));
    }
    if u64::from(h.width) * u64::from(h.height) > limits.max_pixels {
        return Err(too_large(format!(
            "{}x{} pixels exceeds the {} pixel limit",
            h.width, h.height, limits.max_pixels
        )));
    }
    if h.components == 0 || h.components > limits.max_components {
        return Err(too_large(format!("{} components", h.components)));
    }
    if h.tiles > limits.max_tiles {
        return Err(too_large(format!("{} tiles", h.tiles)));
    }
    Ok(())
}

/// Decode with the default limits.
pub fn decode(bytes: &[u8]) -> Result<Decoded, FaceError> {
    decode_with_limits(bytes, &DecodeLimits::default())
}

/// Decode JPEG, JP2, J2K or PNG bytes into RGB, refusing anything beyond `limits`.
///
/// Pure and `Send`: call it from a worker thread, never from the UI thread.
pub fn decode_with_limits(bytes: &[u8], limits: &DecodeLimits) -> Result<Decoded, FaceError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(FaceError::InputTooLarge { bytes: bytes.len(), limit: limits.max_input_bytes });
    }
    let header = read_header(bytes)?;
    check_header(&header, limits)?;
    // Third-party decoders may assert on malformed data; a panic there must become an
    // error, not a crash. Allocation is already bounded by the header check above.
    let result = catch_unwind(AssertUnwindSafe(|| match header.format {
        InputFormat::Jpeg => decode_with_image(bytes, ImageFormat::Jpeg, &header, limits),
        InputFormat::Png => decode_with_image(bytes, ImageFormat::Png, &header, limits),
        InputFormat::Jp2 | InputFormat::J2k => decode_jpeg2000(bytes, &header, limits),
    }));
    let image = match result {
        Ok(r) => r?,
        Err(_) => {
            return Err(FaceError::Decode {
                format: header.format.name(),
                what: "the decoder rejected malformed data (internal check failed)".into(),
            });
        }
    };
    Ok(Decoded { format: header.format, image })
}

fn decode_with_image(
    bytes: &[u8],
    format: ImageFormat,
    header: &HeaderInfo,
    limits: &DecodeLimits,
) -> Result<RgbImage, FaceError> {
    let derr = |e: image::ImageError| FaceError::Decode {
        format: header.format.name(),
        what: e.to_string(),
    };
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // The JPEG decoder would fill a truncated image with grey; refuse it instead.
        return Err(FaceError::Decode {
            format: header.format.name(),
            what: "truncated: no end-of-image marker (FFD9)".into(),
        });
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(l);
    let img = reader.decode().map_err(derr)?;
    let rgb = img.into_rgb8();
    if (rgb.width(), rgb.height()) != (header.width, header.height) {
        return Err(FaceError::Decode {
            format: header.format.name(),
            what: "decoded size differs from the header".into(),
        });
    }
    Ok(rgb)
}

/// A complete JPEG ends with EOI, possibly followed by zero padding.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes.get(..end).is_some_and(|b| b.ends_with(&[0xFF, 0xD9]))
}

fn decode_jpeg2000(
    bytes: &[u8],
    header: &HeaderInfo,
    limits: &DecodeLimits,
) -> Result<RgbImage, FaceError> {
    let name = header.format.name();
    let derr =
        |e: hayro_jpeg2000::DecodeError| FaceError::Decode { format: name, what: format!("{e:?}") };
    let settings = DecodeSettings {
        resolve_palette_indices: true,
        strict: limits.strict,
        target_resolution: None,
    };
    let image = Image::new(bytes, &settings).map_err(derr)?;
    let (w, h) = (image.width(), image.height());
    if (w, h) != (header.width, header.height) {
        return Err(FaceError::Decode {
            format: name,
            what: "codestream size differs from the header".into(),
        });
    }
    let channels = usize::from(image.color_space().num_channels());
    let alpha = usize::from(image.has_alpha());
    let is_cmyk = matches!(image.color_space(), ColorSpace::CMYK);
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(derr)?;
    let comps = decoded.components();
    let stride = channels + alpha;
    let pixels = (w as usize)
        .checked_mul(h as usize)
        .ok_or_else(|| FaceError::Decode { format: name, what: "size overflows".into() })?;
    if comps.len() != stride || comps.iter().any(|c| c.samples().len() != pixels) {
        return Err(FaceError::Decode {
            format: name,
            what: format!(
                "decoder returned {} components for a {}-channel image",
                comps.len(),
                stride
            ),
        });
    }
    let mut data = zeroize::Zeroizing::new(vec![0u8; pixels * stride]);
    decoded.store_u8_into(&mut data);
    let mut out = RgbImage::new(w, h);
    for (px, src) in out.pixels_mut().zip(data.chunks_exact(stride)) {
        px.0 = match (channels, src) {
            (1, [g, ..]) => [*g, *g, *g],
            (4, [c, m, y, k, ..]) if is_cmyk => {
                let k = 255 - u32::from(*k);
                let f = |v: u8| ((255 - u32::from(v)) * k / 255) as u8;
                [f(*c), f(*m), f(*y)]
            }
            (_, [r, g, b, ..]) => [*r, *g, *b],
            _ => {
                return Err(FaceError::Decode {
                    format: name,
                    what: format!("unsupported {channels}-channel colour space"),
                });
            }
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(width: u32, height: u32, components: u32, tiles: u64) -> HeaderInfo {
        HeaderInfo { format: InputFormat::J2k, width, height, components, tiles }
    }

    #[test]
    fn header_limits() {
        let l = DecodeLimits::default();
        assert!(check_header(&h(480, 640, 3, 1), &l).is_ok());
        assert!(matches!(check_header(&h(8193, 10, 3, 1), &l), Err(FaceError::TooLarge { .. })));
        assert!(matches!(check_header(&h(8000, 8000, 3, 1), &l), Err(FaceError::TooLarge { .. })));
        assert!(check_header(&h(480, 640, 5, 1), &l).is_err());
        assert!(check_header(&h(480, 640, 3, 5000), &l).is_err());
        assert!(check_header(&h(0, 640, 3, 1), &l).is_err());
    }

    #[test]
    fn jpeg_and_png_round_trip_through_decode() {
        let img = RgbImage::from_fn(33, 17, |x, y| image::Rgb([x as u8 * 7, y as u8 * 13, 99]));
        let png = super::super::encode::encode_png(&img).unwrap();
        let d = decode(&png).unwrap();
        assert_eq!(d.format, InputFormat::Png);
        assert_eq!(d.image, img);
        let jpg = super::super::encode::encode_jpeg(&img, 95).unwrap();
        let d = decode(&jpg).unwrap();
        assert_eq!((d.format, d.image.dimensions()), (InputFormat::Jpeg, (33, 17)));
    }

    #[test]
    fn truncated_jpeg_is_refused_not_shown_grey() {
        let img = RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 7]));
        let mut jpg = super::super::encode::encode_jpeg(&img, 90).unwrap();
        assert!(decode(&jpg).is_ok());
        jpg.extend_from_slice(&[0, 0, 0]);
        assert!(decode(&jpg).is_ok(), "zero padding after EOI is fine");
        let cut = &jpg[..jpg.len() * 2 / 3];
        let e = decode(cut).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn input_size_cap_and_unknown_format() {
        let l = DecodeLimits { max_input_bytes: 4, ..DecodeLimits::default() };
        assert!(matches!(
            decode_with_limits(&[0xFF, 0xD8, 0xFF, 0xE0, 0], &l),
            Err(FaceError::InputTooLarge { .. })
        ));
        assert!(matches!(decode(b"GIF89a.."), Err(FaceError::UnknownFormat)));
    }

    #[test]
    fn debug_redacts_pixels() {
        let d = Decoded { format: InputFormat::Png, image: RgbImage::new(2, 2) };
        assert!(format!("{d:?}").contains("<redacted>"));
    }
}
