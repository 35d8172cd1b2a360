//! Camera frames to pictures: YUYV 4:2:2 to RGB (ITU-R BT.601, limited range, as UVC
//! cameras send it), Motion-JPEG frames made into complete JPEG files (UVC MJPEG frames
//! usually leave out the Huffman tables, expecting the standard ones of ITU T.81 Annex K.3),
//! and the downscaled live preview. Pure functions over untrusted bytes: every length is
//! checked, nothing panics.

use image::RgbImage;

/// Why a frame cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is {got} bytes, {want} expected for its size")]
    Short { got: usize, want: usize },
    #[error("the frame size {width}x{height} (row stride {stride}) is not usable")]
    BadSize { width: u32, height: u32, stride: usize },
    #[error("the JPEG frame is malformed: {0}")]
    BadJpeg(&'static str),
}

/// Converts a packed YUYV frame (`Y0 U Y1 V` per pixel pair, `stride` bytes a row) to RGB.
pub fn yuyv_to_rgb(
    data: &[u8],
    width: u32,
    height: u32,
    stride: usize,
) -> Result<RgbImage, FrameError> {
    let bad = FrameError::BadSize { width, height, stride };
    if width == 0
        || height == 0
        || !width.is_multiple_of(2)
        || u64::from(width) * u64::from(height) > super::resolution::MAX_PIXELS
    {
        return Err(bad);
    }
    let row = width as usize * 2;
    if stride < row {
        return Err(bad);
    }
    let want = stride * (height as usize - 1) + row;
    if data.len() < want {
        return Err(FrameError::Short { got: data.len(), want });
    }
    let mut out = RgbImage::new(width, height);
    for (y, out_row) in out.rows_mut().enumerate() {
        let src = &data[y * stride..y * stride + row];
        let mut px = out_row;
        for quad in src.chunks_exact(4) {
            let (u, v) = (quad[1], quad[3]);
            for yy in [quad[0], quad[2]] {
                if let Some(p) = px.next() {
                    p.0 = bt601(yy, u, v);
                }
            }
        }
    }
    Ok(out)
}

/// One pixel, BT.601 limited range (Y 16–235, Cb/Cr 16–240), integer arithmetic.
fn bt601(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = (i32::from(y) - 16).max(0) * 298;
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
    [clamp(c + 409 * e), clamp(c - 100 * d - 208 * e), clamp(c + 516 * d)]
}

/// The standard Huffman tables (ITU T.81 Annex K.3, Tables K.3–K.6) as one DHT segment:
/// class/id, 16 code counts, then the values, for DC 0, AC 0, DC 1, AC 1.
const DC_LUMA_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CHROMA_BITS: [u8; 16] = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_BITS: [u8; 16] = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
#[rustfmt::skip]
const AC_LUMA_VALUES: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
];
const AC_CHROMA_BITS: [u8; 16] = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
#[rustfmt::skip]
const AC_CHROMA_VALUES: [u8; 162] = [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
];

/// The DHT marker segment holding the four standard tables.
fn standard_dht() -> Vec<u8> {
    let tables: [(u8, &[u8; 16], &[u8]); 4] = [
        (0x00, &DC_LUMA_BITS, &DC_VALUES),
        (0x10, &AC_LUMA_BITS, &AC_LUMA_VALUES),
        (0x01, &DC_CHROMA_BITS, &DC_VALUES),
        (0x11, &AC_CHROMA_BITS, &AC_CHROMA_VALUES),
    ];
    let body: Vec<u8> = tables
        .iter()
        .flat_map(|(tc_th, bits, values)| {
            std::iter::once(*tc_th).chain(bits.iter().copied()).chain(values.iter().copied())
        })
        .collect();
    let len = (body.len() + 2) as u16;
    let mut seg = vec![0xFF, 0xC4];
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(&body);
    seg
}

/// Makes a Motion-JPEG frame a complete JPEG file: when no DHT segment precedes the first
/// SOS, the standard tables are inserted before it; otherwise the frame is returned as is.
/// The marker segments before SOS are walked with every length checked.
pub fn mjpeg_to_jpeg(frame: &[u8]) -> Result<Vec<u8>, FrameError> {
    if !frame.starts_with(&[0xFF, 0xD8]) {
        return Err(FrameError::BadJpeg("no start-of-image marker"));
    }
    let mut pos = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while frame.get(pos) == Some(&0xFF) && frame.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (frame.get(pos), frame.get(pos + 1)) else {
            return Err(FrameError::BadJpeg("a marker is missing before the scan"));
        };
        match marker {
            0xC4 => return Ok(frame.to_vec()),
            0xDA => {
                let dht = standard_dht();
                let mut out = Vec::with_capacity(frame.len() + dht.len());
                out.extend_from_slice(&frame[..pos]);
                out.extend_from_slice(&dht);
                out.extend_from_slice(&frame[pos..]);
                return Ok(out);
            }
            0xD9 => return Err(FrameError::BadJpeg("the image ends before any scan")),
            0x01 | 0xD0..=0xD7 => pos += 2,
            _ => {
                let len = match frame.get(pos + 2..pos + 4) {
                    Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
                    _ => return Err(FrameError::BadJpeg("a segment is cut short")),
                };
                if len < 2 || pos + 2 + len > frame.len() {
                    return Err(FrameError::BadJpeg("a segment length runs past the frame"));
                }
                pos += 2 + len;
            }
        }
    }
}

/// Longest side of a preview frame.
pub const PREVIEW_MAX_SIDE: u32 = 640;

/// A preview of `img` no larger than [`PREVIEW_MAX_SIDE`] a side (never enlarged).
pub fn preview(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let longest = w.max(h);
    if longest <= PREVIEW_MAX_SIDE {
        return img.clone();
    }
    let scale = PREVIEW_MAX_SIDE as f32 / longest as f32;
    let nw = ((w as f32 * scale).round() as u32).max(1);
    let nh = ((h as f32 * scale).round() as u32).max(1);
    image::imageops::thumbnail(img, nw, nh)
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
