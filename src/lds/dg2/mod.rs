//! DG2, the encoded face (ICAO 9303 Part 10 §4.7.2): the CBEFF biometric information
//! template group (ISO/IEC 19785, 9303 Part 10 Table 33) around ISO/IEC 19794-5:2005
//! facial records.
//!
//! ```text
//! 75 { 7F61 { 02 n, n × 7F60 { A1 { biometric header template }, 5F2E record | 7F2E } } }
//! ```
//! 7F2E (ISO/IEC 39794-5) is read for its 2D images and their declared size only.

mod image;
mod iso39794;
pub mod record;

use std::fmt;

pub use image::ImageFormat;

use super::LdsError;
use crate::iso7816::tlv::{self, Reader};

const FILE: &str = "EF.DG2";

/// Most biometric information templates (7F60) accepted in one DG2.
pub const MAX_TEMPLATES: usize = 16;

/// A facial feature point (ISO/IEC 19794-5 §5.6.3; MPEG-4 codes, e.g. 12.1 = 0xC1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeaturePoint {
    /// Feature point type (1 = 2D MPEG-4 feature point).
    pub kind: u8,
    /// major << 4 | minor.
    pub code: u8,
    pub x: u16,
    pub y: u16,
}

/// One face image with the ISO/IEC 19794-5 header fields that describe it.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// Identified by the image bytes.
    pub format: ImageFormat,
    pub width: u16,
    pub height: u16,
    pub feature_points: Vec<FeaturePoint>,
    /// 0 unspecified, 1 male, 2 female, 0xFF unknown.
    pub gender: u8,
    pub eye_colour: u8,
    pub hair_colour: u8,
    pub property_mask: [u8; 3],
    pub expression: u16,
    /// Yaw, pitch, roll.
    pub pose_angle: [u8; 3],
    pub pose_angle_uncertainty: [u8; 3],
    /// Face image type: 0 basic, 1 full frontal, 2 token frontal (0 for 39794-5 faces,
    /// whose header fields other than the size are not read).
    pub image_type: u8,
    /// The image data type as declared (0 JPEG, 1 JPEG 2000); `format` is what the bytes are.
    pub image_data_type: u8,
    pub colour_space: u8,
    pub source_type: u8,
    pub device_type: u16,
    pub quality: u16,
    /// The encoded image, exactly as stored.
    pub data: Vec<u8>,
}

impl fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaceImage")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("feature_points", &self.feature_points.len())
            .field("image_type", &self.image_type)
            .field("data", &format_args!("<{} bytes redacted>", self.data.len()))
            .finish()
    }
}

impl FaceImage {
    /// A face with default header fields (full frontal, no feature points) around
    /// `data`; `None` when `data` is neither JPEG nor JPEG 2000.
    pub fn new(data: Vec<u8>, width: u16, height: u16) -> Option<FaceImage> {
        Some(FaceImage {
            format: ImageFormat::sniff(&data)?,
            width,
            height,
            feature_points: Vec::new(),
            gender: 0,
            eye_colour: 0,
            hair_colour: 0,
            property_mask: [0; 3],
            expression: 0,
            pose_angle: [0; 3],
            pose_angle_uncertainty: [0; 3],
            image_type: 1,
            image_data_type: 0,
            colour_space: 1,
            source_type: 0,
            device_type: 0,
            quality: 0,
            data,
        })
    }

    /// The eye centres, feature points 12.1 and 12.2 (in that order), when both are given.
    pub fn eye_centres(&self) -> Option<((u16, u16), (u16, u16))> {
        let find = |code: u8| {
            self.feature_points.iter().find(|p| p.kind == 1 && p.code == code).map(|p| (p.x, p.y))
        };
        Some((find(0xC1)?, find(0xC2)?))
    }
}

/// The faces of DG2, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    pub faces: Vec<FaceImage>,
}

/// Parses DG2: every template and every face in each facial record.
pub fn parse(bytes: &[u8]) -> Result<Dg2, LdsError> {
    let err = LdsError::tlv(FILE);
    let mut outer = Reader::new(bytes);
    let dg2 = outer.expect(0x75).map_err(&err)?;
    outer.finish().map_err(&err)?;
    let mut r = Reader::nested(&dg2);
    let group = r.expect(0x7F61).map_err(&err)?;
    r.finish().map_err(&err)?;
    let mut g = Reader::nested(&group);
    let count = g.expect(0x02).map_err(&err)?;
    let declared = match count.value {
        [n] => usize::from(*n),
        _ => return Err(LdsError::invalid(FILE, "number of instances is not one byte")),
    };
    if declared == 0 {
        return Err(LdsError::Missing { file: FILE, what: "biometric information template" });
    }
    LdsError::check_count(FILE, "number of biometric templates", declared, MAX_TEMPLATES)?;
    let mut faces = Vec::new();
    for _ in 0..declared {
        let template = g.expect(0x7F60).map_err(&err)?;
        faces.extend(parse_template(&template)?);
    }
    g.finish().map_err(&err)?;
    Ok(Dg2 { faces })
}

fn parse_template(template: &tlv::Tlv<'_>) -> Result<Vec<FaceImage>, LdsError> {
    let err = LdsError::tlv(FILE);
    let mut t = Reader::nested(template);
    let header = t.expect(0xA1).map_err(&err)?;
    check_header(&header)?;
    let data = t.read().map_err(&err)?;
    t.finish().map_err(&err)?;
    match data.tag {
        0x5F2E => record::parse(data.value),
        0x7F2E => iso39794::parse(data.value),
        other => Err(LdsError::invalid(FILE, format!("biometric data block has tag {other:X}"))),
    }
}

/// The biometric header template must be well formed; if it names a biometric type, it
/// must be the face (02).
fn check_header(header: &tlv::Tlv<'_>) -> Result<(), LdsError> {
    let mut h = Reader::nested(header);
    while !h.is_empty() {
        let e = h.read().map_err(LdsError::tlv(FILE))?;
        if e.tag == 0x81 && !matches!(e.value, [0x02] | [0x00, 0x00, 0x02]) {
            return Err(LdsError::invalid(FILE, "biometric type is not the face (02)"));
        }
    }
    Ok(())
}

/// Builds a conformant DG2: one template (face, ISO/IEC 19794-5, format owner 0101, type
/// 0008) per face, each holding a facial record with that one face.
pub fn encode(faces: &[FaceImage]) -> Vec<u8> {
    let header: Vec<u8> = [
        tlv::tlv(0x81, &[0x02]),
        tlv::tlv(0x82, &[0x00]),
        tlv::tlv(0x87, &[0x01, 0x01]),
        tlv::tlv(0x88, &[0x00, 0x08]),
    ]
    .concat();
    let mut group = tlv::tlv(0x02, &[faces.len().min(255) as u8]);
    for face in faces.iter().take(255) {
        let record = record::encode(std::slice::from_ref(face));
        let template = [tlv::tlv(0xA1, &header), tlv::tlv(0x5F2E, &record)].concat();
        tlv::encode(0x7F60, &template, &mut group);
    }
    tlv::tlv(0x75, &tlv::tlv(0x7F61, &group))
}
