use super::*;

fn jpeg_of(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, ((x + y) % 256) as u8])
    })
}

/// The JPEG with every DHT segment before the scan removed, as a UVC camera sends it.
fn without_dht(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut pos = 2;
    loop {
        let marker = jpeg[pos + 1];
        if marker == 0xDA {
            out.extend_from_slice(&jpeg[pos..]);
            return out;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        if marker != 0xC4 {
            out.extend_from_slice(&jpeg[pos..pos + 2 + len]);
        }
        pos += 2 + len;
    }
}

fn decode(jpeg: &[u8]) -> Option<RgbImage> {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).ok().map(|i| i.to_rgb8())
}

#[test]
fn the_standard_tables_have_the_counts_t81_gives() {
    let sum = |b: &[u8; 16]| b.iter().map(|&x| usize::from(x)).sum::<usize>();
    assert_eq!(sum(&DC_LUMA_BITS), 12);
    assert_eq!(sum(&DC_CHROMA_BITS), 12);
    assert_eq!(sum(&AC_LUMA_BITS), 162);
    assert_eq!(sum(&AC_CHROMA_BITS), 162);
    // 2 (length) + 4 × (1 + 16) + 12 + 162 + 12 + 162.
    assert_eq!(standard_dht().len(), 2 + 2 + 4 * 17 + 2 * 12 + 2 * 162);
}

#[test]
fn an_mjpeg_frame_without_tables_decodes_like_the_original_once_completed() {
    // The `image` encoder writes the Annex K tables; taking them out makes a UVC-style frame.
    let img = gradient(96, 64);
    let jpeg = jpeg_of(&img);
    let frame = without_dht(&jpeg);
    assert!(frame.len() < jpeg.len());
    assert!(decode(&frame).is_none(), "the page decoder needs the tables");
    let fixed = mjpeg_to_jpeg(&frame).unwrap();
    assert_eq!(decode(&fixed).expect("the completed frame decodes"), decode(&jpeg).unwrap());
    // A frame that has its tables is left as it is.
    assert_eq!(mjpeg_to_jpeg(&jpeg).unwrap(), jpeg);
}

#[test]
fn a_malformed_mjpeg_frame_is_an_error_not_a_panic() {
    let jpeg = without_dht(&jpeg_of(&gradient(16, 16)));
    assert!(mjpeg_to_jpeg(b"").is_err());
    assert!(mjpeg_to_jpeg(b"\x89PNG").is_err());
    assert!(mjpeg_to_jpeg(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    assert!(mjpeg_to_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF]).is_err());
    assert!(mjpeg_to_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]).is_err());
    // Every truncation of a real frame before its scan is refused or completed, never a panic.
    for cut in 0..jpeg.len() {
        let _ = mjpeg_to_jpeg(&jpeg[..cut]);
    }
}

#[test]
fn yuyv_converts_with_bt601_limited_range() {
    // Two pixel pairs: black (Y 16), white (Y 235), grey, and a saturated red (BT.601:
    // R 255 ≈ Y 81, Cb 90, Cr 240).
    let data = [16, 128, 235, 128, 126, 128, 126, 128, 81, 90, 81, 240];
    let img = yuyv_to_rgb(&data, 6, 1, 12).unwrap();
    assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
    assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255]);
    assert_eq!(img.get_pixel(2, 0).0, [128, 128, 128]);
    let red = img.get_pixel(4, 0).0;
    assert!(red[0] >= 250 && red[1] <= 5 && red[2] <= 5, "{red:?}");
}

#[test]
fn yuyv_honours_the_row_stride_and_checks_lengths() {
    // 2 × 2 frame with 4 padding bytes a row.
    let data = [16, 128, 16, 128, 9, 9, 9, 9, 235, 128, 235, 128];
    let img = yuyv_to_rgb(&data, 2, 2, 8).unwrap();
    assert_eq!(img.get_pixel(1, 0).0, [0, 0, 0]);
    assert_eq!(img.get_pixel(0, 1).0, [255, 255, 255]);
    assert_eq!(yuyv_to_rgb(&data[..11], 2, 2, 8), Err(FrameError::Short { got: 11, want: 12 }));
    assert!(matches!(yuyv_to_rgb(&data, 3, 1, 8), Err(FrameError::BadSize { .. })));
    assert!(matches!(yuyv_to_rgb(&data, 2, 2, 2), Err(FrameError::BadSize { .. })));
    assert!(matches!(yuyv_to_rgb(&data, 0, 2, 8), Err(FrameError::BadSize { .. })));
    assert!(matches!(yuyv_to_rgb(&data, 65536, 65536, 1 << 20), Err(FrameError::BadSize { .. })));
}

#[test]
fn the_preview_is_downscaled_never_enlarged() {
    let big = preview(&gradient(1920, 1080));
    assert_eq!(big.dimensions(), (640, 360));
    let small = preview(&gradient(320, 200));
    assert_eq!(small.dimensions(), (320, 200));
}
