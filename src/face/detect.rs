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

/// Pick the best eye on each side of the face's vertical midline.
fn pick_eyes(face: Rect, found: &[Detection]) -> Option<((f32, f32), (f32, f32))> {
    let mid = face.x + face.w / 2.0;
    let best = |left: bool| {
        found
            .iter()
            .filter(|d| (d.rect.centre().0 < mid) == left)
            .max_by(|a, b| a.neighbours.cmp(&b.neighbours).then(a.rect.w.total_cmp(&b.rect.w)))
            .map(|d| d.rect.centre())
    };
    let (l, r) = (best(true)?, best(false)?);
    let d = ((r.0 - l.0).powi(2) + (r.1 - l.1).powi(2)).sqrt();
    let plausible = d >= 0.2 * face.w && d <= 0.8 * face.w && (r.1 - l.1).abs() <= 0.35 * d;
    plausible.then_some((l, r))
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
    let Some(face) = find_face(&gray, model) else {
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
    let mut found = cascade.detect(&band, 1.1, 0.1 * face.w, 0.45 * face.w, 2);
    for d in &mut found {
        d.rect.x += x0 as f32;
        d.rect.y += y0 as f32;
    }
    match pick_eyes(face, &found) {
        Some((l, r)) => EyeSearch::Found {
            left: (l.0 * scale, l.1 * scale),
            right: (r.0 * scale, r.1 * scale),
            face: up(face),
        },
        None => EyeSearch::EyesNotFound { face: up(face) },
    }
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
