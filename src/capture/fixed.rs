//! A page image given once — from memory or an image file — for demonstrations, tests and
//! kiosks where staff save the scan to a known file. Read bounded, checked to be a picture.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use super::{CaptureError, CaptureEvent, PageCapture};
use crate::face::DecodeLimits;
use crate::face::decode::check_header;

/// The bounds a page image is held to: the face decoder's (16 MiB, 8192 px a side,
/// 16 Mpx): a TD3 page at 600 dpi is about 2950 × 2080 px.
pub fn page_limits() -> DecodeLimits {
    DecodeLimits::default()
}

/// Reads at most the page limit from `path` (a larger file is refused without reading it
/// all) and checks that its header describes a picture within the limits.
pub fn read_page_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, CaptureError> {
    let limit = page_limits().max_input_bytes;
    let file = std::fs::File::open(path).map_err(CaptureError::Read)?;
    let len = file.metadata().map_err(CaptureError::Read)?.len();
    if len > limit as u64 {
        return Err(CaptureError::TooLarge { bytes: len, limit });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(len as usize));
    file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(CaptureError::Read)?;
    if bytes.len() > limit {
        return Err(CaptureError::TooLarge { bytes: bytes.len() as u64, limit });
    }
    check_page(&bytes)?;
    Ok(bytes)
}

/// Checks that `bytes` are JPEG, PNG or JPEG 2000 with a size within [`page_limits`]
/// (header only; nothing is decoded).
pub fn check_page(bytes: &[u8]) -> Result<(), CaptureError> {
    let limits = page_limits();
    if bytes.len() > limits.max_input_bytes {
        return Err(CaptureError::TooLarge {
            bytes: bytes.len() as u64,
            limit: limits.max_input_bytes,
        });
    }
    let header = crate::face::read_header(bytes).map_err(CaptureError::NotAnImage)?;
    check_header(&header, &limits).map_err(CaptureError::NotAnImage)
}

/// Yields one page image, once.
pub struct FixedPage {
    page: Option<Zeroizing<Vec<u8>>>,
}

impl FixedPage {
    /// A page from memory (checked to be a picture within the limits).
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> Result<FixedPage, CaptureError> {
        check_page(&bytes)?;
        Ok(FixedPage { page: Some(bytes) })
    }

    /// A page read from an image file (bounded, checked).
    pub fn from_file(path: &Path) -> Result<FixedPage, CaptureError> {
        Ok(FixedPage { page: Some(read_page_file(path)?) })
    }
}

impl PageCapture for FixedPage {
    fn poll(&mut self) -> Option<CaptureEvent> {
        self.page.take().map(CaptureEvent::Captured)
    }

    fn capture_now(&mut self) -> Result<(), CaptureError> {
        Ok(())
    }

    fn resolution_note(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 180, 160]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn fixed_page_yields_its_bytes_once() {
        let bytes = png(40, 30);
        let mut page = FixedPage::new(Zeroizing::new(bytes.clone())).unwrap();
        match page.poll() {
            Some(CaptureEvent::Captured(b)) => assert_eq!(*b, bytes),
            other => panic!("{other:?}"),
        }
        assert!(page.poll().is_none());
        page.capture_now().unwrap();
        assert!(page.poll().is_none());
    }

    #[test]
    fn a_file_that_is_no_picture_or_too_large_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.jpg");
        std::fs::write(&text, b"not a picture at all").unwrap();
        assert!(matches!(FixedPage::from_file(&text), Err(CaptureError::NotAnImage(_))));
        let big = dir.path().join("big.png");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(page_limits().max_input_bytes as u64 + 1).unwrap();
        assert!(matches!(FixedPage::from_file(&big), Err(CaptureError::TooLarge { .. })));
        let ok = dir.path().join("page.png");
        std::fs::write(&ok, png(20, 10)).unwrap();
        assert!(FixedPage::from_file(&ok).is_ok());
        assert!(matches!(
            FixedPage::from_file(&dir.path().join("absent.png")),
            Err(CaptureError::Read(_))
        ));
    }
}
