//! Where a face image comes from: an image file's bytes, a raw EF.DG2 (ICAO 9303 Part 10
//! §4.7.2, via `lds::dg2`) or a bare ISO/IEC 19794-5 record — the image and its eye centres.

use super::{EyeCentres, InputFormat};

/// The face image bytes and, for chip records, the record's eye centres.
pub fn input_image(bytes: &[u8]) -> Result<(Vec<u8>, Option<EyeCentres>), String> {
    if InputFormat::sniff(bytes).is_some() {
        return Ok((bytes.to_vec(), None));
    }
    if bytes.first() == Some(&0x75) {
        let dg2 =
            crate::lds::dg2::parse(bytes).map_err(|e| format!("the DG2 file is unusable: {e}"))?;
        return first_face(dg2.faces);
    }
    if bytes.starts_with(b"FAC\0") {
        let faces = crate::lds::dg2::record::parse(bytes)
            .map_err(|e| format!("the ISO/IEC 19794-5 record is unusable: {e}"))?;
        return first_face(faces);
    }
    Err("the input is not a JPEG, JP2, J2K or PNG image, nor an EF.DG2 file".to_string())
}

/// The first face's image (moved out, not copied); every other face's bytes are zeroized.
fn first_face(
    mut faces: Vec<crate::lds::dg2::FaceImage>,
) -> Result<(Vec<u8>, Option<EyeCentres>), String> {
    let found = faces
        .first_mut()
        .map(|f| (std::mem::take(&mut f.data), f.eye_centres().map(EyeCentres::from)));
    for f in &mut faces {
        zeroize::Zeroize::zeroize(&mut f.data);
    }
    found.ok_or_else(|| "the file holds no face image".to_string())
}
