//! Bundled eye locator. First method: YuNet's eye landmarks ([`super::landmarks`]), each moved
//! onto the iris found next to it, the pair checked against YuNet's face box
//! ([`super::plausible`]). Second method, when the first finds no face or no plausible pair:
//! the SeetaFace frontal face detector (via `rustface`, BSD-2 model shipped in that crate) and
//! OpenCV's Haar eye cascade (Intel licence, Debian `opencv-data`) inside the face's upper
//! part, checked against SeetaFace's box and, when YuNet saw the face, against the landmarks'
//! distance. No guessing: when both fail the caller is told so.

use std::sync::OnceLock;

use image::imageops::{FilterType, resize};
use image::{GrayImage, RgbImage};

use super::haar::{Cascade, Detection, Rect};
use super::iris::{self, Integral};
use super::{landmarks, plausible, rules};

/// OpenCV `haarcascade_eye.xml` (Intel License Agreement; see the file's header).
pub const EYE_CASCADE_XML: &str = include_str!("models/haarcascade_eye.xml");
/// SeetaFace `seeta_fd_frontal_v1.0.bin` (BSD-2-Clause; see models/LICENSE.seetaface-rustface).
const SEETA_MODEL: &[u8] = include_bytes!("models/seeta_fd_frontal_v1.0.bin");

/// Name reported as the eye-distance method when this detector measured it.
pub const METHOD_NAME: &str = "detector: YuNet eye landmarks on the irises, else SeetaFace \
     frontal face + OpenCV Haar eye cascade";

/// Detection works on at most this many pixels per side (larger images are scaled down).
const WORK_SIDE: u32 = 1000;

/// Outcome of the eye search.
#[derive(Debug, Clone, PartialEq)]
pub enum EyeSearch {
    /// Both eyes found: centres in image pixels (left-most first) and the face box.
    Found {
        /// Eye centre on the image's left.
        left: (f32, f32),
        /// Eye centre on the image's right.
        right: (f32, f32),
        /// The face box the eyes were searched in.
        face: Rect,
    },
    /// The face detector found no frontal face.
    NoFace,
    /// A face was found but not two plausible eyes inside it.
    EyesNotFound {
        /// The face box searched.
        face: Rect,
    },
    /// The bundled models could not be loaded (a build defect).
    ModelUnavailable(String),
}

fn eye_cascade() -> Result<&'static Cascade, String> {
    static C: OnceLock<Result<Cascade, String>> = OnceLock::new();
    C.get_or_init(|| Cascade::from_xml(EYE_CASCADE_XML).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

fn seeta_model() -> Result<&'static rustface::Model, String> {
    static M: OnceLock<Result<rustface::Model, String>> = OnceLock::new();
    M.get_or_init(|| rustface::read_model(SEETA_MODEL).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Largest frontal face, in `gray`'s pixels.
fn find_face(gray: &GrayImage, model: &rustface::Model) -> Option<Rect> {
    let mut det = rustface::create_detector_with_model(model.clone());
    det.set_min_face_size(40);
    det.set_score_thresh(2.0);
    det.set_pyramid_scale_factor(0.8);
    det.set_slide_window_step(4, 4);
    let data = rustface::ImageData::new(gray.as_raw(), gray.width(), gray.height());
    det.detect(&data)
        .into_iter()
        .map(|f| {
            let b = f.bbox();
            Rect { x: b.x() as f32, y: b.y() as f32, w: b.width() as f32, h: b.height() as f32 }
        })
        .max_by(|a, b| (a.w * a.h).total_cmp(&(b.w * b.h)))
}

/// Passport crops are often so tight that the face touches the frame, which the face
/// detector misses; retry on the image centred in a 30 % larger canvas of its mean grey.
fn find_face_padded(gray: &GrayImage, model: &rustface::Model) -> Option<Rect> {
    let (w, h) = gray.dimensions();
    let (pw, ph) = (w * 3 / 20, h * 3 / 20);
    let n = u64::from(w) * u64::from(h);
    let mean = gray.as_raw().iter().map(|&p| u64::from(p)).sum::<u64>() / n.max(1);
    let mut canvas = GrayImage::from_pixel(w + 2 * pw, h + 2 * ph, image::Luma([mean as u8]));
    image::imageops::replace(&mut canvas, gray, i64::from(pw), i64::from(ph));
    let f = find_face(&canvas, model)?;
    Some(Rect { x: f.x - pw as f32, y: f.y - ph as f32, ..f })
}

/// Pick the best eye on each side of the face's vertical midline.
fn pick_eyes(face: Rect, found: &[Detection]) -> Option<(Detection, Detection)> {
    let mid = face.x + face.w / 2.0;
    let mut best: Option<(f32, Detection, Detection)> = None;
    for l in found.iter().filter(|d| d.rect.centre().0 < mid) {
        for r in found.iter().filter(|d| d.rect.centre().0 >= mid) {
            let (lc, rc) = (l.rect.centre(), r.rect.centre());
            let d = ((rc.0 - lc.0).powi(2) + (rc.1 - lc.1).powi(2)).sqrt();
            let ratio = l.rect.w.max(r.rect.w) / l.rect.w.min(r.rect.w).max(1.0);
            let plausible = d >= 0.2 * face.w
                && d <= 0.8 * face.w
                && (rc.1 - lc.1).abs() <= 0.35 * d
                && ratio <= 1.6;
            if !plausible {
                continue;
            }
            // Support first; then level, equally sized pairs.
            let score =
                (l.neighbours + r.neighbours) as f32 - (rc.1 - lc.1).abs() / d - (ratio - 1.0);
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, *l, *r));
            }
        }
    }
    best.map(|(_, l, r)| (l, r))
}

/// Locate both eye centres in `img`.
pub fn find_eyes(img: &RgbImage) -> EyeSearch {
    let implausible = match by_landmarks(img) {
        Ok(First::Found(found)) => return found,
        Ok(First::Implausible(f)) => Some(f),
        Ok(First::NoFace) => None,
        Err(e) => return EyeSearch::ModelUnavailable(e),
    };
    let second = by_cascade(img);
    let Some(f) = implausible else { return second };
    // YuNet saw a face but no plausible pair: the second method's pair stands only when its
    // distance agrees with the landmarks'. Two methods that disagree on such a face are no
    // measurement, and an overestimate would pass a face that is too small.
    match second {
        EyeSearch::Found { left, right, face } => {
            let (d1, d2) = (rules::distance(f.eyes.0, f.eyes.1), rules::distance(left, right));
            if (d2 - d1).abs() <= SECOND_METHOD_AGREEMENT * d1 {
                EyeSearch::Found { left, right, face }
            } else {
                tracing::debug!(d1, d2, "the two eye locators disagree; no measurement");
                EyeSearch::EyesNotFound { face: f.face }
            }
        }
        EyeSearch::NoFace | EyeSearch::EyesNotFound { .. } => {
            EyeSearch::EyesNotFound { face: f.face }
        }
        other @ EyeSearch::ModelUnavailable(_) => other,
    }
}

/// Largest relative difference between the second method's eye distance and the landmarks'
/// for the second method's pair to be used.
const SECOND_METHOD_AGREEMENT: f32 = 0.10;

/// What the first method made of an image.
enum First {
    /// A plausible pair.
    Found(EyeSearch),
    /// A face whose landmark pair (moved or not) is implausible for its box.
    Implausible(landmarks::Landmarks),
    /// No face.
    NoFace,
}

/// Largest face YuNet finds (retrying with a margin for tight crops), its eyes on their irises.
fn by_landmarks(img: &RgbImage) -> Result<First, String> {
    let mut faces = landmarks::detect(img, 0.0)?;
    if faces.is_empty() {
        faces = landmarks::detect(img, 0.15)?;
    }
    let Some(f) =
        faces.into_iter().max_by(|a, b| (a.face.w * a.face.h).total_cmp(&(b.face.w * b.face.h)))
    else {
        return Ok(First::NoFace);
    };
    // The pair on the irises first; the landmarks themselves when the move made the pair
    // implausible (an iris search caught by a frame or a shadow) or changed its length more
    // than the landmarks' own error.
    let moved = on_irises(img, f.eyes);
    let d = rules::distance(f.eyes.0, f.eyes.1);
    let change = (rules::distance(moved.0, moved.1) - d).abs() / d.max(1.0);
    let mut why = None;
    for (left, right) in [moved, f.eyes] {
        if (left, right) == moved && change > MAX_IRIS_CHANGE {
            continue;
        }
        match plausible::check(&plausible::YUNET_BOX, f.face, left, right) {
            Ok(()) => return Ok(First::Found(EyeSearch::Found { left, right, face: f.face })),
            Err(w) => why = Some((w, plausible::normalised(f.face, left, right))),
        }
    }
    tracing::debug!(
        ?why,
        "YuNet's eye pair is implausible for its face box; trying the second method"
    );
    Ok(First::Implausible(f))
}

/// Largest change of the eye distance the iris search may make to the landmarks' distance: it
/// sharpens the landmarks (median error 3.0 % → 2.2 % on the labelled set) but a frame or a
/// brow shadow beside a rotated eye can draw it further than the landmarks' own error.
const MAX_IRIS_CHANGE: f32 = 0.06;

/// Each landmark moved onto the strongest iris within a small window around it, when one is
/// clear enough; the landmark itself otherwise.
fn on_irises(img: &RgbImage, eyes: ((f32, f32), (f32, f32))) -> ((f32, f32), (f32, f32)) {
    let d = rules::distance(eyes.0, eyes.1);
    let r = IRIS_PER_EYE_DISTANCE * d;
    let (wx, wy) = (WINDOW.0 * d, WINDOW.1 * d);
    // Grey crop around both windows and their sclera strips.
    let reach = 2.0 * r;
    let x0 = (eyes.0.0.min(eyes.1.0) - wx - reach).max(0.0) as u32;
    let y0 = (eyes.0.1.min(eyes.1.1) - wy - reach).max(0.0) as u32;
    let x1 = ((eyes.0.0.max(eyes.1.0) + wx + reach).max(0.0) as u32).min(img.width());
    let y1 = ((eyes.0.1.max(eyes.1.1) + wy + reach).max(0.0) as u32).min(img.height());
    if x1 <= x0 + 4 || y1 <= y0 + 4 || r < 1.5 {
        return eyes;
    }
    let crop = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
    let gray = image::DynamicImage::ImageRgb8(crop).into_luma8();
    let table = Integral::new(&gray);
    let (ox, oy) = (x0 as f32, y0 as f32);
    let refine = |p: (f32, f32)| {
        let window = Rect { x: p.0 - wx - ox, y: p.1 - wy - oy, w: 2.0 * wx, h: 2.0 * wy };
        // A best spot on the window's edge is a slope climbing towards something outside
        // it (a frame, an eyebrow, the other corner), not an iris.
        let margin = 0.2 * r;
        let inside = |c: (f32, f32)| {
            c.0 > window.x + margin
                && c.0 < window.x + window.w - margin
                && c.1 > window.y + margin
                && c.1 < window.y + window.h - margin
        };
        match iris::find_iris(&table, window, r) {
            Some(i) if i.contrast >= MIN_IRIS_CONTRAST && inside(i.centre) => {
                (i.centre.0 + ox, i.centre.1 + oy)
            }
            _ => p,
        }
    };
    (refine(eyes.0), refine(eyes.1))
}

/// Iris radius per eye distance (iris diameter ≈ 11.7 mm, eye distance ≈ 63 mm).
const IRIS_PER_EYE_DISTANCE: f32 = 0.093;
/// Half-width and half-height of the iris search window around a landmark, per eye distance.
const WINDOW: (f32, f32) = (0.12, 0.08);
/// Weakest iris–sclera contrast (grey levels) that moves a landmark.
const MIN_IRIS_CONTRAST: f32 = 12.0;

/// The second method: SeetaFace's face box and the Haar eye cascade.
fn by_cascade(img: &RgbImage) -> EyeSearch {
    let (cascade, model) = match (eye_cascade(), seeta_model()) {
        (Ok(c), Ok(m)) => (c, m),
        (Err(e), _) | (_, Err(e)) => return EyeSearch::ModelUnavailable(e),
    };
    let full = image::DynamicImage::ImageRgb8(img.clone()).into_luma8();
    let side = full.width().max(full.height());
    let scale = if side > WORK_SIDE { side as f32 / WORK_SIDE as f32 } else { 1.0 };
    let gray = if scale > 1.0 {
        let w = ((full.width() as f32 / scale) as u32).max(1);
        let h = ((full.height() as f32 / scale) as u32).max(1);
        resize(&full, w, h, FilterType::Triangle)
    } else {
        full
    };
    let Some(face) = find_face(&gray, model).or_else(|| find_face_padded(&gray, model)) else {
        return EyeSearch::NoFace;
    };
    // Eyes sit in the upper part of the SeetaFace box; search a slightly wider band.
    let x0 = (face.x - 0.1 * face.w).max(0.0) as u32;
    let y0 = (face.y - 0.05 * face.h).max(0.0) as u32;
    let x1 = ((face.x + 1.1 * face.w) as u32).min(gray.width());
    let y1 = ((face.y + 0.65 * face.h) as u32).min(gray.height());
    let up = |r: Rect| Rect { x: r.x * scale, y: r.y * scale, w: r.w * scale, h: r.h * scale };
    if x1 <= x0 + 20 || y1 <= y0 + 20 {
        return EyeSearch::EyesNotFound { face: up(face) };
    }
    let band = image::imageops::crop_imm(&gray, x0, y0, x1 - x0, y1 - y0).to_image();
    // First pass as OpenCV's defaults; if it does not give two plausible eyes, a finer
    // pyramid on the contrast-equalised band (helps with glasses and low contrast).
    let equalised = equalise(&band);
    let passes: [(&GrayImage, f32, usize); 3] =
        [(&band, 1.1, 2), (&equalised, 1.05, 2), (&equalised, 1.05, 0)];
    for (img, step, neighbours) in passes {
        let mut found = cascade.detect(img, step, 0.1 * face.w, 0.45 * face.w, neighbours);
        for d in &mut found {
            d.rect.x += x0 as f32;
            d.rect.y += y0 as f32;
        }
        if let Some((l, r)) = pick_eyes(face, &found) {
            let at = |d: Detection| {
                let in_band = Rect { x: d.rect.x - x0 as f32, y: d.rect.y - y0 as f32, ..d.rect };
                let (cx, cy) = refine_centre(&equalised, in_band);
                ((cx + x0 as f32) * scale, (cy + y0 as f32) * scale)
            };
            let (left, right, face) = (at(l), at(r), up(face));
            match plausible::check(&plausible::SEETA_BOX, face, left, right) {
                Ok(()) => return EyeSearch::Found { left, right, face },
                Err(why) => tracing::debug!(
                    ?why,
                    pair = ?plausible::normalised(face, left, right),
                    "the eye cascade's pair is implausible for the face box"
                ),
            }
        }
    }
    EyeSearch::EyesNotFound { face: up(face) }
}

/// The eye centre inside a detected eye box: the darkest spot (iris and pupil) of a
/// smoothed copy of the box's central part, which is better centred than the box itself
/// (the cascade's boxes include the eyebrow and drift towards glasses frames).
fn refine_centre(band: &GrayImage, r: Rect) -> (f32, f32) {
    let x0 = (r.x + 0.2 * r.w).max(0.0) as u32;
    let y0 = (r.y + 0.3 * r.h).max(0.0) as u32;
    let x1 = ((r.x + 0.8 * r.w) as u32).min(band.width());
    let y1 = ((r.y + 0.85 * r.h) as u32).min(band.height());
    if x1 <= x0 + 2 || y1 <= y0 + 2 {
        return r.centre();
    }
    let sub = image::imageops::crop_imm(band, x0, y0, x1 - x0, y1 - y0).to_image();
    let blurred = image::imageops::blur(&sub, (r.w / 12.0).max(1.0));
    let mut best = (u8::MAX, r.centre());
    for (x, y, p) in blurred.enumerate_pixels() {
        if p.0[0] < best.0 {
            best = (p.0[0], ((x0 + x) as f32 + 0.5, (y0 + y) as f32 + 0.5));
        }
    }
    best.1
}

/// Histogram equalisation (cumulative histogram mapped onto 0–255).
fn equalise(img: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.as_raw() {
        hist[usize::from(*p)] += 1;
    }
    let total = img.as_raw().len() as u64;
    let first = hist.iter().copied().find(|&c| c > 0).unwrap_or(0);
    let mut lut = [0u8; 256];
    let mut acc = 0u64;
    for (v, c) in hist.iter().enumerate() {
        acc += c;
        let den = total.saturating_sub(first).max(1);
        lut[v] = (acc.saturating_sub(first) * 255 / den).min(255) as u8;
    }
    let mut out = img.clone();
    for p in out.iter_mut() {
        *p = lut[usize::from(*p)];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_models_load() {
        assert!(eye_cascade().is_ok());
        assert!(seeta_model().is_ok());
    }

    #[test]
    fn blank_image_has_no_face() {
        let img = RgbImage::from_pixel(200, 240, image::Rgb([128, 128, 128]));
        assert_eq!(find_eyes(&img), EyeSearch::NoFace);
    }

    #[test]
    fn implausible_eye_pairs_are_rejected() {
        let face = Rect { x: 0.0, y: 0.0, w: 100.0, h: 100.0 };
        let det =
            |x: f32, y: f32| Detection { rect: Rect { x, y, w: 10.0, h: 10.0 }, neighbours: 5 };
        // Level, 50 px apart: fine.
        assert!(pick_eyes(face, &[det(20.0, 30.0), det(70.0, 30.0)]).is_some());
        // One eye only.
        assert!(pick_eyes(face, &[det(20.0, 30.0)]).is_none());
        // Far too steep.
        assert!(pick_eyes(face, &[det(20.0, 10.0), det(70.0, 60.0)]).is_none());
    }
}
