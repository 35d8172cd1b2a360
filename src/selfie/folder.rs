//! Photos on file in a folder, one per customer, named by customer reference with the
//! picture's extension (`REF.jpg`, `.jpeg`, `.png`, `.jp2`, `.j2k`). The reference is
//! checked to a safe charset first, so no name can leave the folder; only regular files are
//! read (a symbolic link is refused), bounded, and checked to be a picture.

use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{CustomerReference, SelfieError, SelfiePhoto, SelfieSource, check_photo};

/// The extensions looked for, in this order.
pub const EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "jp2", "j2k"];

/// A folder of photos named by customer reference.
#[derive(Debug, Clone)]
pub struct FolderSource {
    dir: PathBuf,
    max_bytes: usize,
}

impl FolderSource {
    /// Uses `dir` (it must be a folder now), reading photos of at most `max_bytes`.
    pub fn new(dir: &Path, max_bytes: usize) -> Result<FolderSource, SelfieError> {
        let meta = std::fs::metadata(dir).map_err(SelfieError::Folder)?;
        if !meta.is_dir() {
            return Err(SelfieError::Folder(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a folder",
            )));
        }
        Ok(FolderSource { dir: dir.to_path_buf(), max_bytes })
    }

    /// The one file for `reference`, if any.
    fn find(&self, reference: &CustomerReference) -> Result<PathBuf, SelfieError> {
        let mut found = None;
        for ext in EXTENSIONS {
            for name in [
                format!("{}.{ext}", reference.as_str()),
                format!("{}.{}", reference.as_str(), ext.to_ascii_uppercase()),
            ] {
                let path = self.dir.join(&name);
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if m.file_type().is_file() => {
                        if found.replace(path).is_some() {
                            return Err(SelfieError::Ambiguous);
                        }
                    }
                    Ok(_) => return Err(SelfieError::NotFound),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(SelfieError::Read(e)),
                }
            }
        }
        found.ok_or(SelfieError::NotFound)
    }
}

impl SelfieSource for FolderSource {
    fn fetch(&self, reference: &str) -> Result<SelfiePhoto, SelfieError> {
        let reference = CustomerReference::parse(reference)?;
        let path = self.find(&reference)?;
        let file = std::fs::File::open(&path).map_err(SelfieError::Read)?;
        let len = file.metadata().map_err(SelfieError::Read)?.len();
        if len > self.max_bytes as u64 {
            return Err(SelfieError::TooLarge { limit: self.max_bytes });
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(len as usize));
        file.take(self.max_bytes as u64 + 1).read_to_end(&mut bytes).map_err(SelfieError::Read)?;
        if bytes.len() > self.max_bytes {
            return Err(SelfieError::TooLarge { limit: self.max_bytes });
        }
        check_photo(&bytes)?;
        tracing::info!(bytes = bytes.len(), "a photo on file was read from the photo folder");
        Ok(SelfiePhoto { bytes, provenance: self.describe() })
    }

    fn describe(&self) -> String {
        format!("photo folder {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(24, 32, image::Rgb([150, 120, 100]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn source(dir: &Path) -> FolderSource {
        FolderSource::new(dir, 64 * 1024).unwrap()
    }

    #[test]
    fn a_photo_is_found_by_reference_with_a_provenance_free_of_personal_data() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("C-1001.png"), png()).unwrap();
        std::fs::write(dir.path().join("C-1002.JPG"), b"\xFF\xD8\xFF junk").unwrap();
        let photo = source(dir.path()).fetch("C-1001").unwrap();
        assert_eq!(*photo.bytes, png());
        assert!(photo.provenance.starts_with("photo folder "), "{}", photo.provenance);
        assert!(!photo.provenance.contains("C-1001"));
        assert!(!format!("{photo:?}").contains("C-1001"));
        assert!(matches!(source(dir.path()).fetch("C-9999"), Err(SelfieError::NotFound)));
        assert!(matches!(source(dir.path()).fetch("C-1002"), Err(SelfieError::NotAnImage(_))));
    }

    #[test]
    fn a_reference_cannot_leave_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let photos = root.path().join("photos");
        std::fs::create_dir(&photos).unwrap();
        std::fs::write(root.path().join("outside.png"), png()).unwrap();
        let s = source(&photos);
        for attempt in
            ["../outside", "..%2foutside", "/etc/passwd", "..\\outside", "a/../../outside"]
        {
            assert!(matches!(s.fetch(attempt), Err(SelfieError::BadReference)), "{attempt}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("outside.png"), photos.join("LINK.png"))
                .unwrap();
            assert!(matches!(s.fetch("LINK"), Err(SelfieError::NotFound)), "a link is followed");
        }
    }

    #[test]
    fn too_large_and_ambiguous_photos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = std::fs::File::create(dir.path().join("BIG.jpg")).unwrap();
        big.set_len(64 * 1024 + 1).unwrap();
        assert!(matches!(
            source(dir.path()).fetch("BIG"),
            Err(SelfieError::TooLarge { limit: 65536 })
        ));
        std::fs::write(dir.path().join("TWO.png"), png()).unwrap();
        std::fs::write(dir.path().join("TWO.jpg"), png()).unwrap();
        assert!(matches!(source(dir.path()).fetch("TWO"), Err(SelfieError::Ambiguous)));
    }

    #[test]
    fn the_folder_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            FolderSource::new(&dir.path().join("none"), 1),
            Err(SelfieError::Folder(_))
        ));
        let cfg = crate::selfie::SelfieConfig::folder(dir.path());
        let s = crate::selfie::from_config(&cfg).unwrap().unwrap();
        assert!(s.describe().contains(&*dir.path().to_string_lossy()));
        let off = crate::selfie::SelfieConfig { enabled: false, ..cfg };
        assert!(crate::selfie::from_config(&off).unwrap().is_none());
    }
}
