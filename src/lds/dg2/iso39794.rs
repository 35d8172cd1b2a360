//! The ISO/IEC 39794-5 face data block in DG2's 7F2E (ICAO 9303 Part 10 §4.7.2, LDS 1.8
//! application profile): enough to take out each 2D face image and its declared size.
//!
//! ```text
//! 7F2E { A1 { 65 FaceImageDataBlock {
//!   [0] versionBlock, [1] representationBlocks SEQUENCE OF SEQUENCE {
//!     [0] representationId, [1] imageRepresentation { [0] base { [0] 2D block {
//!       [0] representationData2D (the image), [1] imageInformation2DBlock {
//!         [0] imageDataFormat, … [7] imageSize { [0] width, [1] height } … } … } } } … } } } }
//! ```
//! Landmarks and the other metadata are not read (a 39794-5 face has no feature points).

use super::FaceImage;
use super::image::ImageFormat;
use super::record::MAX_FACES_PER_RECORD;
use crate::iso7816::tlv::{Reader, Tlv};
use crate::lds::LdsError;

const FILE: &str = "EF.DG2";

fn err(e: crate::iso7816::tlv::TlvError) -> LdsError {
    LdsError::Tlv { file: FILE, source: e }
}

/// The first object with `tag` directly inside `parent`.
fn child<'a>(parent: &Tlv<'a>, tag: u32) -> Result<Option<Tlv<'a>>, LdsError> {
    Reader::nested(parent).find(tag).map_err(err)
}

fn required<'a>(parent: &Tlv<'a>, tag: u32, what: &'static str) -> Result<Tlv<'a>, LdsError> {
    child(parent, tag)?.ok_or(LdsError::Missing { file: FILE, what })
}

/// A non-negative INTEGER content that fits a u16.
fn uint16(value: &[u8], what: &str) -> Result<u16, LdsError> {
    let digits = match value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        d => d,
    };
    match digits {
        [b] if value.first().is_some_and(|f| f & 0x80 == 0) => Ok(u16::from(*b)),
        [a, b] if value.first().is_some_and(|f| f & 0x80 == 0) => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(LdsError::invalid(FILE, format!("39794-5 {what} is not an integer 0..65535"))),
    }
}

/// Parses the value of 7F2E into its 2D face images.
pub fn parse(value: &[u8]) -> Result<Vec<FaceImage>, LdsError> {
    let mut r = Reader::new(value);
    let wrapper = r.expect(0xA1).map_err(err)?;
    r.finish().map_err(err)?;
    let mut w = Reader::nested(&wrapper);
    let block = w.expect(0x65).map_err(err)?;
    w.finish().map_err(err)?;
    let reps = required(&block, 0xA1, "39794-5 representation blocks")?;
    let mut faces = Vec::new();
    let mut list = Reader::nested(&reps);
    while !list.is_empty() {
        if faces.len() >= MAX_FACES_PER_RECORD {
            return Err(LdsError::TooLarge {
                file: FILE,
                what: "number of 39794-5 representations",
                declared: faces.len() as u64 + 1,
                limit: MAX_FACES_PER_RECORD as u64,
            });
        }
        let rep = list.expect(0x30).map_err(err)?;
        faces.push(parse_representation(&rep)?);
    }
    if faces.is_empty() {
        return Err(LdsError::Missing { file: FILE, what: "39794-5 representation" });
    }
    Ok(faces)
}

fn parse_representation(rep: &Tlv<'_>) -> Result<FaceImage, LdsError> {
    let image_rep = required(rep, 0xA1, "39794-5 image representation")?;
    let base = required(&image_rep, 0xA0, "39794-5 base image representation")?;
    let Some(base2d) = child(&base, 0xA0)? else {
        return Err(LdsError::Unsupported {
            file: FILE,
            what: "39794-5 face that is not a 2D image",
        });
    };
    let data = required(&base2d, 0x80, "39794-5 representation data")?.value;
    let (mut width, mut height) = (0, 0);
    if let Some(info) = child(&base2d, 0xA1)?
        && let Some(size) = child(&info, 0xA7)?
    {
        width = uint16(required(&size, 0x80, "39794-5 image width")?.value, "width")?;
        height = uint16(required(&size, 0x81, "39794-5 image height")?.value, "height")?;
    }
    let format = ImageFormat::sniff(data)
        .ok_or_else(|| LdsError::invalid(FILE, "39794-5 image is neither JPEG nor JPEG 2000"))?;
    let mut face = FaceImage::new(data.to_vec(), width, height)
        .ok_or_else(|| LdsError::invalid(FILE, "39794-5 image is neither JPEG nor JPEG 2000"))?;
    face.image_type = 0;
    face.colour_space = 0;
    face.image_data_type = format.data_type();
    Ok(face)
}
