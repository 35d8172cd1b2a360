//! Which camera resolution to ask for, and what it gives on a passport page.
//!
//! Assumptions, stated once: a TD3 data page is 125 mm × 88 mm (ICAO 9303 Part 4 §4.1,
//! ISO/IEC 7810 ID-3); the camera sees the whole page and the page fills the frame as far
//! as its aspect allows (a margin around it lowers every figure proportionally); the
//! printed portrait's eye distance is about 8 mm (a 35 × 45 mm-class portrait whose face
//! is about 70 % of its height). The 85-px eye rule therefore needs about 85 / 8 =
//! 10.6 px/mm on the page, about 270 dpi.

/// A pixel format the kiosk decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Motion JPEG: each frame a JPEG (often without Huffman tables).
    Mjpeg,
    /// YUYV 4:2:2, packed `Y0 U Y1 V`.
    Yuyv,
}

/// A frame size a camera offers in a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSize {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
}

impl FrameSize {
    fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// TD3 data page width, mm.
pub const PAGE_WIDTH_MM: f32 = 125.0;
/// TD3 data page height, mm.
pub const PAGE_HEIGHT_MM: f32 = 88.0;
/// Assumed eye distance of the printed portrait, mm.
pub const PRINTED_EYE_DISTANCE_MM: f32 = 8.0;
/// Largest frame side asked for (the page decoder's limit).
pub const MAX_SIDE: u32 = 8192;
/// Largest frame asked for, pixels (the page decoder's limit).
pub const MAX_PIXELS: u64 = 16 * 1024 * 1024;

/// The highest resolution offered within the decoder's limits; between equal sizes MJPEG
/// (a USB 2 camera sends its large sizes only compressed, at a usable frame rate).
pub fn choose(offered: &[FrameSize]) -> Option<FrameSize> {
    offered
        .iter()
        .filter(|f| {
            f.width > 0
                && f.height > 0
                && f.width <= MAX_SIDE
                && f.height <= MAX_SIDE
                && f.pixels() <= MAX_PIXELS
        })
        .max_by_key(|f| (f.pixels(), f.format == PixelFormat::Mjpeg))
        .copied()
}

/// The largest size of a stepwise (or continuous) range within the decoder's limits,
/// keeping the range's largest aspect and landing on its steps; `None` when even the
/// smallest size is beyond the limits.
pub fn stepwise_largest(min: (u32, u32), max: (u32, u32), step: (u32, u32)) -> Option<(u32, u32)> {
    let (w, h) = (max.0 as f64, max.1 as f64);
    let mut scale = (MAX_SIDE as f64 / w).min(MAX_SIDE as f64 / h).min(1.0);
    scale = scale.min((MAX_PIXELS as f64 / (w * h)).sqrt());
    let snap = |full: u32, lo: u32, st: u32| -> u32 {
        let want = (full as f64 * scale).floor() as u32;
        let st = st.max(1);
        lo + (want.saturating_sub(lo) / st) * st
    };
    let (sw, sh) = (snap(max.0, min.0, step.0), snap(max.1, min.1, step.1));
    let fits = sw > 0
        && sh > 0
        && sw <= MAX_SIDE
        && sh <= MAX_SIDE
        && u64::from(sw) * u64::from(sh) <= MAX_PIXELS;
    fits.then_some((sw, sh))
}

/// What a frame size gives on a passport page that fills it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageResolution {
    /// Pixels per millimetre of page.
    pub px_per_mm: f32,
    /// The same in dots per inch.
    pub dpi: f32,
    /// Expected eye distance of the printed portrait, pixels.
    pub eye_distance_px: f32,
    /// Whether that meets the 85-px rule.
    pub meets: bool,
}

/// The page resolution of a `width` × `height` frame.
pub fn page_resolution(width: u32, height: u32) -> PageResolution {
    let px_per_mm = (width as f32 / PAGE_WIDTH_MM).min(height as f32 / PAGE_HEIGHT_MM);
    let eye_distance_px = px_per_mm * PRINTED_EYE_DISTANCE_MM;
    PageResolution {
        px_per_mm,
        dpi: px_per_mm * 25.4,
        eye_distance_px,
        meets: eye_distance_px >= crate::face::MIN_EYE_DISTANCE_PX,
    }
}

/// The sentence staff see about a camera at `width` × `height`.
pub fn note(width: u32, height: u32) -> String {
    let r = page_resolution(width, height);
    if r.meets {
        format!(
            "This camera gives about {:.0} dpi on a passport page that fills the picture \
             (about {:.0} px between the printed eyes; {} needed).",
            r.dpi,
            r.eye_distance_px,
            crate::face::MIN_EYE_DISTANCE_PX
        )
    } else {
        format!(
            "Too low: this camera gives about {:.0} dpi on a passport page that fills the \
             picture (about {:.0} px between the printed eyes; {} needed). Use a camera of at \
             least 1920 × 1080, or scan the page at 600 dpi.",
            r.dpi,
            r.eye_distance_px,
            crate::face::MIN_EYE_DISTANCE_PX
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(format: PixelFormat, width: u32, height: u32) -> FrameSize {
        FrameSize { format, width, height }
    }

    #[test]
    fn the_largest_size_is_chosen_mjpeg_on_a_tie_within_limits() {
        use PixelFormat::*;
        let offered = [
            fs(Yuyv, 640, 480),
            fs(Yuyv, 1920, 1080),
            fs(Mjpeg, 1920, 1080),
            fs(Mjpeg, 1280, 720),
            fs(Yuyv, 2592, 1944),
        ];
        assert_eq!(choose(&offered), Some(fs(Yuyv, 2592, 1944)));
        assert_eq!(choose(&offered[..4]), Some(fs(Mjpeg, 1920, 1080)));
        assert_eq!(choose(&[fs(Mjpeg, 1920, 1080), fs(Yuyv, 1920, 1080)]).unwrap().format, Mjpeg);
        // Absurd sizes a driver may report (stepwise maxima) are not asked for.
        assert_eq!(
            choose(&[fs(Mjpeg, 65535, 65535), fs(Mjpeg, 9000, 100), fs(Yuyv, 800, 600)]),
            Some(fs(Yuyv, 800, 600))
        );
        assert_eq!(choose(&[fs(Mjpeg, 0, 0)]), None);
        assert_eq!(choose(&[]), None);
    }

    #[test]
    fn a_stepwise_range_gives_its_largest_size_within_the_limits() {
        assert_eq!(stepwise_largest((16, 16), (1920, 1080), (8, 8)), Some((1920, 1080)));
        // 65535 × 65535 is cut to the pixel limit on the steps: 4096 × 4096.
        assert_eq!(stepwise_largest((1, 1), (65535, 65535), (1, 1)), Some((4096, 4096)));
        let (w, h) = stepwise_largest((32, 32), (10000, 5000), (16, 16)).unwrap();
        assert!(u64::from(w) * u64::from(h) <= MAX_PIXELS && w % 16 == 0 && h % 16 == 0);
        assert!(w > 5000 && h > 2500, "{w}x{h}");
        assert_eq!(stepwise_largest((9000, 9000), (9000, 9000), (1, 1)), None);
        assert_eq!(stepwise_largest((0, 0), (0, 0), (0, 0)), None);
    }

    #[test]
    fn the_page_resolution_follows_the_stated_assumptions() {
        // 1920 × 1080: the height limits, 1080 / 88 = 12.27 px/mm = 312 dpi, 98 px eyes.
        let r = page_resolution(1920, 1080);
        assert!((r.px_per_mm - 12.27).abs() < 0.01, "{r:?}");
        assert!((r.dpi - 311.7).abs() < 0.5, "{r:?}");
        assert!((r.eye_distance_px - 98.2).abs() < 0.1, "{r:?}");
        assert!(r.meets);
        // 1280 × 720: 8.18 px/mm, 65 px eyes: too low.
        let r = page_resolution(1280, 720);
        assert!((r.eye_distance_px - 65.45).abs() < 0.1, "{r:?}");
        assert!(!r.meets);
        // The threshold: 85 px needs 10.625 px/mm, 270 dpi; 1329 × 935 just makes it.
        assert!(page_resolution(1329, 935).meets);
        assert!(!page_resolution(1328, 935).meets);
        assert!((page_resolution(1329, 935).dpi - 270.0).abs() < 0.2);
    }

    #[test]
    fn staff_are_told_whether_the_camera_is_enough() {
        let ok = note(3264, 2448);
        assert!(ok.starts_with("This camera gives about 663 dpi"), "{ok}");
        let low = note(1280, 720);
        assert!(low.starts_with("Too low: this camera gives about 208 dpi"), "{low}");
        assert!(low.contains("85 needed") && low.contains("600 dpi"), "{low}");
    }
}
