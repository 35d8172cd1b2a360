//! Iris locator: the eye centre as the place where a dark iris-sized patch has bright sclera
//! on both sides. A horizontal dark–bright contrast of the iris' own size that eyebrows,
//! glasses frames, eyelid shadows and hair (dark on both sides too, or far larger) do not
//! have. Box sums over an integral image keep it linear in the searched area.

use image::GrayImage;

use super::haar::Rect;

/// Summed-area table of a grey image, (w+1)×(h+1).
pub struct Integral {
    w: usize,
    sums: Vec<u64>,
}

impl Integral {
    /// The table of `img`.
    pub fn new(img: &GrayImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut sums = vec![0u64; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u64;
            for x in 0..w {
                row += u64::from(img.as_raw()[y * w + x]);
                sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
            }
        }
        Integral { w, sums }
    }

    fn height(&self) -> usize {
        self.sums.len() / (self.w + 1) - 1
    }

    /// Mean over the box [x0, x1) × [y0, y1), clipped to the image; `None` when empty.
    fn mean(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> Option<f32> {
        let (w, h) = (self.w as i64, self.height() as i64);
        let (x0, y0, x1, y1) = (x0.clamp(0, w), y0.clamp(0, h), x1.clamp(0, w), y1.clamp(0, h));
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
        let at = |x: i64, y: i64| self.sums[y as usize * (self.w + 1) + x as usize] as i64;
        let s = at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0);
        Some(s as f32 / ((x1 - x0) * (y1 - y0)) as f32)
    }
}

/// The best iris position found in a region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iris {
    /// Centre (x, y) in image pixels.
    pub centre: (f32, f32),
    /// Sclera brightness minus iris darkness, in grey levels.
    pub contrast: f32,
}

/// Iris–sclera contrast at integer centre (x, y) for iris radius `r`.
fn contrast(t: &Integral, x: i64, y: i64, r: i64) -> Option<f32> {
    // A box inside the iris, taller than wide: the iris is dark from lid to lid, an eye's
    // corner or a frame line only in a thin strip.
    let (cw, ch) = ((r * 6 / 10).max(1), (r * 8 / 10).max(1));
    let iris = t.mean(x - cw, y - ch, x + cw + 1, y + ch + 1)?;
    // Sclera strips beside the iris, from 1.15 r to 1.9 r out, half as tall.
    let sh = (r * 4 / 10).max(1);
    let (a, b) = ((r * 115 / 100).max(cw + 1), (r * 19 / 10).max(cw + 2));
    let left = t.mean(x - b, y - sh, x - a + 1, y + sh + 1)?;
    let right = t.mean(x + a, y - sh, x + b + 1, y + sh + 1)?;
    // Both sides must be brighter: the weaker side decides, so a patch with one bright
    // neighbour (an eye corner, a frame edge) scores low.
    Some(left.min(right) - iris)
}

/// The best iris position in `region` (image pixels) for iris radius `r` (pixels): the
/// strongest contrast, placed to a sub-pixel by a parabola through its neighbours.
pub fn find_iris(t: &Integral, region: Rect, r: f32) -> Option<Iris> {
    let r_px = r.round().max(2.0) as i64;
    let x0 = region.x.floor() as i64;
    let y0 = region.y.floor() as i64;
    let x1 = (region.x + region.w).ceil() as i64;
    let y1 = (region.y + region.h).ceil() as i64;
    if x1 <= x0 || y1 <= y0 || (x1 - x0) * (y1 - y0) > 4_000_000 {
        return None;
    }
    let mut best: Option<(f32, i64, i64)> = None;
    for y in y0..y1 {
        for x in x0..x1 {
            if let Some(s) = contrast(t, x, y, r_px)
                && best.is_none_or(|(b, _, _)| s > b)
            {
                best = Some((s, x, y));
            }
        }
    }
    let (s, bx, by) = best?;
    let fit = |m: Option<f32>, p: Option<f32>| match (m, p) {
        (Some(m), Some(p)) => {
            let den = m - 2.0 * s + p;
            if den < 0.0 { (0.5 * (m - p) / den).clamp(-0.5, 0.5) } else { 0.0 }
        }
        _ => 0.0,
    };
    let dx = fit(contrast(t, bx - 1, by, r_px), contrast(t, bx + 1, by, r_px));
    let dy = fit(contrast(t, bx, by - 1, r_px), contrast(t, bx, by + 1, r_px));
    Some(Iris { centre: (bx as f32 + 0.5 + dx, by as f32 + 0.5 + dy), contrast: s })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bright eye-white ellipse with a dark iris, an eyebrow bar above it and a dark
    /// frame line beside it.
    fn eye_scene(iris_at: (u32, u32)) -> GrayImage {
        GrayImage::from_fn(120, 80, |x, y| {
            let (dx, dy) = (x as f32 - iris_at.0 as f32, y as f32 - iris_at.1 as f32);
            let v = if (dx * dx + dy * dy).sqrt() < 6.0 {
                40
            } else if (dx / 18.0).powi(2) + (dy / 7.0).powi(2) < 1.0 {
                220
            } else if (10..16).contains(&y) && (20..100).contains(&x) {
                30 // eyebrow
            } else if (100..104).contains(&x) {
                20 // glasses frame
            } else {
                150
            };
            image::Luma([v])
        })
    }

    #[test]
    fn finds_the_iris_not_the_eyebrow_or_the_frame() {
        let img = eye_scene((57, 45));
        let t = Integral::new(&img);
        let found = find_iris(&t, Rect { x: 0.0, y: 0.0, w: 120.0, h: 80.0 }, 6.0).unwrap();
        let (x, y) = found.centre;
        assert!((x - 57.5).abs() <= 1.5 && (y - 45.5).abs() <= 1.5, "{found:?}");
        assert!(found.contrast > 100.0, "{found:?}");
    }

    #[test]
    fn integral_means_match_direct_sums() {
        let img = GrayImage::from_fn(9, 7, |x, y| image::Luma([(x * 7 + y * 13) as u8]));
        let t = Integral::new(&img);
        let direct: u32 = (2..5).flat_map(|y| (1..4).map(move |x| x * 7 + y * 13)).sum();
        assert_eq!(t.mean(1, 2, 4, 5), Some(direct as f32 / 9.0));
        assert_eq!(t.mean(5, 5, 5, 9), None);
    }
}
