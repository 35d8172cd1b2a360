//! The demo kiosk's photo sources, held in memory (nothing is written to disk): a photo on
//! file served under one customer reference like a bank's photo folder would, and a scanner
//! that always holds the demo passport's photo page.

use zeroize::Zeroizing;

use crate::capture::{CaptureError, CaptureEvent, PageCapture};
use crate::selfie::{CustomerReference, SelfieError, SelfiePhoto, SelfieSource};

/// The demo passport's photo page: a synthetic TD3 data page with its fictitious MRZ
/// (assets/demo-page.jpg, see assets/README.md; tests/page_demo_asset.rs reads it).
const DEMO_PAGE: &[u8] = include_bytes!("../../assets/demo-page.jpg");

/// A scanner that holds the demo photo page: every capture gets it at once.
pub struct DemoPageScanner;

impl PageCapture for DemoPageScanner {
    fn poll(&mut self) -> Option<CaptureEvent> {
        Some(CaptureEvent::Captured(Zeroizing::new(DEMO_PAGE.to_vec())))
    }

    fn capture_now(&mut self) -> Result<(), CaptureError> {
        Ok(())
    }

    fn resolution_note(&self) -> Option<String> {
        Some("Demo: the built-in scanner holds the demo passport's photo page (400 dpi).".into())
    }
}

/// The customer reference the demo's photo on file answers to.
pub const DEMO_REFERENCE: &str = "DEMO-0001";

/// The demo passport's synthetic face (assets/demo-face.jpg, see assets/README.md).
const DEMO_FACE: &[u8] = include_bytes!("../../assets/demo-face.jpg");

/// Photos on file from memory: [`DEMO_REFERENCE`] has the demo face; no other reference has
/// a photo.
pub struct DemoOnFile;

impl SelfieSource for DemoOnFile {
    fn fetch(&self, reference: &str) -> Result<SelfiePhoto, SelfieError> {
        let r = CustomerReference::parse(reference)?;
        if r.as_str() != DEMO_REFERENCE {
            return Err(SelfieError::NotFound);
        }
        Ok(SelfiePhoto { bytes: Zeroizing::new(DEMO_FACE.to_vec()), provenance: self.describe() })
    }

    fn describe(&self) -> String {
        "built-in demo photo (in memory, no customer system)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_demo_reference_has_a_photo() {
        let p = DemoOnFile.fetch(" DEMO-0001 ").unwrap();
        assert!(p.bytes.starts_with(&[0xFF, 0xD8]) && p.provenance.contains("demo"));
        assert!(matches!(DemoOnFile.fetch("DEMO-0002"), Err(SelfieError::NotFound)));
        assert!(matches!(DemoOnFile.fetch("../x"), Err(SelfieError::BadReference)));
    }

    #[test]
    fn the_demo_scanner_gives_the_page_at_every_capture() {
        let mut s = DemoPageScanner;
        for _ in 0..2 {
            let Some(CaptureEvent::Captured(page)) = s.poll() else { panic!("no page") };
            assert_eq!(
                crate::face::InputFormat::sniff(&page),
                Some(crate::face::InputFormat::Jpeg)
            );
        }
    }
}
