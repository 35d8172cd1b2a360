//! Plausibility of an eye pair against the face box it was found in: distance, level, height in
//! the box's upper half, one eye each side of the midline, the midpoint near it.
//!
//! The bounds per detector come from the labelled Face Research Lab London Set
//! (tests/data/faces/london, 49 faces at two scales) and add room for other faces, ±5°
//! rotation and detector jitter:
//! - SeetaFace's square box: true eye distance / box width 0.346–0.481 (median 0.398); eye
//!   centres at y 0.27–0.43 of the box; their midpoint at 0.455–0.54 of the width.
//! - YuNet's box (narrower, width ≈ 0.72 × height): eye distance / width 0.413–0.524 (median
//!   0.461); eye centres at y 0.33–0.41; their midpoint at 0.455–0.543 of the width.

use super::haar::Rect;

/// What a plausible pair looks like in one detector's face box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Eye distance as a fraction of the box width: smallest and largest plausible (an
    /// overestimate beyond the largest is a corner, a frame or an eyebrow end).
    pub distance: (f32, f32),
    /// Largest tilt of the eye line, in degrees.
    pub max_tilt_deg: f32,
    /// Largest offset of the eyes' midpoint from the box's midline, per box width.
    pub max_midpoint_offset: f32,
    /// Eye centres lie between these fractions of the box height.
    pub eye_y: (f32, f32),
}

/// SeetaFace's frontal face box (the second method's).
pub const SEETA_BOX: Bounds = Bounds {
    distance: (0.30, 0.54),
    max_tilt_deg: 12.0,
    max_midpoint_offset: 0.06,
    eye_y: (0.18, 0.55),
};

/// YuNet's face box (the first method's).
pub const YUNET_BOX: Bounds = Bounds {
    distance: (0.35, 0.60),
    max_tilt_deg: 12.0,
    // Wider than the London set's 0.045: YuNet's box follows the hair on some faces and sat
    // 0.08 off the eyes' midpoint on one of them once grey or rotated.
    max_midpoint_offset: 0.10,
    eye_y: (0.22, 0.52),
};

/// Why a pair is not plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// Distance outside [`Bounds::distance`] of the box width.
    Distance,
    /// The eye line is tilted more than [`Bounds::max_tilt_deg`].
    Tilt,
    /// An eye is outside the box's [`Bounds::eye_y`] band.
    Height,
    /// Both eyes are on one side of the box's vertical midline.
    Side,
    /// The pair's midpoint is far from the box's midline (one centre on an eye's corner).
    Centre,
}

/// Check `left`, `right` (image pixels, left-most first) against `face` under `b`.
pub fn check(
    b: &Bounds,
    face: Rect,
    left: (f32, f32),
    right: (f32, f32),
) -> Result<(), Implausible> {
    let (dx, dy) = (right.0 - left.0, right.1 - left.1);
    let d = (dx * dx + dy * dy).sqrt();
    if !(b.distance.0 * face.w..=b.distance.1 * face.w).contains(&d) {
        return Err(Implausible::Distance);
    }
    if dy.abs().atan2(dx.abs()).to_degrees() > b.max_tilt_deg || dx <= 0.0 {
        return Err(Implausible::Tilt);
    }
    let (y0, y1) = (face.y + b.eye_y.0 * face.h, face.y + b.eye_y.1 * face.h);
    if !(y0..=y1).contains(&left.1) || !(y0..=y1).contains(&right.1) {
        return Err(Implausible::Height);
    }
    let mid = face.x + face.w / 2.0;
    let margin = 0.04 * face.w;
    if left.0 > mid - margin || right.0 < mid + margin {
        return Err(Implausible::Side);
    }
    if ((left.0 + right.0) / 2.0 - mid).abs() > b.max_midpoint_offset * face.w {
        return Err(Implausible::Centre);
    }
    Ok(())
}

/// The pair in face-box units (0..1 across and down the box), for logs.
pub fn normalised(face: Rect, a: (f32, f32), b: (f32, f32)) -> [f32; 4] {
    let n = |v: f32, o: f32, s: f32| ((v - o) / s.max(1.0) * 1000.0).round() / 1000.0;
    [n(a.0, face.x, face.w), n(a.1, face.y, face.h), n(b.0, face.x, face.w), n(b.1, face.y, face.h)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: Rect = Rect { x: 100.0, y: 50.0, w: 200.0, h: 200.0 };

    #[test]
    fn a_typical_pair_passes_and_each_bound_is_enforced() {
        let b = &SEETA_BOX;
        assert_eq!(check(b, FACE, (160.0, 123.0), (240.0, 123.0)), Ok(()));
        // 0.6 × width apart: the overestimate the bound exists for.
        assert_eq!(check(b, FACE, (140.0, 123.0), (260.0, 123.0)), Err(Implausible::Distance));
        assert_eq!(check(b, FACE, (180.0, 123.0), (220.0, 123.0)), Err(Implausible::Distance));
        assert_eq!(check(b, FACE, (160.0, 110.0), (240.0, 140.0)), Err(Implausible::Tilt));
        assert_eq!(check(b, FACE, (160.0, 170.0), (240.0, 170.0)), Err(Implausible::Height));
        assert_eq!(check(b, FACE, (200.0, 123.0), (280.0, 123.0)), Err(Implausible::Side));
        // The left centre on the eye's outer corner: plausible distance, lopsided pair.
        assert_eq!(check(b, FACE, (135.0, 123.0), (240.0, 123.0)), Err(Implausible::Centre));
    }

    #[test]
    fn the_measured_yunet_extremes_pass_and_a_wide_pair_does_not() {
        // YuNet box 144 × 200: the London set's extremes (distance 0.413 and 0.524 of the
        // width, eyes at y 0.33 and 0.41, midpoint 0.455 and 0.543).
        let face = Rect { x: 0.0, y: 0.0, w: 144.0, h: 200.0 };
        let pair = |mid: f32, d: f32, y: f32| {
            let (m, h) = (mid * face.w, d * face.w / 2.0);
            ((m - h, y * face.h), (m + h, y * face.h))
        };
        for (mid, d, y) in [(0.455, 0.413, 0.33), (0.543, 0.524, 0.41), (0.5, 0.461, 0.386)] {
            let (l, r) = pair(mid, d, y);
            assert_eq!(check(&YUNET_BOX, face, l, r), Ok(()), "{mid} {d} {y}");
        }
        let (l, r) = pair(0.5, 0.65, 0.386);
        assert_eq!(check(&YUNET_BOX, face, l, r), Err(Implausible::Distance));
    }
}
