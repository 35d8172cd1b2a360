//! Page geometry from the MRZ (ICAO 9303 Part 3 §4.2: OCR-B at 10 characters per 25.4 mm;
//! Part 4 TD3 data page 125.0 × 88.0 mm with the portrait, zone V, on the left above the MRZ,
//! zone VII): the page's scale in pixels per millimetre, its rotation, and the rectangle the
//! portrait is searched in. A TD1 card (Part 5) carries its MRZ on the back and its portrait
//! on the front, so the MRZ gives the scale and rotation but no zone.
//!
//! The zone is taken generously (the nominal zone V plus a margin for the specification's
//! edge and print-position tolerances and for the band's measurement): the face locator then
//! finds the face inside it, so the zone only has to contain the portrait, never fit it.

use crate::mrz::MrzFormat;

use super::MrzBand;

/// OCR-B MRZ character pitch: 10 characters per inch (Part 3 §4.2.2).
pub const MRZ_CHAR_PITCH_MM: f32 = 2.54;

/// An oriented frame on the image: a point `origin` and unit axes `ex` (along the page's
/// text lines, rightwards) and `ey` (down the page), in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The frame's origin, image pixels (x right, y down).
    pub origin: (f32, f32),
    /// Unit vector along the page's lines, rightwards.
    pub ex: (f32, f32),
    /// Unit vector down the page (ex turned by +90° in image coordinates).
    pub ey: (f32, f32),
}

impl Frame {
    /// An upright frame at `origin`.
    pub fn upright(origin: (f32, f32)) -> Frame {
        Frame { origin, ex: (1.0, 0.0), ey: (0.0, 1.0) }
    }

    /// A frame whose x axis points along `dir` (need not be unit length; must be non-zero).
    pub fn along(origin: (f32, f32), dir: (f32, f32)) -> Option<Frame> {
        let len = (dir.0 * dir.0 + dir.1 * dir.1).sqrt();
        if !len.is_finite() || len < 1e-3 {
            return None;
        }
        let ex = (dir.0 / len, dir.1 / len);
        Some(Frame { origin, ex, ey: (-ex.1, ex.0) })
    }

    /// The image point at frame coordinates (u, v).
    pub fn to_image(&self, u: f32, v: f32) -> (f32, f32) {
        (
            self.origin.0 + u * self.ex.0 + v * self.ey.0,
            self.origin.1 + u * self.ex.1 + v * self.ey.1,
        )
    }

    /// The frame coordinates (u, v) of an image point.
    pub fn to_frame(&self, p: (f32, f32)) -> (f32, f32) {
        let d = (p.0 - self.origin.0, p.1 - self.origin.1);
        (d.0 * self.ex.0 + d.1 * self.ex.1, d.0 * self.ey.0 + d.1 * self.ey.1)
    }

    /// The page's rotation in degrees, counter-clockwise positive (as [`MrzBand::angle_deg`]).
    pub fn rotation_deg(&self) -> f32 {
        (-self.ex.1).atan2(self.ex.0).to_degrees()
    }

    /// The same axes with the origin moved to frame point (u, v).
    pub fn moved_to(&self, u: f32, v: f32) -> Frame {
        Frame { origin: self.to_image(u, v), ..*self }
    }
}

/// The nominal page of a format, millimetres, and where its portrait zone lies.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PageSpec {
    /// Page width and height.
    size: (f32, f32),
    /// Right edge of the portrait zone, from the page's left edge (zone V with margin).
    zone_right: f32,
    /// Height of the first MRZ line's axis above the page's bottom edge (inside zone VII).
    first_line_above_bottom: f32,
}

fn spec(format: MrzFormat) -> PageSpec {
    match format {
        // Part 4: 125.0 × 88.0 mm; the portrait (at most 35 mm wide, zone V) starts a few
        // millimetres from the left edge.
        MrzFormat::Td3 => {
            PageSpec { size: (125.0, 88.0), zone_right: 55.0, first_line_above_bottom: 11.0 }
        }
        // Part 5: ID-1, 85.6 × 53.98 mm; the MRZ side (the back) has no portrait.
        MrzFormat::Td1 => {
            PageSpec { size: (85.6, 53.98), zone_right: 0.0, first_line_above_bottom: 13.4 }
        }
        // Part 6: 105.0 × 74.0 mm (not a page this kiosk expects; same layout).
        MrzFormat::Td2 => {
            PageSpec { size: (105.0, 74.0), zone_right: 45.0, first_line_above_bottom: 12.0 }
        }
    }
}

/// Margin added around the nominal zone for tolerances, millimetres.
const ZONE_MARGIN_MM: f32 = 4.0;

/// The page geometry derived from an MRZ band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    /// Page scale, image pixels per millimetre.
    pub px_per_mm: f32,
    /// Frame whose origin is the page's nominal top-left corner; axes along the page.
    pub page: Frame,
    /// Nominal page size, millimetres.
    pub page_mm: (f32, f32),
}

impl PageGeometry {
    /// The scan's resolution in dots per inch.
    pub fn dpi(&self) -> f32 {
        self.px_per_mm * 25.4
    }
}

/// Page scale and frame from the band: the first line's axis gives the direction and (with
/// the OCR-B pitch) the scale; the MRZ is centred across the page and its lines sit in the
/// bottom zone VII. `None` when the band is degenerate (zero length, non-finite, or a scale
/// no scanner gives).
pub fn geometry(band: &MrzBand) -> Option<PageGeometry> {
    let (s, e) = (band.first_line_start, band.first_line_end);
    let dir = (e.0 - s.0, e.1 - s.1);
    let len = (dir.0 * dir.0 + dir.1 * dir.1).sqrt();
    let chars = band.format.shape().1;
    // The axis runs from the first character cell's left edge to the last one's right edge.
    let px_per_mm = len / (chars as f32 * MRZ_CHAR_PITCH_MM);
    // 1 px/mm is 25 dpi, 100 px/mm 2540 dpi: outside that the band is not a page's MRZ.
    if !px_per_mm.is_finite() || !(1.0..=100.0).contains(&px_per_mm) {
        return None;
    }
    let axis = Frame::along(s, dir)?;
    let spec = spec(band.format);
    // Frame coordinates in millimetres relative to the first line's axis midpoint.
    let top_mm = spec.first_line_above_bottom - spec.size.1;
    let left_mm = -spec.size.0 / 2.0;
    let mid = (len / 2.0, 0.0);
    let page = axis.moved_to(mid.0 + left_mm * px_per_mm, top_mm * px_per_mm);
    Some(PageGeometry { px_per_mm, page, page_mm: spec.size })
}

/// A rectangle in a frame's coordinates (pixels along `ex`, `ey`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zone {
    /// The frame the rectangle is measured in; its origin is the rectangle's top-left.
    pub frame: Frame,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
}

/// True when the portrait is printed on the same side as the MRZ (TD3, TD2); a TD1 card has
/// its MRZ on the back and its portrait on the front (Part 5 §4).
pub fn portrait_beside_mrz(format: MrzFormat) -> bool {
    !matches!(format, MrzFormat::Td1)
}

/// The portrait zone of the page, clipped to what the image can hold; `None` for a TD1 card
/// (see [`portrait_beside_mrz`]) and when the zone falls (almost) wholly outside the image.
pub fn portrait_zone(geom: &PageGeometry, image: (u32, u32), band: &MrzBand) -> Option<Zone> {
    if !portrait_beside_mrz(band.format) {
        return None;
    }
    let s = geom.px_per_mm;
    let spec = spec(band.format);
    let m = ZONE_MARGIN_MM;
    // Zone V: from the page's left edge to zone_right, from the top edge down to just above
    // the first MRZ line (its text reaches about half a pitch above the axis).
    let first_line_v = geom.page.to_frame(band.first_line_start).1 / s;
    let (mut u0, mut v0) = (-m, -m);
    let (mut u1, mut v1) = (spec.zone_right + m, first_line_v - band.line_pitch.max(0.0) / s);
    // Clip to the image: the frame coordinates of the image's corners bound the region.
    let corners = [
        (0.0, 0.0),
        (image.0 as f32, 0.0),
        (0.0, image.1 as f32),
        (image.0 as f32, image.1 as f32),
    ]
    .map(|p| geom.page.to_frame(p));
    let umin = corners.iter().map(|c| c.0 / s).fold(f32::INFINITY, f32::min);
    let umax = corners.iter().map(|c| c.0 / s).fold(f32::NEG_INFINITY, f32::max);
    let vmin = corners.iter().map(|c| c.1 / s).fold(f32::INFINITY, f32::min);
    let vmax = corners.iter().map(|c| c.1 / s).fold(f32::NEG_INFINITY, f32::max);
    u0 = u0.max(umin);
    v0 = v0.max(vmin);
    u1 = u1.min(umax);
    v1 = v1.min(vmax);
    // A zone under 10 × 10 mm cannot hold a portrait.
    if u1 - u0 < 10.0 || v1 - v0 < 10.0 {
        return None;
    }
    let width = ((u1 - u0) * s).round() as u32;
    let height = ((v1 - v0) * s).round() as u32;
    Some(Zone { frame: geom.page.moved_to(u0 * s, v0 * s), width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TD3 band as it lies on an upright page at `dpi` whose top-left corner is at `at`.
    fn td3_band(dpi: f32, at: (f32, f32)) -> MrzBand {
        let s = dpi / 25.4;
        let pitch = 4.23;
        // Lines centred across the page, first line axis 11 mm above the bottom edge; the
        // axis spans the 44 character cells.
        let y = at.1 + (88.0 - 11.0) * s;
        let x0 = at.0 + (62.5 - 44.0 * 2.54 / 2.0) * s;
        MrzBand {
            format: MrzFormat::Td3,
            first_line_start: (x0, y),
            first_line_end: (x0 + 44.0 * 2.54 * s, y),
            line_pitch: pitch * s,
            angle_deg: 0.0,
        }
    }

    #[test]
    fn scale_and_page_corner_of_an_upright_td3_page() {
        for dpi in [150.0, 300.0, 600.0] {
            let band = td3_band(dpi, (40.0, 25.0));
            let g = geometry(&band).unwrap();
            assert!((g.dpi() - dpi).abs() < 0.5, "{dpi}: {}", g.dpi());
            let (x, y) = g.page.origin;
            assert!((x - 40.0).abs() < 1.0 && (y - 25.0).abs() < 1.0, "{dpi}: {x},{y}");
            assert!(g.page.rotation_deg().abs() < 1e-3);
        }
    }

    #[test]
    fn rotation_follows_the_band_counter_clockwise_positive() {
        // A line rising to the right (y decreasing) is a counter-clockwise rotation.
        let a = 3.0f32.to_radians();
        let band = MrzBand {
            format: MrzFormat::Td3,
            first_line_start: (100.0, 1000.0),
            first_line_end: (100.0 + 2600.0 * a.cos(), 1000.0 - 2600.0 * a.sin()),
            line_pitch: 100.0,
            angle_deg: 3.0,
        };
        let g = geometry(&band).unwrap();
        assert!((g.page.rotation_deg() - 3.0).abs() < 1e-3, "{}", g.page.rotation_deg());
        // Down the page is ex turned a quarter clockwise on screen.
        assert!(g.page.ey.0 > 0.0 && g.page.ey.1 > 0.0);
        // Frame round trip.
        let p = g.page.to_image(123.0, 456.0);
        let (u, v) = g.page.to_frame(p);
        assert!((u - 123.0).abs() < 1e-2 && (v - 456.0).abs() < 1e-2);
    }

    #[test]
    fn portrait_zone_is_the_left_part_above_the_mrz_and_clipped_to_the_image() {
        let dpi = 300.0;
        let s = dpi / 25.4;
        let band = td3_band(dpi, (0.0, 0.0));
        let g = geometry(&band).unwrap();
        let img = ((125.0 * s) as u32, (88.0 * s) as u32);
        let z = portrait_zone(&g, img, &band).unwrap();
        // Clipped at the image's top-left corner.
        assert!(z.frame.origin.0.abs() < 1.0 && z.frame.origin.1.abs() < 1.0, "{z:?}");
        let (w_mm, h_mm) = (z.width as f32 / s, z.height as f32 / s);
        assert!((w_mm - 59.0).abs() < 0.5, "{w_mm}");
        // Ends above the first MRZ line's text (cap height 2.4 mm about its axis, 11 mm above
        // the bottom edge).
        assert!(h_mm > 60.0 && h_mm < 88.0 - 11.0 - 1.2, "{h_mm}");
        // A page scanned with margins: the zone keeps its margin inside the image.
        let band = td3_band(dpi, (200.0, 150.0));
        let g = geometry(&band).unwrap();
        let z = portrait_zone(&g, (img.0 + 400, img.1 + 300), &band).unwrap();
        let m = ZONE_MARGIN_MM * s;
        assert!((z.frame.origin.0 - (200.0 - m)).abs() < 1.0, "{z:?}");
        assert!((z.frame.origin.1 - (150.0 - m)).abs() < 1.0, "{z:?}");
    }

    #[test]
    fn degenerate_bands_give_no_geometry() {
        let mut band = td3_band(300.0, (0.0, 0.0));
        band.first_line_end = band.first_line_start;
        assert!(geometry(&band).is_none());
        band.first_line_end = (f32::NAN, 0.0);
        assert!(geometry(&band).is_none());
        // 43 characters over 20 px: 0.18 px/mm, no scanner.
        band.first_line_end = (band.first_line_start.0 + 20.0, band.first_line_start.1);
        assert!(geometry(&band).is_none());
    }

    #[test]
    fn a_td1_card_has_scale_and_rotation_but_no_zone_on_its_mrz_side() {
        let s = 300.0 / 25.4;
        let band = MrzBand {
            format: MrzFormat::Td1,
            first_line_start: (100.0, 500.0),
            first_line_end: (100.0 + 30.0 * 2.54 * s, 500.0),
            line_pitch: 4.2 * s,
            angle_deg: 0.0,
        };
        let g = geometry(&band).unwrap();
        assert!((g.dpi() - 300.0).abs() < 0.5);
        assert!(portrait_zone(&g, (2000, 2000), &band).is_none());
        assert!(!portrait_beside_mrz(MrzFormat::Td1) && portrait_beside_mrz(MrzFormat::Td3));
    }

    #[test]
    fn a_zone_outside_the_image_is_none() {
        let band = td3_band(300.0, (0.0, 0.0));
        let g = geometry(&band).unwrap();
        // An image holding only the MRZ strip's right half.
        assert!(portrait_zone(&g, (50, 50), &band).is_none());
    }
}
