//! The MRZ of a photo page read by OCR (ICAO 9303 Part 3 §4: OCR-B, the MRZ alphabet and
//! its check digits): locate the band, recognise it, apply each field's character rules.
//!
//! The page is hostile input: its size is bounded, every failure is a typed [`OcrError`],
//! and the recognised text is never logged and is zeroized. Recognition takes a few hundred
//! milliseconds: call it off the UI thread.

mod band;
mod engine;
mod fields;

use image::GrayImage;
use zeroize::{Zeroize, Zeroizing};

use super::{MrzBand, PageMrz};
use crate::mrz::{Field, Mrz, MrzError, MrzFormat};

/// Largest page accepted, pixels (an A4 sheet at 1200 dpi is about 140 Mpx; a data page at
/// 600 dpi about 7 Mpx).
pub const MAX_PAGE_PIXELS: u64 = 150_000_000;
/// Smallest page side that can hold a readable MRZ, pixels.
pub const MIN_PAGE_SIDE: u32 = 64;

/// Why the MRZ could not be read from a page. Messages are plain words for staff; none
/// carries MRZ text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// The image is larger than any page scan.
    #[error("the page image is too large ({width} × {height} pixels)")]
    TooLarge { width: u32, height: u32 },
    /// The image is too small to hold an MRZ.
    #[error("the page image is too small to hold a machine readable zone")]
    TooSmall,
    /// No rows of MRZ characters were found on the page.
    #[error("no machine readable zone was found on the page; scan the whole page, straight")]
    NoBand,
    /// The band was found but its text could not be read (too small, blurred, damaged).
    #[error("the machine readable zone could not be read; rescan the page at 600 dpi")]
    Unreadable,
    /// Tesseract's language data is not installed.
    #[error("the OCR language data is not installed (tesseract-ocr-eng)")]
    LanguageDataMissing,
    /// The OCR engine failed.
    #[error("the OCR engine failed: {0}")]
    Engine(&'static str),
}

/// A field whose value on the page differs from the one staff entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMismatch {
    pub field: Field,
}

impl std::fmt::Display for FieldMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {} on the page does not match the one typed", self.field)
    }
}

/// Reads the MRZ of a photo page (TD3, TD2 or TD1).
///
/// `Ok` means a band was found and read into lines of the format's width; `parsed` is
/// `Some` only when every check digit verified (else `problems` says which field did not).
pub fn read_mrz(page: &GrayImage) -> Result<PageMrz, OcrError> {
    let (width, height) = page.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PAGE_PIXELS {
        return Err(OcrError::TooLarge { width, height });
    }
    if width.min(height) < MIN_PAGE_SIDE {
        return Err(OcrError::TooSmall);
    }
    let found = band::find(page).ok_or(OcrError::NoBand)?;
    let mut engine = engine::Engine::new()?;
    // Three reads at different crop scales, voted character by character (one read's
    // dropped or doubled character is outvoted); if the vote does not verify, the first
    // single read that does.
    let mut reads: Vec<Vec<Vec<u8>>> = Vec::with_capacity(band::CROP_CAP_HEIGHTS.len());
    for cap in band::CROP_CAP_HEIGHTS {
        reads.push(read_band(page, &found, &mut engine, cap)?);
    }
    let mut voted = vote(&reads);
    let mut result = finish(&mut voted, found.format);
    voted.iter_mut().for_each(Zeroize::zeroize);
    if !matches!(&result, Ok((_, Some(_), _))) {
        for read in reads.iter_mut() {
            let single = finish(read, found.format);
            if matches!(&single, Ok((_, Some(_), _))) {
                result = single;
                break;
            }
        }
    }
    reads.iter_mut().flatten().for_each(Zeroize::zeroize);
    let (text, parsed, problems) = result?;
    Ok(PageMrz { lines: text, parsed, problems, band: geometry(&found) })
}

/// Per line and position, the character most reads agree on (the first read's on a tie).
fn vote(reads: &[Vec<Vec<u8>>]) -> Vec<Vec<u8>> {
    let Some(first) = reads.first() else { return Vec::new() };
    first
        .iter()
        .enumerate()
        .map(|(l, line)| {
            line.iter()
                .enumerate()
                .map(|(i, c)| {
                    let at = |r: &Vec<Vec<u8>>| r.get(l).and_then(|x| x.get(i)).copied();
                    let count = |c: u8| reads.iter().filter(|r| at(r) == Some(c)).count();
                    reads
                        .iter()
                        .filter_map(at)
                        .fold(*c, |best, x| if count(x) > count(best) { x } else { best })
                })
                .collect()
        })
        .collect()
}

/// One read of the band's lines with the crops at `cap` pixels cap height, each line
/// aligned to its cells.
fn read_band(
    page: &GrayImage,
    found: &band::Band,
    engine: &mut engine::Engine,
    cap: f32,
) -> Result<Vec<Vec<u8>>, OcrError> {
    let (count, chars) = found.format.shape();
    let mut lines: Vec<Vec<u8>> = Vec::with_capacity(count);
    for axis in found.lines.iter().take(count) {
        let mut crop = band::crop_line(page, axis, chars, cap);
        let text = engine.line(&crop);
        crop.as_mut().zeroize();
        let text = fields::align(&text?, &axis.marks, chars);
        lines.push(text.as_bytes().to_vec());
    }
    Ok(lines)
}

type Finished = (Zeroizing<Vec<String>>, Option<Mrz>, Vec<String>);

/// Character rules, check-digit repair and the final parse.
fn finish(lines: &mut [Vec<u8>], format: MrzFormat) -> Result<Finished, OcrError> {
    fields::apply_classes(lines, format);
    // A line with almost no characters but fillers is not an MRZ that was read.
    if lines.iter().any(|l| l.iter().filter(|c| **c != b'<').count() < 2) {
        return Err(OcrError::Unreadable);
    }
    let failing = fields::repair(lines, format);
    let text: Zeroizing<Vec<String>> =
        Zeroizing::new(lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect());
    let refs: Vec<&str> = text.iter().map(String::as_str).collect();
    let (parsed, problems) = match Mrz::from_lines(format, &refs) {
        Ok(m) => (Some(m), Vec::new()),
        Err(e) => (None, vec![problem(&e, failing.is_empty())]),
    };
    Ok((text, parsed, problems))
}

/// A plain sentence for staff (names the field, never its value or digits).
fn problem(e: &MrzError, repaired: bool) -> String {
    let field = match e {
        MrzError::CheckDigit { field, .. }
        | MrzError::CheckDigitNotDigit { field, .. }
        | MrzError::InvalidFieldCharacter { field, .. }
        | MrzError::InvalidDate { field }
        | MrzError::Empty { field }
        | MrzError::TooLong { field, .. }
        | MrzError::InvalidField { field, .. } => Some(*field),
        _ => None,
    };
    let what = match field {
        Some(Field::Composite) => "the MRZ's overall check digit does not match".to_string(),
        Some(f) => format!("the {f} in the MRZ did not read cleanly (its check does not match)"),
        None => "the MRZ did not read cleanly".to_string(),
    };
    let hint = if repaired { "" } else { "; rescan the page, flat and at 600 dpi" };
    format!("{}{hint}", capitalise(&what))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn geometry(found: &band::Band) -> MrzBand {
    let (_, chars) = found.format.shape();
    let first = found.lines.first().cloned().unwrap_or(band::LineAxis {
        start: (0.0, 0.0),
        dir: (1.0, 0.0),
        pitch: 0.0,
        cap: 0.0,
        marks: Vec::new(),
    });
    let len = chars as f32 * first.pitch;
    let end = (first.start.0 + first.dir.0 * len, first.start.1 + first.dir.1 * len);
    let line_pitch = match (found.lines.first(), found.lines.get(1)) {
        (Some(a), Some(b)) => {
            // Distance of b's start from a's axis, along the normal.
            let (nx, ny) = (-a.dir.1, a.dir.0);
            ((b.start.0 - a.start.0) * nx + (b.start.1 - a.start.1) * ny).abs()
        }
        _ => 0.0,
    };
    MrzBand {
        format: found.format,
        first_line_start: first.start,
        first_line_end: end,
        line_pitch,
        angle_deg: -first.dir.1.atan2(first.dir.0).to_degrees(),
    }
}

/// The fields where the MRZ read from the page differs from the one staff entered (typed or
/// scanned), in MRZ order; empty when they agree.
pub fn compare(read: &Mrz, entered: &Mrz) -> Vec<FieldMismatch> {
    let pairs: [(Field, bool); 8] = [
        (Field::DocumentCode, read.document_code == entered.document_code),
        (Field::IssuingState, read.issuing_state == entered.issuing_state),
        (Field::DocumentNumber, read.document_number == entered.document_number),
        (Field::Nationality, read.nationality == entered.nationality),
        (Field::DateOfBirth, read.date_of_birth == entered.date_of_birth),
        (Field::Sex, read.sex == entered.sex),
        (Field::DateOfExpiry, read.date_of_expiry == entered.date_of_expiry),
        (
            Field::Name,
            read.primary_identifier == entered.primary_identifier
                && read.secondary_identifier == entered.secondary_identifier,
        ),
    ];
    let mut out: Vec<FieldMismatch> = pairs
        .iter()
        .filter(|(_, same)| !same)
        .map(|(field, _)| FieldMismatch { field: *field })
        .collect();
    if read.format != entered.format {
        out.insert(0, FieldMismatch { field: Field::DocumentCode });
        out.dedup();
    }
    out
}
