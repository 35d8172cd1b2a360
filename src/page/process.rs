//! A photo page from bytes to an upload decision (iProov's `oid` source): decode within page
//! limits, read the MRZ by OCR ([`super::mrz_ocr`]), crop the portrait ([`super::portrait`]),
//! and compare the page's MRZ with the one staff entered. Pure: no I/O beyond the arguments.

use image::GrayImage;

use crate::face::{DecodeLimits, EncodePolicy, FaceError, PreparedFace, decode_with_limits};
use crate::mrz::{Field, Mrz};

use super::PageMrz;
use super::mrz_ocr::{self, OcrError};
use super::portrait::{self, PagePortrait, PortraitError};

/// Decode limits for page scans: a whole A4 flatbed sheet at 600 dpi (~ 35 Mpx) fits; a
/// 600 dpi data page is ~ 7 Mpx.
pub const PAGE_LIMITS: DecodeLimits = DecodeLimits {
    max_input_bytes: 64 * 1024 * 1024,
    max_side: 12_000,
    max_pixels: 40_000_000,
    max_components: 4,
    max_tiles: 4096,
    strict: true,
};

/// Why a page could not be processed at all (a rescan of the same kind will not help, or the
/// kiosk itself is broken). Outcomes staff can act on (no MRZ, no face, too small, mismatch)
/// are in [`PhotoPage`] instead.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not a JPEG, PNG or JPEG 2000 image, damaged, or beyond the page limits.
    #[error("the page image cannot be used: {0}")]
    Image(#[from] FaceError),
    /// The OCR engine cannot run (missing language data, engine failure), or the image
    /// cannot be a page (too large or small for OCR); plain words.
    #[error("the page's MRZ cannot be read: {0}")]
    Ocr(String),
    /// The face detector cannot run or the crop cannot be encoded.
    #[error("the page's portrait cannot be prepared: {0}")]
    Portrait(PortraitError),
}

/// Why a page's MRZ was not read — outcomes a rescan can fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzNotRead {
    /// No MRZ band was found on the page.
    #[error("No machine readable zone was found on the page; scan the whole page, straight.")]
    NoBand,
    /// The band was found but its text could not be read.
    #[error("The machine readable zone could not be read; rescan the page at 600 dpi.")]
    Unreadable,
}

/// What the OCR step gives [`process_with`]: the MRZ, an outcome a rescan can fix, or a
/// failure of the kiosk (`Err(Err(message))`).
pub type OcrOutcome = Result<PageMrz, Result<MrzNotRead, String>>;

/// How the page's MRZ compares with the one staff entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteredComparison {
    /// True only when the page's MRZ was read, verified and equals the entered one.
    pub matches: bool,
    /// A plain sentence when it does not match (names fields, never their values).
    pub sentence: Option<String>,
}

/// A processed photo page: what was read, what was cropped, and how it compares.
#[derive(Debug)]
pub struct PhotoPage {
    /// The MRZ as read (`Err` when no band was found or it could not be read).
    pub mrz: Result<PageMrz, MrzNotRead>,
    /// The portrait crop (`Err` when no face or no eyes were found).
    pub portrait: Result<PagePortrait, PortraitError>,
    /// The comparison with the entered MRZ, when one was entered.
    pub entered: Option<EnteredComparison>,
}

impl PhotoPage {
    /// True when the page's MRZ was read and every check digit verified.
    pub fn mrz_valid(&self) -> bool {
        self.mrz.as_ref().is_ok_and(PageMrz::valid)
    }

    /// `Some(true/false)` when an MRZ was entered.
    pub fn matches_entered(&self) -> Option<bool> {
        self.entered.as_ref().map(|c| c.matches)
    }

    /// The image to upload, only when everything holds: MRZ verified, equal to the entered
    /// one (when entered), a portrait found at ≥ 85 px eye distance meeting the API's rules.
    pub fn upload(&self) -> Option<&PreparedFace> {
        let p = self.portrait.as_ref().ok()?;
        let ok = self.mrz_valid()
            && self.matches_entered() != Some(false)
            && !p.too_small
            && p.face.meets_requirements;
        ok.then_some(&p.face)
    }

    /// Every plain sentence for staff: the MRZ's, the comparison's, the portrait's.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.mrz {
            Ok(m) => out.extend(m.problems.iter().cloned()),
            Err(e) => out.push(e.to_string()),
        }
        if let Some(s) = self.entered.as_ref().and_then(|c| c.sentence.clone()) {
            out.push(s);
        }
        match &self.portrait {
            Ok(p) => out.extend(p.face.problems.iter().cloned()),
            Err(e) => out.push(e.to_string()),
        }
        out
    }
}

/// Process a page image with the default upload policy and the page OCR.
pub fn process(page_bytes: &[u8], entered: Option<&Mrz>) -> Result<PhotoPage, PageError> {
    process_with(page_bytes, entered, &EncodePolicy::default(), read_page_mrz)
}

/// The page OCR ([`mrz_ocr::read_mrz`]) as [`process_with`] takes it: no band or an
/// unreadable one is an outcome a rescan can fix; anything else a failure of the kiosk.
pub fn read_page_mrz(page: &GrayImage) -> OcrOutcome {
    match mrz_ocr::read_mrz(page) {
        Ok(m) => Ok(m),
        Err(OcrError::NoBand) => Err(Ok(MrzNotRead::NoBand)),
        Err(OcrError::Unreadable) => Err(Ok(MrzNotRead::Unreadable)),
        Err(e) => Err(Err(e.to_string())),
    }
}

/// As [`process`], with an explicit upload policy and OCR step (tests and demos inject one).
pub fn process_with(
    page_bytes: &[u8],
    entered: Option<&Mrz>,
    policy: &EncodePolicy,
    ocr: impl FnOnce(&GrayImage) -> OcrOutcome,
) -> Result<PhotoPage, PageError> {
    let decoded = decode_with_limits(page_bytes, &PAGE_LIMITS)?;
    let mut gray: GrayImage = image::imageops::grayscale(&decoded.image);
    let read = ocr(&gray);
    zeroize::Zeroize::zeroize(&mut *gray);
    let mrz = match read {
        Ok(m) => Ok(m),
        Err(Ok(not_read)) => Err(not_read),
        Err(Err(e)) => return Err(PageError::Ocr(e)),
    };
    let band = mrz.as_ref().ok().map(|m| m.band);
    let portrait =
        match portrait::crop_portrait(&decoded.image, band.as_ref(), decoded.format, policy) {
            Ok(p) => Ok(p),
            Err(e @ (PortraitError::NoFace | PortraitError::EyesNotFound)) => Err(e),
            Err(e) => return Err(PageError::Portrait(e)),
        };
    let entered = entered.map(|want| compare(mrz.as_ref().ok(), want));
    Ok(PhotoPage { mrz, portrait, entered })
}

/// Compare the page's MRZ with the entered one; unreadable or unverified is not a match.
pub fn compare(read: Option<&PageMrz>, entered: &Mrz) -> EnteredComparison {
    let Some(parsed) = read.and_then(|m| m.parsed.as_ref()) else {
        return EnteredComparison {
            matches: false,
            sentence: Some(
                "The MRZ on the page could not be read and verified, so it cannot be compared \
                 with the one entered."
                    .to_string(),
            ),
        };
    };
    let differ = differing_fields(parsed, entered);
    if differ.is_empty() {
        return EnteredComparison { matches: true, sentence: None };
    }
    let fields: Vec<String> = differ.iter().map(ToString::to_string).collect();
    let list = match fields.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    EnteredComparison {
        matches: false,
        sentence: Some(format!(
            "The photo page is not the document entered: its {list} differ{}. Check that \
             this is the customer's passport.",
            if fields.len() == 1 { "s" } else { "" }
        )),
    }
}

/// The fields that differ, in MRZ order (the format counts as the document code).
fn differing_fields(read: &Mrz, entered: &Mrz) -> Vec<Field> {
    mrz_ocr::compare(read, entered).into_iter().map(|m| m.field).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::InputFormat;
    use crate::mrz::MrzFormat;
    use crate::page::MrzBand;

    const SPECIMEN: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                            L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    fn page_mrz(parsed: Option<Mrz>) -> PageMrz {
        PageMrz {
            lines: zeroize::Zeroizing::new(SPECIMEN.lines().map(str::to_string).collect()),
            parsed,
            problems: Vec::new(),
            band: MrzBand {
                format: MrzFormat::Td3,
                first_line_start: (0.0, 0.0),
                first_line_end: (1000.0, 0.0),
                line_pitch: 40.0,
                angle_deg: 0.0,
            },
        }
    }

    #[test]
    fn the_same_mrz_matches() {
        let m = Mrz::parse(SPECIMEN).unwrap();
        let c = compare(Some(&page_mrz(Some(m.clone()))), &m);
        assert_eq!(c, EnteredComparison { matches: true, sentence: None });
    }

    #[test]
    fn a_different_document_is_named_by_field_never_by_value() {
        let read = Mrz::parse(SPECIMEN).unwrap();
        let mut entered = read.clone();
        entered.document_number = "X12345678".into();
        entered.date_of_birth = "800101".into();
        let c = compare(Some(&page_mrz(Some(read))), &entered);
        assert!(!c.matches);
        let s = c.sentence.unwrap();
        assert!(s.contains("document number and date of birth differ"), "{s}");
        assert!(!s.contains("X12345678") && !s.contains("L898902C3") && !s.contains("800101"));
    }

    #[test]
    fn an_unread_or_unverified_mrz_never_matches() {
        let m = Mrz::parse(SPECIMEN).unwrap();
        for read in [None, Some(page_mrz(None))] {
            let c = compare(read.as_ref(), &m);
            assert!(!c.matches);
            assert!(c.sentence.unwrap().contains("cannot be compared"));
        }
    }

    #[test]
    fn bytes_that_are_no_image_are_a_typed_error() {
        let e = process_with(b"GIF89a not a page", None, &EncodePolicy::default(), |_| {
            panic!("no OCR on bytes that are no image")
        })
        .unwrap_err();
        assert!(matches!(e, PageError::Image(FaceError::UnknownFormat)), "{e:?}");
    }

    #[test]
    fn page_limits_admit_an_a4_scan_at_600_dpi_and_refuse_beyond() {
        let h = |w, h| crate::face::HeaderInfo {
            format: InputFormat::Png,
            width: w,
            height: h,
            components: 3,
            tiles: 1,
        };
        assert!(crate::face::decode::check_header(&h(4961, 7016), &PAGE_LIMITS).is_ok());
        assert!(crate::face::decode::check_header(&h(9000, 9000), &PAGE_LIMITS).is_err());
    }

    #[test]
    fn nothing_is_uploaded_unless_every_check_holds() {
        let m = Mrz::parse(SPECIMEN).unwrap();
        let policy = EncodePolicy::default();
        let face = |eyes: f32| {
            let img = image::RgbImage::from_pixel(400, 533, image::Rgb([200, 180, 170]));
            let enc = crate::face::encode::encode_for_upload(&[], InputFormat::Png, &img, &policy)
                .unwrap();
            let ok = eyes >= 85.0;
            PagePortrait {
                face: PreparedFace {
                    input_format: InputFormat::Png,
                    output_format: enc.format,
                    bytes: enc.bytes,
                    width: 400,
                    height: 533,
                    eye_distance_px: Some(eyes),
                    eye_distance_method: crate::face::EyeDistanceMethod::Detector,
                    eyes: Some(((150.0, 240.0), (150.0 + eyes, 240.0))),
                    encode_path: enc.path,
                    problems: Vec::new(),
                    meets_requirements: ok,
                    display: img,
                },
                scale: 1.0,
                rotation_deg: 0.0,
                dpi: Some(300.0),
                located: portrait::Located::PortraitZone,
                zone: None,
                too_small: !ok,
            }
        };
        let page = |mrz: Option<Mrz>, eyes: f32, entered: Option<&Mrz>| {
            let read = page_mrz(mrz);
            let entered = entered.map(|e| compare(Some(&read), e));
            PhotoPage { mrz: Ok(read), portrait: Ok(face(eyes)), entered }
        };
        assert!(page(Some(m.clone()), 100.0, Some(&m)).upload().is_some());
        assert!(page(Some(m.clone()), 100.0, None).upload().is_some());
        assert!(page(None, 100.0, None).upload().is_none(), "MRZ not verified");
        assert!(page(Some(m.clone()), 60.0, Some(&m)).upload().is_none(), "too small");
        let mut other = m.clone();
        other.document_number = "X12345678".into();
        let p = page(Some(m.clone()), 100.0, Some(&other));
        assert!(p.upload().is_none(), "another document");
        assert!(p.problems().iter().any(|s| s.contains("document number")));
        let no_face = PhotoPage {
            mrz: Ok(page_mrz(Some(m))),
            portrait: Err(PortraitError::NoFace),
            entered: None,
        };
        assert!(no_face.upload().is_none());
        assert!(no_face.problems().iter().any(|s| s.contains("No face")));
    }
}
