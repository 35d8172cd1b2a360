//! Face image: JPEG / JPEG 2000 decode, the API image rules, JPEG/PNG encode
//! (ICAO 9303 Part 10 DG2 images per ISO/IEC 19794-5; ISO/IEC 10918-1, 15444-1).
//!
//! [`prepare`] takes the image bytes from DG2 (plus the record's eye centres if any) and
//! returns upload-ready bytes, the decoded picture for display, and the rule verdicts.
//! Everything here is pure and `Send`; run it off the UI thread.

pub mod bench;
pub mod cli;
pub mod decode;
pub mod detect;
pub mod encode;
pub mod haar;
pub mod header;
pub mod iris;
pub mod landmarks;
pub mod plausible;
pub mod rules;
pub mod source;

use image::RgbImage;

pub use decode::{DecodeLimits, Decoded, decode, decode_with_limits};
pub use encode::{EncodeMode, EncodePath, EncodePolicy, OutputFormat};
pub use header::{HeaderInfo, InputFormat, read_header};
pub use rules::{EyeDistanceMethod, MIN_EYE_DISTANCE_PX};
pub use source::input_image;

/// Errors of the face layer; each says which format and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// The bytes are none of JPEG, JP2, J2K, PNG.
    #[error("face image: unknown format (not JPEG, JP2, J2K or PNG)")]
    UnknownFormat,
    /// The input is larger than the decoder accepts.
    #[error("face image: input is {bytes} bytes, limit {limit}")]
    InputTooLarge {
        /// Input size.
        bytes: usize,
        /// Limit.
        limit: usize,
    },
    /// The header could not be read.
    #[error("face image ({format}) header: {what}")]
    Header {
        /// Format name.
        format: &'static str,
        /// What is wrong.
        what: String,
    },
    /// The header declares a size beyond the limits; nothing was decoded.
    #[error("face image ({format}) too large: {what}")]
    TooLarge {
        /// Format name.
        format: &'static str,
        /// What is too large.
        what: String,
    },
    /// The decoder rejected the data.
    #[error("face image ({format}) decode: {what}")]
    Decode {
        /// Format name.
        format: &'static str,
        /// Decoder message.
        what: String,
    },
    /// Encoding for upload failed.
    #[error("face image encode: {0}")]
    Encode(String),
}

/// Eye centres from the ISO/IEC 19794-5 record (feature points 12.1 and 12.2), in image
/// pixels. Order does not matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EyeCentres {
    /// One eye centre (x, y).
    pub first: (u16, u16),
    /// The other eye centre (x, y).
    pub second: (u16, u16),
}

impl From<((u16, u16), (u16, u16))> for EyeCentres {
    fn from((first, second): ((u16, u16), (u16, u16))) -> Self {
        EyeCentres { first, second }
    }
}

/// An upload-ready face with its checks. The upload bytes and the decoded pixels are
/// zeroized when it is dropped, wherever that happens (a stale result too).
#[derive(Clone)]
pub struct PreparedFace {
    /// Format of the chip's image.
    pub input_format: InputFormat,
    /// Media type of [`PreparedFace::bytes`].
    pub output_format: OutputFormat,
    /// The bytes to upload.
    pub bytes: Vec<u8>,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Distance between the eye centres, when measured.
    pub eye_distance_px: Option<f32>,
    /// How it was measured.
    pub eye_distance_method: EyeDistanceMethod,
    /// The eye centres used (left-most first), when known.
    pub eyes: Option<((f32, f32), (f32, f32))>,
    /// Which encode path produced `bytes`.
    pub encode_path: EncodePath,
    /// Plain sentences: failed rules and notable decisions.
    pub problems: Vec<String>,
    /// True when every API rule is known to pass.
    pub meets_requirements: bool,
    /// The decoded picture, for display.
    pub display: RgbImage,
}

impl zeroize::Zeroize for PreparedFace {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
        let pixels: &mut [u8] = &mut self.display;
        pixels.zeroize();
        self.eyes = None;
        self.eye_distance_px = None;
    }
}

impl Drop for PreparedFace {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self);
    }
}

impl zeroize::ZeroizeOnDrop for PreparedFace {}

impl std::fmt::Debug for PreparedFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedFace")
            .field("input_format", &self.input_format)
            .field("output_format", &self.output_format)
            .field("bytes", &format_args!("<{} bytes redacted>", self.bytes.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .field("eye_distance_px", &self.eye_distance_px)
            .field("eye_distance_method", &self.eye_distance_method)
            .field("encode_path", &self.encode_path)
            .field("problems", &self.problems)
            .field("meets_requirements", &self.meets_requirements)
            .field("display", &"<redacted>")
            .finish()
    }
}

/// The JSON report of the `face` command (no image bytes, no coordinates of the person).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FaceReport {
    /// "jpeg" | "jp2" | "j2k" | "png".
    pub input_format: InputFormat,
    /// "jpeg" | "png" | "jp2".
    pub output_format: OutputFormat,
    /// The upload media type.
    pub media_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Upload size in bytes.
    pub bytes: usize,
    /// Inter-eye distance in pixels (one decimal), or null.
    pub eye_distance_px: Option<f64>,
    /// "feature_points" | "detector" | "none".
    pub eye_distance_method: EyeDistanceMethod,
    /// Plain description of the method.
    pub eye_distance_method_detail: &'static str,
    /// "original" | "png" | "jpeg-qNN".
    pub encode_path: EncodePath,
    /// All rules known to pass.
    pub meets_requirements: bool,
    /// Plain sentences.
    pub problems: Vec<String>,
}

impl PreparedFace {
    /// The serialisable report.
    pub fn report(&self) -> FaceReport {
        FaceReport {
            input_format: self.input_format,
            output_format: self.output_format,
            media_type: self.output_format.media_type(),
            width: self.width,
            height: self.height,
            bytes: self.bytes.len(),
            eye_distance_px: self.eye_distance_px.map(|d| (f64::from(d) * 10.0).round() / 10.0),
            eye_distance_method: self.eye_distance_method,
            eye_distance_method_detail: self.eye_distance_method.describe(),
            encode_path: self.encode_path,
            meets_requirements: self.meets_requirements,
            problems: self.problems.clone(),
        }
    }
}

/// Decode, measure, encode and check a chip face image with the default decode limits.
pub fn prepare(
    image: &[u8],
    eyes: Option<EyeCentres>,
    policy: &EncodePolicy,
) -> Result<PreparedFace, FaceError> {
    prepare_with_limits(image, eyes, policy, &DecodeLimits::default())
}

/// As [`prepare`], with explicit decode limits.
pub fn prepare_with_limits(
    image: &[u8],
    eyes: Option<EyeCentres>,
    policy: &EncodePolicy,
    limits: &DecodeLimits,
) -> Result<PreparedFace, FaceError> {
    let mut decoded = decode_with_limits(image, limits)?;
    let (width, height) = decoded.image.dimensions();
    let mut problems = Vec::new();
    let (eye_pts, method) = measure_eyes(&decoded.image, eyes, &mut problems);
    let eye_distance_px = eye_pts.map(|(a, b)| rules::distance(a, b));
    let enc = encode::encode_for_upload(image, decoded.format, &decoded.image, policy)?;
    let failed = rules::check(enc.format, enc.bytes.len(), policy.max_bytes, eye_distance_px);
    let meets_requirements = failed.is_empty();
    problems.extend(failed);
    problems.extend(enc.problems.into_iter().filter(|p| !p.contains("-byte limit")));
    Ok(PreparedFace {
        input_format: decoded.format,
        output_format: enc.format,
        bytes: enc.bytes,
        width,
        height,
        eye_distance_px,
        eye_distance_method: method,
        eyes: eye_pts,
        encode_path: enc.path,
        problems,
        meets_requirements,
        display: std::mem::take(&mut decoded.image),
    })
}

type EyePair = ((f32, f32), (f32, f32));

/// Feature points agree with the detector when their distance is within this fraction of
/// the detector's, and each point lies within [`AGREE_POINT`] × that distance of its eye.
pub const AGREE_DISTANCE: f32 = 0.10;
/// See [`AGREE_DISTANCE`].
pub const AGREE_POINT: f32 = 0.25;

/// Eye centres for the 85-pixel rule. The record's feature points are preferred only when the
/// detector confirms them (or finds no eyes to compare with, which is said); when the two
/// disagree the detector's pair, checked against the face box, is used and the reason given.
pub fn measure_eyes(
    img: &RgbImage,
    eyes: Option<EyeCentres>,
    problems: &mut Vec<String>,
) -> (Option<EyePair>, EyeDistanceMethod) {
    let mut record = None;
    if let Some(e) = eyes {
        let inside = |p: (u16, u16)| u32::from(p.0) < img.width() && u32::from(p.1) < img.height();
        if inside(e.first) && inside(e.second) && e.first != e.second {
            let a = (f32::from(e.first.0), f32::from(e.first.1));
            let b = (f32::from(e.second.0), f32::from(e.second.1));
            record = Some(if a.0 <= b.0 { (a, b) } else { (b, a) });
        } else {
            problems.push(
                "The record's eye-centre feature points are unusable (outside the image or \
                 equal); the detector was used instead."
                    .to_string(),
            );
        }
    }
    let search = detect::find_eyes(img);
    if let Some(fp) = record {
        let fp_d = rules::distance(fp.0, fp.1);
        if let detect::EyeSearch::Found { left, right, .. } = search {
            let det_d = rules::distance(left, right);
            let near = |p, q| rules::distance(p, q) <= AGREE_POINT * det_d;
            if (fp_d - det_d).abs() <= AGREE_DISTANCE * det_d
                && near(fp.0, left)
                && near(fp.1, right)
            {
                return (Some(fp), EyeDistanceMethod::FeaturePoints);
            }
            problems.push(format!(
                "The record's eye-centre feature points ({fp_d:.0} pixels apart) disagree with \
                 the eye detector ({det_d:.0} pixels apart); the detector's eyes, checked \
                 against the face, were used."
            ));
            return (Some((left, right)), EyeDistanceMethod::Detector);
        }
        problems.push(
            "The record's eye-centre feature points were used without a check: the detector \
             located no eyes to compare them with."
                .to_string(),
        );
        return (Some(fp), EyeDistanceMethod::FeaturePoints);
    }
    match search {
        detect::EyeSearch::Found { left, right, .. } => {
            (Some((left, right)), EyeDistanceMethod::Detector)
        }
        detect::EyeSearch::NoFace => {
            problems.push("The face detector found no frontal face in the image.".to_string());
            (None, EyeDistanceMethod::None)
        }
        detect::EyeSearch::EyesNotFound { .. } => {
            problems.push("A face was found but its two eyes could not be located.".to_string());
            (None, EyeDistanceMethod::None)
        }
        detect::EyeSearch::ModelUnavailable(e) => {
            problems.push(format!("The bundled face detector could not be loaded ({e})."));
            (None, EyeDistanceMethod::None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_face_debug_redacts_image_data() {
        let img = RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8, y as u8, 200]));
        let png = encode::encode_png(&img).unwrap();
        let eyes = EyeCentres::from(((5, 10), (30, 10)));
        let f = prepare(&png, Some(eyes), &EncodePolicy::default()).unwrap();
        assert_eq!(f.eye_distance_method, EyeDistanceMethod::FeaturePoints);
        assert_eq!(f.eye_distance_px, Some(25.0));
        assert_eq!(f.encode_path, EncodePath::Png);
        assert_eq!(decode(&f.bytes).unwrap().image, img, "lossless");
        let dbg = format!("{f:?}");
        assert!(dbg.contains("bytes redacted"), "{dbg}");
        assert!(!dbg.contains("137, 80, 78, 71"), "{dbg}");
        let json = serde_json::to_string(&f.report()).unwrap();
        assert!(json.contains("\"eye_distance_method\":\"feature_points\""), "{json}");
        assert!(!json.contains("(5, 10)"));
    }
}
