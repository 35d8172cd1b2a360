//! Plausibility of an eye pair against the frontal face box (SeetaFace's square box), and where
//! in that box to look for each eye.
//!
//! The bounds come from the labelled Face Research Lab London Set (tests/data/faces,
//! 49 faces at two scales, 98 boxes): true eye distance / box width 0.346–0.481 (median
//! 0.398); eye centres at x 0.22–0.35 (left) and 0.67–0.76 (right), y 0.27–0.43 of the box;
//! their midpoint at 0.455–0.54 of the width.
//! The bounds below add room for other faces, ±5° rotation and detector jitter.

use super::haar::Rect;
use super::iris::Iris;

/// Eye distance as a fraction of the face box width: smallest plausible.
pub const MIN_DISTANCE_RATIO: f32 = 0.30;
/// Largest plausible (an overestimate beyond this is a corner, a frame or an eyebrow end).
pub const MAX_DISTANCE_RATIO: f32 = 0.54;
/// Largest tilt of the eye line, in degrees.
pub const MAX_TILT_DEG: f32 = 12.0;
/// Largest offset of the eyes' midpoint from the box's midline, as a fraction of its width
/// (measured: 0.455–0.54 of the width, i.e. within 0.045 of the middle).
pub const MAX_MIDPOINT_OFFSET: f32 = 0.06;
/// Eye centres lie between these fractions of the box height (its upper half).
pub const EYE_Y_RANGE: (f32, f32) = (0.18, 0.55);

/// Iris radius as a fraction of the face box width (iris diameter ≈ 11.7 mm, eye distance
/// ≈ 63 mm: radius ≈ 0.093 × eye distance ≈ 0.037 × the box width).
pub const IRIS_RADIUS_RATIO: f32 = 0.037;

/// Why a pair is not plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// Distance outside [`MIN_DISTANCE_RATIO`], [`MAX_DISTANCE_RATIO`] of the box width.
    Distance,
    /// The eye line is tilted more than [`MAX_TILT_DEG`].
    Tilt,
    /// An eye is outside the box's upper half band.
    Height,
    /// Both eyes are on one side of the box's vertical midline.
    Side,
    /// The pair's midpoint is far from the box's midline (one centre on an eye's corner).
    Centre,
}

/// Check `left`, `right` (image pixels, left-most first) against `face`.
pub fn check(face: Rect, left: (f32, f32), right: (f32, f32)) -> Result<(), Implausible> {
    let (dx, dy) = (right.0 - left.0, right.1 - left.1);
    let d = (dx * dx + dy * dy).sqrt();
    if !(MIN_DISTANCE_RATIO * face.w..=MAX_DISTANCE_RATIO * face.w).contains(&d) {
        return Err(Implausible::Distance);
    }
    if dy.abs().atan2(dx.abs()).to_degrees() > MAX_TILT_DEG || dx <= 0.0 {
        return Err(Implausible::Tilt);
    }
    let (y0, y1) = (face.y + EYE_Y_RANGE.0 * face.h, face.y + EYE_Y_RANGE.1 * face.h);
    if !(y0..=y1).contains(&left.1) || !(y0..=y1).contains(&right.1) {
        return Err(Implausible::Height);
    }
    let mid = face.x + face.w / 2.0;
    let margin = 0.04 * face.w;
    if left.0 > mid - margin || right.0 < mid + margin {
        return Err(Implausible::Side);
    }
    if ((left.0 + right.0) / 2.0 - mid).abs() > MAX_MIDPOINT_OFFSET * face.w {
        return Err(Implausible::Centre);
    }
    Ok(())
}

/// The pair in face-box units (0..1 across and down the box), for logs.
pub fn normalised(face: Rect, a: (f32, f32), b: (f32, f32)) -> [f32; 4] {
    let n = |v: f32, o: f32, s: f32| ((v - o) / s.max(1.0) * 1000.0).round() / 1000.0;
    [n(a.0, face.x, face.w), n(a.1, face.y, face.h), n(b.0, face.x, face.w), n(b.1, face.y, face.h)]
}

/// The best plausible pair from iris candidates on each side: the pair whose weaker eye has
/// the strongest contrast, discounted by how far its distance strays from the typical
/// 0.40 × the box width and its midpoint from the box's midline (a corner of one eye with
/// the other's iris can pass the bounds, but it is long and lopsided).
pub fn best_pair(face: Rect, lefts: &[Iris], rights: &[Iris]) -> Option<(Iris, Iris)> {
    let mut best: Option<(f32, Iris, Iris)> = None;
    for l in lefts {
        for r in rights {
            if check(face, l.centre, r.centre).is_err() {
                continue;
            }
            let w = face.w.max(1.0);
            let d = super::rules::distance(l.centre, r.centre) / w;
            let off = ((l.centre.0 + r.centre.0) / 2.0 - (face.x + face.w / 2.0)).abs() / w;
            let shape = (1.0 - 4.0 * (d - TYPICAL_RATIO).abs()) * (1.0 - 8.0 * off);
            let score = l.contrast.min(r.contrast) * shape.max(0.0);
            if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
                best = Some((score, *l, *r));
            }
        }
    }
    best.map(|(_, l, r)| (l, r))
}

/// Median eye distance / box width in the labelled set.
pub const TYPICAL_RATIO: f32 = 0.40;

/// Where to search for the eye on the image's left (`right_eye = false`) or right.
pub fn search_region(face: Rect, right_eye: bool) -> Rect {
    let x = if right_eye { 0.54 } else { 0.14 };
    Rect { x: face.x + x * face.w, y: face.y + 0.20 * face.h, w: 0.32 * face.w, h: 0.34 * face.h }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: Rect = Rect { x: 100.0, y: 50.0, w: 200.0, h: 200.0 };

    #[test]
    fn a_typical_pair_passes_and_each_bound_is_enforced() {
        assert_eq!(check(FACE, (160.0, 123.0), (240.0, 123.0)), Ok(()));
        // 0.6 × width apart: the overestimate the bound exists for.
        assert_eq!(check(FACE, (140.0, 123.0), (260.0, 123.0)), Err(Implausible::Distance));
        assert_eq!(check(FACE, (180.0, 123.0), (220.0, 123.0)), Err(Implausible::Distance));
        assert_eq!(check(FACE, (160.0, 110.0), (240.0, 140.0)), Err(Implausible::Tilt));
        assert_eq!(check(FACE, (160.0, 170.0), (240.0, 170.0)), Err(Implausible::Height));
        assert_eq!(check(FACE, (200.0, 123.0), (280.0, 123.0)), Err(Implausible::Side));
        // The left centre on the eye's outer corner: plausible distance, lopsided pair.
        assert_eq!(check(FACE, (135.0, 123.0), (240.0, 123.0)), Err(Implausible::Centre));
    }

    #[test]
    fn search_regions_hold_the_measured_eye_positions() {
        for (right, x) in [(false, 0.22), (false, 0.35), (true, 0.67), (true, 0.76)] {
            let r = search_region(FACE, right);
            for y in [0.27, 0.43] {
                let p = (FACE.x + x * FACE.w, FACE.y + y * FACE.h);
                assert!(p.0 > r.x && p.0 < r.x + r.w && p.1 > r.y && p.1 < r.y + r.h);
            }
        }
    }
}
