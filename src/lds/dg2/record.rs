//! The ISO/IEC 19794-5:2005 facial record inside DG2's 5F2E: general header, then per
//! face a facial information block, feature points, image information and the image.
//!
//! ```text
//! "FAC\0" "010\0" record length (4) number of faces (2)
//! per face: length (4) | feature points n (2) gender (1) eye colour (1) hair colour (1)
//!   property mask (3) expression (2) pose yaw/pitch/roll (3) pose uncertainty (3)
//!   | n × { type (1) major<<4|minor (1) x (2) y (2) reserved (2) }
//!   | image type (1) image data type (1) width (2) height (2) colour space (1)
//!     source type (1) device type (2) quality (2) | image data
//! ```

use super::image::ImageFormat;
use super::{FaceImage, FeaturePoint};
use crate::lds::LdsError;

const FILE: &str = "EF.DG2";
const MAGIC: &[u8] = b"FAC\0";
const VERSION_2005: &[u8] = b"010\0";
const GENERAL_HEADER_LEN: usize = 14;
const FACE_HEADER_LEN: usize = 20;
const FEATURE_POINT_LEN: usize = 8;
const IMAGE_INFO_LEN: usize = 12;

/// Most faces accepted in one facial record.
pub const MAX_FACES_PER_RECORD: usize = 16;
/// Most feature points accepted per face.
pub const MAX_FEATURE_POINTS: usize = 256;

/// A bounded big-endian byte cursor whose errors give the offset in the record.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LdsError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len()).ok_or_else(|| {
            LdsError::invalid(
                FILE,
                format!(
                    "facial record truncated at offset {}: {n} bytes needed, {} left",
                    self.pos,
                    self.buf.len().saturating_sub(self.pos)
                ),
            )
        })?;
        let s = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, LdsError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }

    fn u16(&mut self) -> Result<u16, LdsError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]))
    }

    fn u32(&mut self) -> Result<u32, LdsError> {
        let b = self.take(4)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_be_bytes(a))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], LdsError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

fn length(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Parses one ISO/IEC 19794-5:2005 facial record (all its faces).
pub fn parse(bytes: &[u8]) -> Result<Vec<FaceImage>, LdsError> {
    let mut c = Cursor { buf: bytes, pos: 0 };
    if c.take(4)? != MAGIC {
        return Err(LdsError::invalid(FILE, "facial record does not start with \"FAC\\0\""));
    }
    if c.take(4)? != VERSION_2005 {
        return Err(LdsError::Unsupported {
            file: FILE,
            what: "facial record version other than 010",
        });
    }
    let record_len = c.u32()?;
    if length(record_len) != bytes.len() {
        return Err(LdsError::invalid(
            FILE,
            format!("facial record declares {record_len} bytes but holds {}", bytes.len()),
        ));
    }
    let count = usize::from(c.u16()?);
    if count == 0 {
        return Err(LdsError::Missing { file: FILE, what: "facial image (record lists none)" });
    }
    LdsError::check_count(FILE, "number of facial images", count, MAX_FACES_PER_RECORD)?;
    let mut faces = Vec::new();
    for _ in 0..count {
        let start = c.pos;
        let face_len = length(c.u32()?);
        let min = FACE_HEADER_LEN + IMAGE_INFO_LEN;
        if face_len < min {
            return Err(LdsError::invalid(
                FILE,
                format!(
                    "facial record block at offset {start} declares {face_len} bytes, less than {min}"
                ),
            ));
        }
        let block = c.take(face_len.saturating_sub(4))?;
        faces.push(parse_face(block, start)?);
    }
    if c.pos != bytes.len() {
        return Err(LdsError::invalid(
            FILE,
            format!("{} bytes after the last facial image", bytes.len() - c.pos),
        ));
    }
    Ok(faces)
}

/// One face: `block` is the facial record data after its 4-byte length.
fn parse_face(block: &[u8], start: usize) -> Result<FaceImage, LdsError> {
    let mut c = Cursor { buf: block, pos: 0 };
    let n_points = LdsError::check_count(
        FILE,
        "number of feature points",
        usize::from(c.u16()?),
        MAX_FEATURE_POINTS,
    )?;
    let gender = c.u8()?;
    let eye_colour = c.u8()?;
    let hair_colour = c.u8()?;
    let property_mask = c.array::<3>()?;
    let expression = c.u16()?;
    let pose_angle = c.array::<3>()?;
    let pose_angle_uncertainty = c.array::<3>()?;
    let needed = n_points * FEATURE_POINT_LEN + IMAGE_INFO_LEN;
    if block.len().saturating_sub(c.pos) < needed {
        return Err(LdsError::invalid(
            FILE,
            format!(
                "face at offset {start}: {n_points} feature points and image information do not fit"
            ),
        ));
    }
    let mut feature_points = Vec::with_capacity(n_points);
    for _ in 0..n_points {
        let kind = c.u8()?;
        let code = c.u8()?;
        let x = c.u16()?;
        let y = c.u16()?;
        let _reserved = c.u16()?;
        feature_points.push(FeaturePoint { kind, code, x, y });
    }
    let image_type = c.u8()?;
    let image_data_type = c.u8()?;
    let width = c.u16()?;
    let height = c.u16()?;
    let colour_space = c.u8()?;
    let source_type = c.u8()?;
    let device_type = c.u16()?;
    let quality = c.u16()?;
    let data = block.get(c.pos..).unwrap_or_default();
    let format = ImageFormat::sniff(data).ok_or_else(|| {
        LdsError::invalid(
            FILE,
            format!("face at offset {start}: image is neither JPEG nor JPEG 2000"),
        )
    })?;
    Ok(FaceImage {
        format,
        width,
        height,
        feature_points,
        gender,
        eye_colour,
        hair_colour,
        property_mask,
        expression,
        pose_angle,
        pose_angle_uncertainty,
        image_type,
        image_data_type,
        colour_space,
        source_type,
        device_type,
        quality,
        data: data.to_vec(),
    })
}

/// Encodes faces as one ISO/IEC 19794-5:2005 facial record. The image data type is
/// written from the sniffed format.
pub fn encode(faces: &[FaceImage]) -> Vec<u8> {
    let mut body = Vec::new();
    for f in faces {
        let len = FACE_HEADER_LEN
            + f.feature_points.len() * FEATURE_POINT_LEN
            + IMAGE_INFO_LEN
            + f.data.len();
        body.extend_from_slice(&(len as u32).to_be_bytes());
        body.extend_from_slice(&(f.feature_points.len() as u16).to_be_bytes());
        body.extend_from_slice(&[f.gender, f.eye_colour, f.hair_colour]);
        body.extend_from_slice(&f.property_mask);
        body.extend_from_slice(&f.expression.to_be_bytes());
        body.extend_from_slice(&f.pose_angle);
        body.extend_from_slice(&f.pose_angle_uncertainty);
        for p in &f.feature_points {
            body.extend_from_slice(&[p.kind, p.code]);
            body.extend_from_slice(&p.x.to_be_bytes());
            body.extend_from_slice(&p.y.to_be_bytes());
            body.extend_from_slice(&[0, 0]);
        }
        body.extend_from_slice(&[f.image_type, f.format.data_type()]);
        body.extend_from_slice(&f.width.to_be_bytes());
        body.extend_from_slice(&f.height.to_be_bytes());
        body.extend_from_slice(&[f.colour_space, f.source_type]);
        body.extend_from_slice(&f.device_type.to_be_bytes());
        body.extend_from_slice(&f.quality.to_be_bytes());
        body.extend_from_slice(&f.data);
    }
    let mut out = Vec::with_capacity(GENERAL_HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(VERSION_2005);
    out.extend_from_slice(&((GENERAL_HEADER_LEN + body.len()) as u32).to_be_bytes());
    out.extend_from_slice(&(faces.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}
