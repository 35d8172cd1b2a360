//! The photo page captured for the `oid` path: an image file, a folder a document scanner
//! saves into, or a UVC camera through V4L2 — each yields the page image, encoded, at full
//! resolution, for the page reader (MRZ by OCR, portrait crop).
//!
//! A capture source is polled ([`PageCapture::poll`], never blocking) from a worker or the
//! UI's tick. Page images are personal data: they are held in [`Zeroizing`] buffers, never
//! logged, and a scanner's file is deleted once read unless `delete_after_read = false`.

pub mod camera;
pub mod config;
pub mod error;
pub mod fixed;
pub mod folder;
pub mod frame;
pub mod resolution;

use zeroize::Zeroizing;

pub use config::{CaptureConfig, CaptureSourceKind};
pub use error::CaptureError;
pub use fixed::FixedPage;
pub use folder::FolderWatch;

/// What a capture source has for the kiosk.
pub enum CaptureEvent {
    /// A downscaled frame for the live preview (camera only).
    Preview(image::RgbImage),
    /// The page image, encoded (JPEG, PNG or JPEG 2000), full resolution.
    Captured(Zeroizing<Vec<u8>>),
    /// Something staff should know, in plain words (no personal data).
    Problem(String),
}

impl std::fmt::Debug for CaptureEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureEvent::Preview(img) => write!(f, "Preview({}x{})", img.width(), img.height()),
            CaptureEvent::Captured(b) => write!(f, "Captured({} bytes)", b.len()),
            CaptureEvent::Problem(p) => write!(f, "Problem({p:?})"),
        }
    }
}

/// A source of photo-page images.
pub trait PageCapture: Send {
    /// The next event, if any; never blocks.
    fn poll(&mut self) -> Option<CaptureEvent>;
    /// Camera: take a full-resolution still (it arrives as [`CaptureEvent::Captured`] from
    /// a later `poll`). Other sources deliver pages as they come and do nothing here.
    fn capture_now(&mut self) -> Result<(), CaptureError>;
    /// What this source can do for the 85-px eye rule, in plain words, when known.
    fn resolution_note(&self) -> Option<String>;
}

/// Opens the source the `[capture]` table names.
pub fn from_config(cfg: &CaptureConfig) -> Result<Box<dyn PageCapture>, CaptureError> {
    match cfg.source {
        CaptureSourceKind::File => {
            let path = cfg.file.as_deref().ok_or(CaptureError::MissingKey("file"))?;
            Ok(Box::new(FixedPage::from_file(path)?))
        }
        CaptureSourceKind::Folder => {
            let dir = cfg.folder.as_deref().ok_or(CaptureError::MissingKey("folder"))?;
            Ok(Box::new(FolderWatch::open(dir, cfg.delete_after_read)?))
        }
        CaptureSourceKind::Camera => Ok(Box::new(camera::Camera::open(&cfg.device)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_config_opens_the_named_source_or_says_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = CaptureConfig::folder(dir.path());
        cfg.folder = None;
        assert!(matches!(from_config(&cfg), Err(CaptureError::MissingKey("folder"))));
        let cfg = CaptureConfig { file: None, ..CaptureConfig::file("x") };
        assert!(matches!(from_config(&cfg), Err(CaptureError::MissingKey("file"))));
        let mut watch = from_config(&CaptureConfig::folder(dir.path())).unwrap();
        assert!(watch.poll().is_none());
        assert!(watch.resolution_note().is_some_and(|n| n.contains("600 dpi")));
        let page = dir.path().join("page.png");
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(4, 4).write_to(&mut png, image::ImageFormat::Png).unwrap();
        std::fs::write(&page, png.get_ref()).unwrap();
        let mut fixed = from_config(&CaptureConfig::file(&page)).unwrap();
        assert!(matches!(fixed.poll(), Some(CaptureEvent::Captured(b)) if *b == *png.get_ref()));
        let camera = CaptureConfig {
            source: CaptureSourceKind::Camera,
            device: dir.path().join("video7"),
            ..CaptureConfig::folder(dir.path())
        };
        assert!(matches!(from_config(&camera), Err(CaptureError::Camera(_))));
    }
}
