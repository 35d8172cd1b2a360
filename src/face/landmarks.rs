//! Five facial landmarks (the two eye centres, the nose tip and the mouth corners) and the face
//! box from YuNet (Wu, Peng & Yu 2023, libfacedetection; Apache-2.0 model in `models/`), run by
//! `tract`. The network sees the image letterboxed into 640 × 640; everything returned is in
//! the caller's pixels.

use std::sync::OnceLock;

use image::imageops::{FilterType, resize};
use image::{Rgb, RgbImage};
use tract_onnx::prelude::*;

use super::haar::Rect;

/// libfacedetection.train `onnx/yunet_n_640_640.onnx` (see models/PROVENANCE.md).
const YUNET_MODEL: &[u8] = include_bytes!("models/yunet_n_640_640.onnx");

/// The network's fixed input side.
const SIDE: u32 = 640;

/// The network's output strides (feature maps at 1/8, 1/16 and 1/32 of the input).
const STRIDES: [usize; 3] = [8, 16, 32];

/// Weakest face score kept (OpenCV's FaceDetectorYN default is 0.9; landmarks are still good
/// on the harder faces a lower bar admits, and the eye pair is checked afterwards).
const MIN_SCORE: f32 = 0.6;

type Plan = SimplePlan<TypedFact, Box<dyn TypedOp>, Graph<TypedFact, Box<dyn TypedOp>>>;

/// One face found by the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmarks {
    /// Detection confidence, 0–1.
    pub score: f32,
    /// The face box.
    pub face: Rect,
    /// Eye centres, left-most in the image first.
    pub eyes: ((f32, f32), (f32, f32)),
    /// Nose tip.
    pub nose: (f32, f32),
}

fn plan() -> Result<&'static Plan, String> {
    static P: OnceLock<Result<Plan, String>> = OnceLock::new();
    P.get_or_init(|| {
        let side = SIDE as usize;
        tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(YUNET_MODEL))
            .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, side, side]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| format!("YuNet model: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Check that the bundled model loads (a build defect otherwise).
pub fn model_loads() -> Result<(), String> {
    plan().map(|_| ())
}

/// Faces in `img`, best first. `pad` (0 or more) places the image in a canvas that much larger
/// on every side, for tight crops whose face touches the frame.
pub fn detect(img: &RgbImage, pad: f32) -> Result<Vec<Landmarks>, String> {
    let plan = plan()?;
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Ok(Vec::new());
    }
    let outer = w.max(h) as f32 * (1.0 + 2.0 * pad);
    let k = SIDE as f32 / outer;
    let (sw, sh) = (((w as f32 * k) as u32).clamp(1, SIDE), ((h as f32 * k) as u32).clamp(1, SIDE));
    let small = resize(img, sw, sh, FilterType::Triangle);
    let (ox, oy) = ((SIDE - sw) / 2, (SIDE - sh) / 2);
    let mean = mean_colour(&small);
    let side = SIDE as usize;
    let mut input = tract_ndarray::Array4::<f32>::zeros((1, 3, side, side));
    for y in 0..SIDE {
        for x in 0..SIDE {
            let p = if (ox..ox + sw).contains(&x) && (oy..oy + sh).contains(&y) {
                *small.get_pixel(x - ox, y - oy)
            } else {
                mean
            };
            // The network takes BGR in 0–255.
            for (c, v) in [p.0[2], p.0[1], p.0[0]].into_iter().enumerate() {
                input[[0, c, y as usize, x as usize]] = f32::from(v);
            }
        }
    }
    let out = plan.run(tvec!(Tensor::from(input).into())).map_err(|e| format!("YuNet: {e}"))?;
    let back = |x: f32, y: f32| ((x - ox as f32) / k, (y - oy as f32) / k);
    let mut faces = Vec::new();
    for (level, stride) in STRIDES.into_iter().enumerate() {
        let view = |i: usize| -> Result<Vec<f32>, String> {
            let t = out.get(i).ok_or("YuNet: missing output")?;
            let a = t.to_array_view::<f32>().map_err(|e| format!("YuNet output: {e}"))?;
            Ok(a.iter().copied().collect())
        };
        let (cls, obj, bbox, kps) =
            (view(level)?, view(level + 3)?, view(level + 6)?, view(level + 9)?);
        let cols = side / stride;
        let cells = cols * (side / stride);
        if cls.len() != cells
            || obj.len() != cells
            || bbox.len() != 4 * cells
            || kps.len() != 10 * cells
        {
            return Err("YuNet: unexpected output shape".to_string());
        }
        let s = stride as f32;
        for i in 0..cells {
            let score = (cls[i].clamp(0.0, 1.0) * obj[i].clamp(0.0, 1.0)).sqrt();
            if score < MIN_SCORE {
                continue;
            }
            let (c, r) = ((i % cols) as f32, (i / cols) as f32);
            let b = &bbox[4 * i..4 * i + 4];
            let (cx, cy) = ((c + b[0]) * s, (r + b[1]) * s);
            let (bw, bh) = (b[2].clamp(-10.0, 10.0).exp() * s, b[3].clamp(-10.0, 10.0).exp() * s);
            let p =
                |n: usize| back((kps[10 * i + 2 * n] + c) * s, (kps[10 * i + 2 * n + 1] + r) * s);
            let (a, z) = (p(0), p(1));
            let (x0, y0) = back(cx - bw / 2.0, cy - bh / 2.0);
            faces.push(Landmarks {
                score,
                face: Rect { x: x0, y: y0, w: bw / k, h: bh / k },
                eyes: if a.0 <= z.0 { (a, z) } else { (z, a) },
                nose: p(2),
            });
        }
    }
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(suppress(faces))
}

/// Non-maximum suppression: drop a face overlapping a better one by more than 30 %.
fn suppress(sorted: Vec<Landmarks>) -> Vec<Landmarks> {
    let mut kept: Vec<Landmarks> = Vec::new();
    for f in sorted {
        if kept.iter().all(|k| iou(k.face, f.face) <= 0.3) {
            kept.push(f);
        }
    }
    kept
}

fn iou(a: Rect, b: Rect) -> f32 {
    let w = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
    let h = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
    if w <= 0.0 || h <= 0.0 {
        return 0.0;
    }
    let inter = w * h;
    inter / (a.w * a.h + b.w * b.h - inter).max(f32::EPSILON)
}

fn mean_colour(img: &RgbImage) -> Rgb<u8> {
    let n = u64::from(img.width()) * u64::from(img.height());
    let mut sum = [0u64; 3];
    for p in img.pixels() {
        for (s, v) in sum.iter_mut().zip(p.0) {
            *s += u64::from(v);
        }
    }
    Rgb(sum.map(|s| (s / n.max(1)) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_model_loads() {
        assert_eq!(model_loads(), Ok(()));
    }

    #[test]
    fn a_blank_image_has_no_face() {
        let img = RgbImage::from_pixel(300, 400, Rgb([128, 128, 128]));
        assert!(detect(&img, 0.0).unwrap().is_empty());
    }

    #[test]
    fn overlapping_faces_keep_the_best() {
        let f = |x: f32, score: f32| Landmarks {
            score,
            face: Rect { x, y: 0.0, w: 100.0, h: 100.0 },
            eyes: ((30.0, 40.0), (70.0, 40.0)),
            nose: (50.0, 60.0),
        };
        let kept = suppress(vec![f(0.0, 0.9), f(10.0, 0.8), f(300.0, 0.7)]);
        assert_eq!(kept.iter().map(|k| k.score).collect::<Vec<_>>(), vec![0.9, 0.7]);
    }
}
