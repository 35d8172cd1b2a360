//! The passport's photo page (ICAO 9303 Part 4 TD3 data page, Part 5 TD1 card): the MRZ read
//! by OCR and the portrait cropped for upload — iProov's `oid` image source.
//!
//! Pure functions over decoded pixels; run them off the UI thread.

pub mod cli;
pub mod mrz_ocr;
pub mod portrait;
pub mod process;
pub mod zone;

pub use portrait::{PagePortrait, PortraitError};
pub use process::{EnteredComparison, PageError, PhotoPage, process};

use crate::mrz::MrzFormat;

/// Where the MRZ lies on a page image: the band's corners in page pixels, the angle of its
/// text lines (degrees, counter-clockwise positive) and the pitch of its characters — the
/// page geometry that the portrait zone is found from (Part 4 §4.2, Part 5 §4.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MrzBand {
    /// TD3 (2 × 44) or TD1 (3 × 30).
    pub format: MrzFormat,
    /// Left end of the first line's baseline-centre axis (x, y), page pixels.
    pub first_line_start: (f32, f32),
    /// Right end of the first line's axis (x, y), page pixels.
    pub first_line_end: (f32, f32),
    /// Distance between consecutive text lines' axes, page pixels.
    pub line_pitch: f32,
    /// Rotation of the text lines, degrees (counter-clockwise positive).
    pub angle_deg: f32,
}

/// The MRZ as OCR read it from a page. `Debug` redacts the lines.
#[derive(Clone)]
pub struct PageMrz {
    /// The recognised lines (after the per-field character rules), filler `<` kept.
    pub lines: zeroize::Zeroizing<Vec<String>>,
    /// The parsed MRZ when every check digit verified.
    pub parsed: Option<crate::mrz::Mrz>,
    /// Plain sentences for staff when something did not verify (no MRZ text in them).
    pub problems: Vec<String>,
    /// Where the band lies on the page.
    pub band: MrzBand,
}

impl PageMrz {
    /// True when every check digit verified.
    pub fn valid(&self) -> bool {
        self.parsed.is_some()
    }
}

impl std::fmt::Debug for PageMrz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageMrz")
            .field("lines", &format_args!("<{} lines redacted>", self.lines.len()))
            .field("valid", &self.valid())
            .field("problems", &self.problems)
            .field("band", &self.band)
            .finish()
    }
}
