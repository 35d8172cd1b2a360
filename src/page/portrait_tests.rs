//! Unit tests of the portrait crop on pages made here: a public-domain portrait (Grace
//! Hopper, tests/data/faces) printed into a TD3-sized page at a chosen resolution, the MRZ
//! band given as geometry (no OCR here), optionally rotated.

use super::*;
use crate::mrz::MrzFormat;

/// The portrait as printed: a 160 × 206 crop of astronaut.png (35 × 45 mm proportions)
/// with the hand-annotated eyes (tests/data/faces/PROVENANCE.md) moved into it.
fn printed_portrait() -> (RgbImage, (f32, f32), (f32, f32)) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faces/astronaut.png");
    let bytes = std::fs::read(path).unwrap();
    let img = crate::face::decode(&bytes).unwrap().image.clone();
    let (x, y) = (145, 9);
    let crop = image::imageops::crop_imm(&img, x, y, 160, 206).to_image();
    (crop, (203.5 - x as f32, 101.0 - y as f32), (246.5 - x as f32, 103.0 - y as f32))
}

struct Page {
    image: RgbImage,
    band: MrzBand,
    /// True eye centres on the page (image pixels).
    eyes: ((f32, f32), (f32, f32)),
}

/// A TD3 page at `dpi`, rotated `angle` degrees counter-clockwise about its centre, on a
/// white margin of 10 mm.
fn td3_page(dpi: f32, angle: f32) -> Page {
    let s = dpi / 25.4;
    let margin = 10.0 * s;
    let (w, h) = ((125.0 * s + 2.0 * margin) as u32, (88.0 * s + 2.0 * margin) as u32);
    let mut page = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    // The page: a pale tint; "text" bars to the right of the portrait.
    for (x, y, p) in page.enumerate_pixels_mut() {
        let (u, v) = ((x as f32 - margin) / s, (y as f32 - margin) / s);
        if (0.0..125.0).contains(&u) && (0.0..88.0).contains(&v) {
            *p = image::Rgb([236, 240, 232]);
            if u > 48.0 && u < 110.0 && v > 20.0 && v < 62.0 && (v as u32) % 6 < 2 {
                *p = image::Rgb([40, 40, 60]);
            }
        }
    }
    // The portrait: 35 × 45 mm at (5, 18) mm.
    let (portrait, l, r) = printed_portrait();
    let pw = (35.0 * s).round() as u32;
    let f = pw as f32 / portrait.width() as f32;
    let ph = (portrait.height() as f32 * f).round() as u32;
    let scaled = image::imageops::resize(&portrait, pw, ph, FilterType::Lanczos3);
    let at = (margin + 5.0 * s, margin + 18.0 * s);
    image::imageops::replace(&mut page, &scaled, at.0 as i64, at.1 as i64);
    let at = (at.0.floor(), at.1.floor());
    let eye = |p: (f32, f32)| (at.0 + p.0 * f, at.1 + p.1 * f);
    // The band: TD3 first line axis 11 mm above the bottom edge, first cell 6 mm from the
    // left edge, 44 cells long.
    let y = margin + 77.0 * s;
    let x0 = margin + 6.0 * s;
    let mut band = MrzBand {
        format: MrzFormat::Td3,
        first_line_start: (x0, y),
        first_line_end: (x0 + 44.0 * 2.54 * s, y),
        line_pitch: 4.23 * s,
        angle_deg: angle,
    };
    let mut eyes = (eye(l), eye(r));
    if angle != 0.0 {
        let c = (w as f32 / 2.0, h as f32 / 2.0);
        let a = angle.to_radians();
        let (ca, sa) = (a.cos(), a.sin());
        // Visual counter-clockwise rotation in y-down coordinates.
        let rot = |p: (f32, f32)| {
            let d = (p.0 - c.0, p.1 - c.1);
            (c.0 + d.0 * ca + d.1 * sa, c.1 - d.0 * sa + d.1 * ca)
        };
        // Output pixel q shows source point c + R⁻¹(q − c).
        let ex = (ca, sa);
        let ey = (-sa, ca);
        let origin = (c.0 - (c.0 * ex.0 + c.1 * ey.0), c.1 - (c.0 * ex.1 + c.1 * ey.1));
        page = sample(&page, &Frame { origin, ex, ey }, w, h);
        band.first_line_start = rot(band.first_line_start);
        band.first_line_end = rot(band.first_line_end);
        eyes = (rot(eyes.0), rot(eyes.1));
    }
    Page { image: page, band, eyes }
}

fn truth(p: &Page) -> f32 {
    rules::distance(p.eyes.0, p.eyes.1)
}

#[test]
fn the_face_is_found_in_the_zone_and_cropped_with_token_proportions() {
    let p = td3_page(300.0, 0.0);
    let got =
        crop_portrait(&p.image, Some(&p.band), InputFormat::Png, &EncodePolicy::default()).unwrap();
    assert_eq!(got.located, Located::PortraitZone, "{:?}", got.face.problems);
    assert!(got.zone.is_some());
    assert!(!got.too_small);
    assert_eq!(got.scale, 1.0);
    let d = got.face.eye_distance_px.unwrap();
    let t = truth(&p);
    assert!((d - t).abs() / t < 0.10, "measured {d}, truth {t}");
    // Token proportions: width 4 eye distances (3.2 at least), height 4/3 of it, eyes at
    // 0.6 W from the top and centred.
    let (w, h) = (got.face.width as f32, got.face.height as f32);
    assert!(w >= 3.2 * d - 2.0 && w <= 4.0 * d + 2.0, "{w} for {d}");
    assert!((h - w * 4.0 / 3.0).abs() <= 1.0);
    let (l, r) = got.face.eyes.unwrap();
    assert!(((l.0 + r.0) / 2.0 - w / 2.0).abs() <= 1.5, "{l:?} {r:?} in {w}");
    assert!(((l.1 + r.1) / 2.0 - 0.6 * w).abs() <= 1.5, "{l:?} {r:?} in {w}");
    assert!(got.dpi.is_some_and(|d| (d - 300.0).abs() < 1.0));
    assert!(got.face.meets_requirements, "{:?}", got.face.problems);
    // The bytes are the crop, at 1:1.
    let back = crate::face::decode(&got.face.bytes).unwrap();
    assert_eq!(back.image.dimensions(), (got.face.width, got.face.height));
}

#[test]
fn a_rotated_page_is_levelled_by_the_band() {
    for angle in [2.5f32, -3.0] {
        let p = td3_page(300.0, angle);
        let got =
            crop_portrait(&p.image, Some(&p.band), InputFormat::Png, &EncodePolicy::default())
                .unwrap();
        assert_eq!(got.located, Located::PortraitZone);
        assert!((got.rotation_deg - angle).abs() < 0.05, "{angle}: {}", got.rotation_deg);
        let (l, r) = got.face.eyes.unwrap();
        // Levelled: the eyes in the crop tilt as in the printed portrait (2.7°), within 1°.
        let (_, pl, pr) = printed_portrait();
        let own = (pr.1 - pl.1).atan2(pr.0 - pl.0).to_degrees();
        let tilt = (r.1 - l.1).atan2(r.0 - l.0).to_degrees();
        assert!((tilt - own).abs() < 1.0, "{angle}: eyes tilt {tilt}°, printed {own}°");
        let (d, t) = (got.face.eye_distance_px.unwrap(), truth(&p));
        assert!((d - t).abs() / t < 0.10, "{angle}: measured {d}, truth {t}");
    }
}

#[test]
fn below_85_px_the_crop_is_refused_and_never_upscaled() {
    let p = td3_page(150.0, 0.0);
    let t = truth(&p);
    assert!(t < 70.0, "test page eyes {t}");
    let got =
        crop_portrait(&p.image, Some(&p.band), InputFormat::Png, &EncodePolicy::default()).unwrap();
    assert!(got.too_small);
    assert!(!got.face.meets_requirements);
    assert_eq!(got.scale, 1.0, "never enlarged");
    let d = got.face.eye_distance_px.unwrap();
    assert!(d < MIN_EYE_DISTANCE_PX, "{d}");
    // The crop is at the page's own resolution: about 4 eye distances wide, not enlarged.
    assert!(got.face.width as f32 <= 4.0 * d + 2.0, "{} for {d}", got.face.width);
    let sentence = got.face.problems.iter().find(|p| p.contains("600 dpi")).unwrap();
    assert!(sentence.contains("150 dpi"), "{sentence}");
}

#[test]
fn without_a_band_the_whole_page_is_searched_and_that_is_said() {
    let p = td3_page(300.0, 2.0);
    let got = crop_portrait(&p.image, None, InputFormat::Png, &EncodePolicy::default()).unwrap();
    assert_eq!(got.located, Located::WholePageWithoutMrz);
    assert!(got.dpi.is_none() && got.zone.is_none());
    assert!(got.face.problems.iter().any(|s| s.contains("No MRZ was found")));
    let (d, t) = (got.face.eye_distance_px.unwrap(), truth(&p));
    assert!((d - t).abs() / t < 0.10, "measured {d}, truth {t}");
}

#[test]
fn a_page_without_a_face_is_a_typed_error() {
    let p = RgbImage::from_pixel(600, 400, image::Rgb([230, 230, 230]));
    let e = crop_portrait(&p, None, InputFormat::Png, &EncodePolicy::default()).unwrap_err();
    assert!(matches!(e, PortraitError::NoFace), "{e:?}");
}

#[test]
fn only_a_size_limit_the_encoder_cannot_meet_scales_down() {
    let p = td3_page(300.0, 0.0);
    // A limit no JPEG of this crop meets at any quality: scaled down, and said.
    let policy = EncodePolicy { max_bytes: 6_000, ..EncodePolicy::default() };
    let got = crop_portrait(&p.image, Some(&p.band), InputFormat::Png, &policy).unwrap();
    assert!(got.scale < 1.0, "{}", got.scale);
    assert!(got.face.bytes.len() <= 6_000, "{}", got.face.bytes.len());
    assert!(got.face.problems.iter().any(|s| s.contains("scaled down")));
    let full =
        crop_portrait(&p.image, Some(&p.band), InputFormat::Png, &EncodePolicy::default()).unwrap();
    assert_eq!(full.scale, 1.0);
    let expect = full.face.eye_distance_px.unwrap() * got.scale;
    assert!((got.face.eye_distance_px.unwrap() - expect).abs() < 0.5);
}

#[test]
fn upright_sampling_at_whole_pixels_copies_exactly() {
    let img = RgbImage::from_fn(20, 10, |x, y| image::Rgb([x as u8 * 10, y as u8 * 20, 7]));
    let out = sample(&img, &Frame::upright((3.0, 2.0)), 5, 4);
    for (i, j, p) in out.enumerate_pixels() {
        assert_eq!(p, img.get_pixel(i + 3, j + 2));
    }
    // Outside the page: white.
    let out = sample(&img, &Frame::upright((18.0, 0.0)), 4, 1);
    assert_eq!(out.get_pixel(3, 0).0, [255, 255, 255]);
}
