//! The kiosk's photo-page reader: a captured page (ICAO 9303 Parts 4–5) through
//! `page::process` — the MRZ by OCR and the portrait crop — turned into what the workflow
//! holds, or a plain failure for staff. Slow (seconds): runs on the `kiosk-photo` thread.

use super::photo_jobs::PageReader;
use super::sources::{PageReadout, PhotoFailure};
use crate::page::{PhotoPage, process};

/// Reads pages with the page OCR (Tesseract) and the portrait crop.
#[derive(Debug, Default, Clone, Copy)]
pub struct OcrPageReader;

impl PageReader for OcrPageReader {
    fn read(&self, page: &[u8]) -> Result<PageReadout, PhotoFailure> {
        let processed = process(page, None).map_err(|e| {
            tracing::warn!(error = %e, "the photo page could not be processed");
            PhotoFailure { title: "The photo page cannot be used".into(), detail: e.to_string() }
        })?;
        readout(processed, &crate::records::now_rfc3339())
    }
}

/// What the workflow needs of a processed page: an MRZ (verified or not: the workflow says
/// which) and a portrait that meets the API's rules; anything else is a plain failure.
fn readout(page: PhotoPage, today: &str) -> Result<PageReadout, PhotoFailure> {
    let problems = page.problems().join(" ");
    let PhotoPage { mrz, portrait, .. } = page;
    let mrz = mrz.map_err(|e| PhotoFailure {
        title: "The page's machine readable zone was not read".into(),
        detail: e.to_string(),
    })?;
    let portrait = portrait.map_err(|e| PhotoFailure {
        title: "No usable portrait was found on the page".into(),
        detail: e.to_string(),
    })?;
    if portrait.too_small || !portrait.face.meets_requirements {
        return Err(PhotoFailure {
            title: "The page's portrait is too small or unusable".into(),
            detail: problems,
        });
    }
    let expired =
        mrz.parsed.as_ref().is_none_or(|m| super::personal::is_expired(&m.date_of_expiry, today));
    Ok(PageReadout { mrz, face: portrait.face.clone(), expired })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO_PAGE: &[u8] = include_bytes!("../../assets/demo-page.jpg");

    #[test]
    fn the_demo_page_reads_as_the_demo_passport_with_an_upload_ready_portrait() {
        let demo = crate::sim::Profile::demo().unwrap();
        let typed = crate::mrz::Mrz::parse(demo.mrz_text()).unwrap();
        let r = OcrPageReader.read(DEMO_PAGE).unwrap();
        assert_eq!(r.mrz.parsed.as_ref(), Some(&typed));
        assert!(!r.expired && r.face.meets_requirements);
        assert!(r.face.eye_distance_px.unwrap() >= 85.0);
    }

    #[test]
    fn an_expired_page_is_marked_and_bytes_that_are_no_page_are_a_plain_failure() {
        let page = process(DEMO_PAGE, None).unwrap();
        assert!(readout(page, "2031-04-17T00:00:00Z").unwrap().expired);
        let f = OcrPageReader.read(b"not a picture").unwrap_err();
        assert_eq!(f.title, "The photo page cannot be used");
    }
}
