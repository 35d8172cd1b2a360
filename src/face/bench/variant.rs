//! The degradations the eye-locator benchmark applies to a labelled face: scale to a given
//! true eye distance, JPEG and JPEG 2000 compression, grey-scale, small rotation, and drawn
//! spectacle frames. Each keeps the eye labels true for the degraded image.

use std::path::PathBuf;
use std::process::Command;

use image::imageops::{FilterType, resize};
use image::{Rgb, RgbImage};

use super::BenchError;
use crate::face::{decode, encode};

/// Two eye centres in image pixels (left-most first).
pub type Eyes = ((f32, f32), (f32, f32));

/// One degradation applied after scaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    /// JPEG at this quality (95 is the near-lossless baseline).
    Jpeg(u8),
    /// JPEG 2000 (9/7 wavelet) at this compression ratio, made with OpenJPEG's `opj_compress`.
    Jp2(u32),
    /// Grey-scale (luma), stored as JPEG q95.
    Grey,
    /// Rotated by this many degrees (counter-clockwise), stored as JPEG q95.
    Rotate(f32),
    /// Dark spectacle frames drawn around the eyes, stored as JPEG q95.
    Glasses,
}

impl Variant {
    /// Every variant the benchmark knows.
    pub const ALL: [Variant; 9] = [
        Variant::Jpeg(95),
        Variant::Jpeg(75),
        Variant::Jpeg(50),
        Variant::Jp2(20),
        Variant::Jp2(40),
        Variant::Grey,
        Variant::Rotate(5.0),
        Variant::Rotate(-5.0),
        Variant::Glasses,
    ];

    /// Short name for tables.
    pub fn name(&self) -> String {
        match self {
            Variant::Jpeg(q) => format!("jpeg-q{q}"),
            Variant::Jp2(r) => format!("jp2-{r}:1"),
            Variant::Grey => "grey".to_string(),
            Variant::Rotate(a) => format!("rotate{a:+}°"),
            Variant::Glasses => "glasses".to_string(),
        }
    }
}

/// Scale `img` so the labelled eye distance becomes `target` pixels.
pub fn scale_to(img: &RgbImage, eyes: Eyes, target: f32) -> (RgbImage, Eyes) {
    let d = distance(eyes.0, eyes.1).max(1.0);
    let s = target / d;
    let w = ((img.width() as f32 * s).round() as u32).max(1);
    let h = ((img.height() as f32 * s).round() as u32).max(1);
    let (sx, sy) = (w as f32 / img.width() as f32, h as f32 / img.height() as f32);
    let map = |p: (f32, f32)| ((p.0 + 0.5) * sx - 0.5, (p.1 + 0.5) * sy - 0.5);
    (resize(img, w, h, FilterType::CatmullRom), (map(eyes.0), map(eyes.1)))
}

/// Apply `v` and return the degraded image as the locator will see it (encoded and decoded
/// again through the kiosk's own decoder) with its eye labels.
pub fn apply(img: &RgbImage, eyes: Eyes, v: Variant) -> Result<(RgbImage, Eyes), BenchError> {
    let (pixels, eyes) = match v {
        Variant::Jpeg(_) | Variant::Jp2(_) => (img.clone(), eyes),
        Variant::Grey => (grey(img), eyes),
        Variant::Rotate(deg) => rotate(img, eyes, deg),
        Variant::Glasses => (glasses(img, eyes), eyes),
    };
    let bytes = match v {
        Variant::Jpeg(q) => encode::encode_jpeg(&pixels, q)?,
        Variant::Jp2(ratio) => opj_compress(&pixels, ratio)?,
        _ => encode::encode_jpeg(&pixels, 95)?,
    };
    Ok((std::mem::take(&mut decode(&bytes)?.image), eyes))
}

fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn grey(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0;
        let y = (0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)).round();
        let y = y.clamp(0.0, 255.0) as u8;
        *p = Rgb([y, y, y]);
    }
    out
}

/// Rotate about the image centre by `deg` (counter-clockwise as seen), bilinear, the
/// uncovered corners filled with the image's edge colour (its top-left pixel).
fn rotate(img: &RgbImage, eyes: Eyes, deg: f32) -> (RgbImage, Eyes) {
    let (w, h) = img.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = (-deg.to_radians()).sin_cos();
    let fill = *img.get_pixel(0, 0);
    // Destination (x, y) samples the source at the inverse rotation.
    let out = RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let sx = cos * dx + sin * dy + cx - 0.5;
        let sy = -sin * dx + cos * dy + cy - 0.5;
        bilinear(img, sx, sy).unwrap_or(fill)
    });
    let fwd = |p: (f32, f32)| {
        let (dx, dy) = (p.0 + 0.5 - cx, p.1 + 0.5 - cy);
        (cos * dx - sin * dy + cx - 0.5, sin * dx + cos * dy + cy - 0.5)
    };
    let (a, b) = (fwd(eyes.0), fwd(eyes.1));
    (out, if a.0 <= b.0 { (a, b) } else { (b, a) })
}

fn bilinear(img: &RgbImage, x: f32, y: f32) -> Option<Rgb<u8>> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
        return None;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(img.width() - 1), (y0 + 1).min(img.height() - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = |x, y| img.get_pixel(x, y).0.map(f32::from);
    let (a, b, c, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
    let mut out = [0u8; 3];
    for i in 0..3 {
        let top = a[i] + (b[i] - a[i]) * fx;
        let bottom = c[i] + (d[i] - c[i]) * fx;
        out[i] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
    }
    Some(Rgb(out))
}

/// Dark rectangular spectacle frames (lenses 0.8 × 0.5 of the eye distance, a bridge and
/// the temples) drawn around the labelled eyes: the frames are what drags a Haar eye
/// cascade's boxes outwards.
fn glasses(img: &RgbImage, eyes: Eyes) -> RgbImage {
    let mut out = img.clone();
    let d = distance(eyes.0, eyes.1);
    let t = (d / 22.0).max(2.0);
    let (lw, lh) = (0.8 * d, 0.5 * d);
    let colour = Rgb([28, 24, 22]);
    let mut rect = |x0: f32, y0: f32, x1: f32, y1: f32| {
        let (xa, ya) = (x0.max(0.0) as u32, y0.max(0.0) as u32);
        let (xb, yb) =
            ((x1.max(0.0) as u32).min(out.width()), (y1.max(0.0) as u32).min(out.height()));
        for y in ya..yb {
            for x in xa..xb {
                out.put_pixel(x, y, colour);
            }
        }
    };
    for (ex, ey) in [eyes.0, eyes.1] {
        let (x0, y0, x1, y1) = (ex - lw / 2.0, ey - 0.45 * lh, ex + lw / 2.0, ey + 0.55 * lh);
        rect(x0, y0, x1, y0 + t);
        rect(x0, y1 - t, x1, y1);
        rect(x0, y0, x0 + t, y1);
        rect(x1 - t, y0, x1, y1);
    }
    let (l, r) = eyes;
    let top = l.1.min(r.1) - 0.45 * lh;
    rect(l.0 + lw / 2.0, top + 0.1 * lh, r.0 - lw / 2.0, top + 0.1 * lh + t);
    rect(l.0 - lw / 2.0 - 0.45 * d, top + 0.1 * lh, l.0 - lw / 2.0, top + 0.1 * lh + t);
    rect(r.0 + lw / 2.0, top + 0.1 * lh, r.0 + lw / 2.0 + 0.45 * d, top + 0.1 * lh + t);
    out
}

/// JPEG 2000 at `ratio`:1 through OpenJPEG's `opj_compress` (Debian `libopenjp2-tools`), in a
/// private temporary folder removed afterwards.
fn opj_compress(img: &RgbImage, ratio: u32) -> Result<Vec<u8>, BenchError> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("enrol-kiosk-bench-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| BenchError::Tool(e.to_string()))?;
    let result = (|| {
        let ppm = dir.join("in.ppm");
        let jp2 = dir.join("out.jp2");
        let mut data = format!("P6\n{} {}\n255\n", img.width(), img.height()).into_bytes();
        data.extend_from_slice(img.as_raw());
        std::fs::write(&ppm, &data).map_err(|e| BenchError::Tool(e.to_string()))?;
        let out = Command::new("opj_compress")
            .arg("-i")
            .arg(&ppm)
            .arg("-o")
            .arg(&jp2)
            .args(["-I", "-r", &ratio.to_string()])
            .output()
            .map_err(|e| BenchError::Tool(format!("opj_compress (libopenjp2-tools): {e}")))?;
        if !out.status.success() {
            return Err(BenchError::Tool(format!("opj_compress failed: {}", out.status)));
        }
        std::fs::read(&jp2).map_err(|e| BenchError::Tool(e.to_string()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_moves_the_labels_with_the_pixels() {
        let mut img = RgbImage::from_pixel(200, 100, Rgb([255, 255, 255]));
        for (x, y) in [(60u32, 40u32), (140, 40)] {
            for dy in 0..3 {
                for dx in 0..3 {
                    img.put_pixel(x - 1 + dx, y - 1 + dy, Rgb([0, 0, 0]));
                }
            }
        }
        let (out, (l, r)) = rotate(&img, ((60.0, 40.0), (140.0, 40.0)), 5.0);
        for p in [l, r] {
            assert!(out.get_pixel(p.0.round() as u32, p.1.round() as u32).0[0] < 128, "{p:?}");
        }
        assert!((distance(l, r) - 80.0).abs() < 0.01);
    }

    #[test]
    fn scaling_scales_the_labels() {
        let img = RgbImage::new(100, 50);
        let (out, (l, r)) = scale_to(&img, ((20.0, 20.0), (60.0, 20.0)), 80.0);
        assert_eq!(out.dimensions(), (200, 100));
        assert!((distance(l, r) - 80.0).abs() < 0.01);
    }
}
