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
