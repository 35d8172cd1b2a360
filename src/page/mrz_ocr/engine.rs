//! Tesseract through its C API (libtesseract 5, `tesseract` crate): the MRZ alphabet as the
//! whitelist, one text line per image, and the language data found on this machine.

use std::path::{Path, PathBuf};

use image::GrayImage;
use tesseract::{PageSegMode, Tesseract};
use zeroize::Zeroizing;

use super::OcrError;

/// The MRZ alphabet (ICAO 9303 Part 3 §4.1).
const WHITELIST: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
/// The language model used: Tesseract's English LSTM model reads OCR-B well when limited to
/// the MRZ alphabet (no MRZ/OCR-B model is packaged by Debian).
const LANGUAGE: &str = "eng";
/// Where Debian's tesseract-ocr-eng installs its data (5.x, then 4.x layouts).
const DEBIAN_TESSDATA: [&str; 2] =
    ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"];

/// The tessdata directory: `TESSDATA_PREFIX` (the directory itself or its `tessdata/`
/// child) when it holds the language, else Debian's locations.
pub(super) fn tessdata_dir() -> Option<PathBuf> {
    let file = format!("{LANGUAGE}.traineddata");
    let has = |d: &Path| d.join(&file).is_file();
    if let Some(prefix) = std::env::var_os("TESSDATA_PREFIX") {
        let p = PathBuf::from(prefix);
        for d in [p.clone(), p.join("tessdata")] {
            if has(&d) {
                return Some(d);
            }
        }
    }
    DEBIAN_TESSDATA.iter().map(PathBuf::from).find(|d| has(d))
}

/// A Tesseract instance set up for MRZ lines.
pub(super) struct Engine {
    tess: Option<Tesseract>,
}

fn engine_err(what: &'static str) -> OcrError {
    OcrError::Engine(what)
}

impl Engine {
    pub fn new() -> Result<Engine, OcrError> {
        let dir = tessdata_dir().ok_or(OcrError::LanguageDataMissing)?;
        let dir = dir.to_str().ok_or(OcrError::LanguageDataMissing)?;
        let tess = Tesseract::new(Some(dir), Some(LANGUAGE))
            .map_err(|_| engine_err("could not start Tesseract"))?
            .set_variable("tessedit_char_whitelist", WHITELIST)
            .map_err(|_| engine_err("could not set the MRZ alphabet"))?
            .set_variable("debug_file", "/dev/null")
            .map_err(|_| engine_err("could not configure Tesseract"))?;
        Ok(Engine { tess: Some(tess) })
    }

    /// Recognises one line image (black text on white). The text is zeroized on drop.
    pub fn line(&mut self, img: &GrayImage) -> Result<Zeroizing<String>, OcrError> {
        let mut tess = self.tess.take().ok_or(engine_err("Tesseract is not available"))?;
        tess.set_page_seg_mode(PageSegMode::PsmSingleLine);
        let w = i32::try_from(img.width()).map_err(|_| engine_err("line image too wide"))?;
        let h = i32::try_from(img.height()).map_err(|_| engine_err("line image too tall"))?;
        let mut tess = tess
            .set_frame(img.as_raw(), w, h, 1, w)
            .map_err(|_| engine_err("Tesseract refused the line image"))?
            .set_source_resolution(300)
            .recognize()
            .map_err(|_| engine_err("Tesseract could not recognise the line"))?;
        let text = tess.get_text().map(Zeroizing::new);
        self.tess = Some(tess);
        text.map_err(|_| engine_err("Tesseract returned no text"))
    }
}
