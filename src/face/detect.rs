//! Bundled eye locator: SeetaFace frontal face detector (via `rustface`, BSD-2 model
//! shipped in that crate) finds the face; OpenCV's Haar eye cascade (Intel licence,
//! Debian `opencv-data`) finds the two eyes inside the face's upper part. No guessing:
//! when either step fails the caller is told so.

use std::sync::OnceLock;

use image::imageops::{FilterType, resize};
use image::{GrayImage, RgbImage};

use super::haar::{Cascade, Detection, Rect};

/// OpenCV `haarcascade_eye.xml` (Intel License Agreement; see the file's header).
pub const EYE_CASCADE_XML: &str = include_str!("models/haarcascade_eye.xml");
/// SeetaFace `seeta_fd_frontal_v1.0.bin` (BSD-2-Clause; see models/LICENSE.seetaface-rustface).
const SEETA_MODEL: &[u8] = include_bytes!("models/seeta_fd_frontal_v1.0.bin");

/// Name reported as the eye-distance method when this detector measured it.
pub const METHOD_NAME: &str = "detector: SeetaFace frontal face + OpenCV Haar eye cascade";

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
            return EyeSearch::Found { left: at(l), right: at(r), face: up(face) };
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
