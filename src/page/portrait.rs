//! The portrait printed on a photo page, cropped for upload: the portrait zone from the MRZ's
//! page geometry (ICAO 9303 Parts 4–5, zone V), the page's rotation corrected, the face found
//! by the bundled locator ([`crate::face::detect`]) and cropped with ISO/IEC 19794-5 token
//! proportions (image width 4 × the eye distance, height 4/3 × the width, eyes level and
//! centred at 0.6 × the width from the top), at the page's own resolution — never upscaled.
//! Below the API's 85-pixel eye distance the crop is refused with "scan at 600 dpi".

use image::RgbImage;
use image::imageops::FilterType;

use crate::face::detect::{self, EyeSearch};
use crate::face::encode::{self, EncodePolicy};
use crate::face::rules::{self, MIN_EYE_DISTANCE_PX};
use crate::face::{EyeDistanceMethod, FaceError, InputFormat, PreparedFace};

use super::MrzBand;
use super::zone::{self, Frame, PageGeometry, Zone};

/// Token proportions (ISO/IEC 19794-5 §8.3 token face image): width / eye distance.
const TOKEN_WIDTH_PER_EYE_DISTANCE: f32 = 4.0;
/// The narrowest crop still inside full-frontal geometry (head ≈ 2.4 eye distances wide is at
/// most 75 % of the width).
const MIN_WIDTH_PER_EYE_DISTANCE: f32 = 3.2;
/// Eye line from the top, as a fraction of the width (token: 0.6 W).
const EYES_FROM_TOP_PER_WIDTH: f32 = 0.6;
/// Height / width (token: 4:3).
const HEIGHT_PER_WIDTH: f32 = 4.0 / 3.0;
/// The resolution the kiosk asks for.
pub const ASKED_DPI: u32 = 600;
/// Largest side of a crop (a 600 dpi page's portrait is ~ 1000 px wide; 8192 caps hostile
/// geometry).
const MAX_CROP_SIDE: f32 = 8192.0;

/// Where the face was searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Located {
    /// In the portrait zone the MRZ's geometry gave.
    PortraitZone,
    /// On the whole image: a TD1 card's portrait is on its front, the MRZ on its back.
    CardFront,
    /// On the whole page, after the zone held no face.
    WholePageOutsideZone,
    /// On the whole page, for want of an MRZ band.
    WholePageWithoutMrz,
}

/// The portrait cropped from a page: the upload-ready face and how it was obtained.
#[derive(Debug)]
pub struct PagePortrait {
    /// The crop, encoded and checked against the API's rules.
    pub face: PreparedFace,
    /// Output pixels per page pixel: 1.0 unless the 2 MB limit forced a downscale.
    pub scale: f32,
    /// The rotation corrected, degrees counter-clockwise positive.
    pub rotation_deg: f32,
    /// The scan's resolution measured from the MRZ, dots per inch.
    pub dpi: Option<f32>,
    /// Where the face was found.
    pub located: Located,
    /// The portrait zone searched (in page pixels along the page's axes), when there was one.
    pub zone: Option<Zone>,
    /// True when the eyes are under 85 px apart at the page's resolution: the crop is not
    /// upscaled and must not be uploaded; staff are told to scan at 600 dpi.
    pub too_small: bool,
}

/// Why no portrait could be cropped.
#[derive(Debug, thiserror::Error)]
pub enum PortraitError {
    /// No frontal face anywhere searched.
    #[error("No face was found on the photo page.")]
    NoFace,
    /// A face, but not its two eyes.
    #[error("A face was found on the photo page but its eyes could not be located.")]
    EyesNotFound,
    /// The bundled detector could not be loaded (a build defect).
    #[error("The face detector could not be loaded ({0}).")]
    Detector(String),
    /// Encoding the crop failed.
    #[error("The portrait could not be encoded: {0}")]
    Encode(#[from] FaceError),
}

/// Locate, straighten, crop and encode the portrait of `page`. `band` is the MRZ's place on
/// the page (from OCR); without it the whole page is searched and the eyes give the level.
/// `input` is the page file's format (reported in the face); `policy` the upload encoding.
pub fn crop_portrait(
    page: &RgbImage,
    band: Option<&MrzBand>,
    input: InputFormat,
    policy: &EncodePolicy,
) -> Result<PagePortrait, PortraitError> {
    let dims = page.dimensions();
    let geom = band.and_then(|b| zone::geometry(b).map(|g| (g, b)));
    let zone = geom.and_then(|(g, b)| zone::portrait_zone(&g, dims, b));
    let mut problems = Vec::new();
    let mut found = None;
    if let Some(z) = zone {
        let img = sample(page, &z.frame, z.width, z.height);
        match detect::find_eyes(&img) {
            EyeSearch::Found { left, right, .. } => {
                found = Some((
                    z.frame.to_image(left.0, left.1),
                    z.frame.to_image(right.0, right.1),
                    Located::PortraitZone,
                ));
            }
            EyeSearch::ModelUnavailable(e) => return Err(PortraitError::Detector(e)),
            EyeSearch::NoFace | EyeSearch::EyesNotFound { .. } => {}
        }
    }
    let located_without = match geom {
        Some((_, b)) if !zone::portrait_beside_mrz(b.format) => Located::CardFront,
        Some(_) => Located::WholePageOutsideZone,
        None => Located::WholePageWithoutMrz,
    };
    let (left, right, located) = match found {
        Some(f) => f,
        None => match detect::find_eyes(page) {
            EyeSearch::Found { left, right, .. } => {
                let (l, r) = refine(page, left, right);
                (l, r, located_without)
            }
            EyeSearch::NoFace => return Err(PortraitError::NoFace),
            EyeSearch::EyesNotFound { .. } => return Err(PortraitError::EyesNotFound),
            EyeSearch::ModelUnavailable(e) => return Err(PortraitError::Detector(e)),
        },
    };
    match located {
        Located::PortraitZone | Located::CardFront => {}
        Located::WholePageOutsideZone => problems.push(
            "The face was not in the portrait zone the MRZ places it in; it was found \
             elsewhere on the image."
                .to_string(),
        ),
        Located::WholePageWithoutMrz => problems.push(
            "No MRZ was found, so the portrait was searched on the whole image and levelled \
             by the eyes."
                .to_string(),
        ),
    }
    // The page's axes from the MRZ; without one, the eye line (ICAO portraits have level
    // eyes) when it is within a small rotation.
    let axes = match geom {
        Some((g, _)) => g.page,
        None => eye_level_axes(left, right),
    };
    let eye_distance = rules::distance(left, right);
    let (crop, eyes_in_crop, cut) = crop_token(page, &axes, left, right);
    if cut {
        problems.push(
            "The portrait reaches the edge of the image; the crop's blank part was filled white."
                .to_string(),
        );
    }
    let dpi = geom.map(|(g, _)| g.dpi());
    let too_small = eye_distance < MIN_EYE_DISTANCE_PX;
    if too_small {
        problems.push(too_small_sentence(eye_distance, dpi));
    }
    let (face, scale) = encode_crop(crop, eyes_in_crop, input, policy, problems)?;
    Ok(PagePortrait {
        face,
        scale,
        rotation_deg: axes.rotation_deg(),
        dpi,
        located,
        zone,
        too_small,
    })
}

/// A whole-page search runs on a reduced copy of a large scan; search again at full
/// resolution in a region around the face it found (6 eye distances square), and keep the
/// finer answer when it agrees in scale (within 20 %).
fn refine(page: &RgbImage, left: (f32, f32), right: (f32, f32)) -> ((f32, f32), (f32, f32)) {
    let e = rules::distance(left, right);
    let side = (6.0 * e).clamp(64.0, 1000.0);
    let mid = ((left.0 + right.0) / 2.0, (left.1 + right.1) / 2.0);
    let origin = ((mid.0 - side / 2.0).round(), (mid.1 - 0.4 * side).round());
    let frame = Frame::upright(origin);
    let region = sample(page, &frame, side as u32, side as u32);
    match detect::find_eyes(&region) {
        EyeSearch::Found { left: l, right: r, .. }
            if (rules::distance(l, r) / e - 1.0).abs() <= 0.2 =>
        {
            (frame.to_image(l.0, l.1), frame.to_image(r.0, r.1))
        }
        _ => (left, right),
    }
}

/// The staff sentence for a portrait too small at this scan's resolution.
fn too_small_sentence(eye_distance: f32, dpi: Option<f32>) -> String {
    let at = match dpi {
        Some(d) => format!("At this scan's resolution (about {:.0} dpi)", d),
        None => "At this scan's resolution".to_string(),
    };
    format!(
        "{at} the portrait's eyes are {eye_distance:.0} pixels apart; the service needs \
         {MIN_EYE_DISTANCE_PX:.0} and the photo is never enlarged. Scan the page at \
         {ASKED_DPI} dpi."
    )
}

/// Axes along the eye line when it is within 10° of level, else upright.
fn eye_level_axes(left: (f32, f32), right: (f32, f32)) -> Frame {
    let dir = (right.0 - left.0, right.1 - left.1);
    match Frame::along((0.0, 0.0), dir) {
        Some(f) if f.rotation_deg().abs() <= 10.0 => f,
        _ => Frame::upright((0.0, 0.0)),
    }
}

/// Eye centres in the crop (left-most first).
type EyePair = ((f32, f32), (f32, f32));

/// Crop with token proportions around the eyes along `axes`, at 1 output pixel per page
/// pixel. The width shrinks from 4 towards 3.2 eye distances when the token crop would leave
/// the image; when even that leaves it, the outside is white and `cut` is true.
fn crop_token(
    page: &RgbImage,
    axes: &Frame,
    left: (f32, f32),
    right: (f32, f32),
) -> (RgbImage, EyePair, bool) {
    let e = rules::distance(left, right);
    let mid = ((left.0 + right.0) / 2.0, (left.1 + right.1) / 2.0);
    let (mu, mv) = axes.to_frame(mid);
    let inside = |w: f32| {
        let h = w * HEIGHT_PER_WIDTH;
        let (u0, v0) = (mu - w / 2.0, mv - EYES_FROM_TOP_PER_WIDTH * w);
        [(u0, v0), (u0 + w, v0), (u0, v0 + h), (u0 + w, v0 + h)].iter().all(|&(u, v)| {
            let (x, y) = axes.to_image(u, v);
            x >= -0.5
                && y >= -0.5
                && x <= page.width() as f32 + 0.5
                && y <= page.height() as f32 + 0.5
        })
    };
    let mut k = TOKEN_WIDTH_PER_EYE_DISTANCE;
    while k > MIN_WIDTH_PER_EYE_DISTANCE && !inside(k * e) {
        k -= 0.1;
    }
    let k = k.max(MIN_WIDTH_PER_EYE_DISTANCE);
    let w = (k * e).round().clamp(1.0, MAX_CROP_SIDE);
    let h = (w * HEIGHT_PER_WIDTH).round().clamp(1.0, MAX_CROP_SIDE);
    let cut = !inside(w);
    let (u0, v0) = ((mu - w / 2.0).round(), (mv - EYES_FROM_TOP_PER_WIDTH * w).round());
    let frame = axes.moved_to(u0, v0);
    let crop = sample(page, &frame, w as u32, h as u32);
    let l = frame.to_frame(left);
    let r = frame.to_frame(right);
    let eyes = if l.0 <= r.0 { (l, r) } else { (r, l) };
    (crop, eyes, cut)
}

/// Encode the crop for upload; only when no encoding fits the size limit is it scaled down
/// (never up), and the factor returned. Measures and rules follow the final pixels.
fn encode_crop(
    crop: RgbImage,
    eyes: EyePair,
    input: InputFormat,
    policy: &EncodePolicy,
    mut problems: Vec<String>,
) -> Result<(PreparedFace, f32), PortraitError> {
    let mut scale = 1.0f32;
    let mut img = crop;
    let mut enc = encode::encode_for_upload(&[], InputFormat::Png, &img, policy)?;
    let original = img.clone();
    let mut tries = 0;
    while enc.bytes.len() > policy.max_bytes && tries < 6 && img.width() > 16 {
        let f = (policy.max_bytes as f32 / enc.bytes.len() as f32).sqrt() * 0.95;
        scale *= f.clamp(0.25, 0.95);
        let w = ((original.width() as f32 * scale).round() as u32).max(1);
        let h = ((original.height() as f32 * scale).round() as u32).max(1);
        img = image::imageops::resize(&original, w, h, FilterType::Lanczos3);
        enc = encode::encode_for_upload(&[], InputFormat::Png, &img, policy)?;
        tries += 1;
    }
    let eyes = ((eyes.0.0 * scale, eyes.0.1 * scale), (eyes.1.0 * scale, eyes.1.1 * scale));
    let d = rules::distance(eyes.0, eyes.1);
    if scale < 1.0 {
        problems.push(format!(
            "The crop was scaled down to {:.0} % to fit the service's size limit.",
            scale * 100.0
        ));
    }
    let failed = rules::check(enc.format, enc.bytes.len(), policy.max_bytes, Some(d));
    let meets_requirements = failed.is_empty();
    // The rule's own sentence first, then the page's own notes (refusal, fallbacks).
    let mut all = failed;
    all.extend(problems);
    all.extend(enc.problems.into_iter().filter(|p| !p.contains("-byte limit")));
    let (width, height) = img.dimensions();
    let face = PreparedFace {
        input_format: input,
        output_format: enc.format,
        bytes: enc.bytes,
        width,
        height,
        eye_distance_px: Some(d),
        eye_distance_method: EyeDistanceMethod::Detector,
        eyes: Some(eyes),
        encode_path: enc.path,
        problems: all,
        meets_requirements,
        display: img,
    };
    Ok((face, scale))
}

/// Sample a `w` × `h` picture whose pixel (i, j) is the page at frame point (i + ½, j + ½),
/// bilinear; outside the page is white. An upright frame at whole pixels copies exactly.
pub fn sample(page: &RgbImage, frame: &Frame, w: u32, h: u32) -> RgbImage {
    let (pw, ph) = (page.width() as i64, page.height() as i64);
    let px = |x: i64, y: i64| -> [f32; 3] {
        if x < 0 || y < 0 || x >= pw || y >= ph {
            return [255.0; 3];
        }
        page.get_pixel(x as u32, y as u32).0.map(f32::from)
    };
    RgbImage::from_fn(w, h, |i, j| {
        let (x, y) = frame.to_image(i as f32 + 0.5, j as f32 + 0.5);
        let (sx, sy) = (x - 0.5, y - 0.5);
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (a, b, c, d) = (px(x0, y0), px(x0 + 1, y0), px(x0, y0 + 1), px(x0 + 1, y0 + 1));
        let mut out = [0u8; 3];
        for k in 0..3 {
            let top = a[k] + (b[k] - a[k]) * fx;
            let bottom = c[k] + (d[k] - c[k]) * fx;
            out[k] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
        }
        image::Rgb(out)
    })
}

/// The page geometry of a band, for callers that report it.
pub fn page_geometry(band: &MrzBand) -> Option<PageGeometry> {
    zone::geometry(band)
}

#[cfg(test)]
#[path = "portrait_tests.rs"]
mod tests;
