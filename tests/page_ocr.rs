//! The photo page's MRZ read by OCR (`page::mrz_ocr`) on synthetic TD3 and TD1 pages, and the
//! synthetic page generator's own truth.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "page_common/mod.rs"]
mod page_common;

use page_common::{Doc, PageSpec, render};

/// The generator's truth: the eye distance scales with the resolution, the MRZ lines are the
/// `Mrz`'s, and the MRZ axis has the page's rotation and 10-cpi length.
#[test]
fn generator_truth_is_consistent() {
    for doc in [Doc::Td3, Doc::Td1] {
        let (a, ta) = render(&PageSpec::specimen(doc, 300, 0.0));
        let (b, tb) = render(&PageSpec::specimen(doc, 600, 2.5));
        assert!((b.width() as f32 / a.width() as f32 - 2.0).abs() < 0.01);
        assert!((tb.eye_distance / ta.eye_distance - 2.0).abs() < 0.01);
        let (n, width) = if doc == Doc::Td3 { (2, 44) } else { (3, 30) };
        assert_eq!(ta.mrz_lines.len(), n);
        assert!(ta.mrz_lines.iter().all(|l| l.len() == width));
        let (s, e) = (tb.mrz_first_line_start, tb.mrz_first_line_end);
        let angle = -(e.1 - s.1).atan2(e.0 - s.0).to_degrees();
        assert!((angle - 2.5).abs() < 0.05, "axis angle {angle}");
        let len = ((e.0 - s.0).powi(2) + (e.1 - s.1).powi(2)).sqrt();
        assert!((len - width as f32 * tb.mrz_char_pitch).abs() < 1.0);
        // Ink on the MRZ axis, paper above the first line's cap height.
        let dark =
            |img: &image::RgbImage, x: f32, y: f32| img.get_pixel(x as u32, y as u32).0[0] < 128;
        let inked = (0..width)
            .filter(|i| {
                let x = s.0 + (*i as f32 + 0.5) * tb.mrz_char_pitch * (e.0 - s.0) / len;
                let y = s.1 + (*i as f32 + 0.5) * tb.mrz_char_pitch * (e.1 - s.1) / len;
                (-8..=8).any(|d| dark(&b, x + d as f32, y))
            })
            .count();
        assert!(inked >= width - 2, "{doc:?}: {inked} of {width} cells inked");
    }
}
