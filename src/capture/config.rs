//! The `[capture]` table of the kiosk configuration: where photo-page images come from.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::CaptureError;

/// Which kind of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptureSourceKind {
    /// A document scanner saving into `folder`.
    Folder,
    /// A UVC camera or document camera at `device`.
    Camera,
    /// One image file, `file` (demonstrations and tests).
    File,
}

fn default_device() -> PathBuf {
    PathBuf::from("/dev/video0")
}

fn default_true() -> bool {
    true
}

/// The `[capture]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureConfig {
    /// `"folder"`, `"camera"` or `"file"`.
    pub source: CaptureSourceKind,
    /// The folder a scanner saves into (`source = "folder"`).
    #[serde(default)]
    pub folder: Option<PathBuf>,
    /// The image file (`source = "file"`).
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// The V4L2 device (`source = "camera"`), default `/dev/video0`.
    #[serde(default = "default_device")]
    pub device: PathBuf,
    /// Delete a scanner's file once it has been read (default: a scan is personal data).
    #[serde(default = "default_true")]
    pub delete_after_read: bool,
}

impl CaptureConfig {
    /// A folder source with the default deletion.
    pub fn folder(dir: impl Into<PathBuf>) -> CaptureConfig {
        CaptureConfig {
            source: CaptureSourceKind::Folder,
            folder: Some(dir.into()),
            file: None,
            device: default_device(),
            delete_after_read: true,
        }
    }

    /// A file source.
    pub fn file(path: impl Into<PathBuf>) -> CaptureConfig {
        CaptureConfig {
            source: CaptureSourceKind::File,
            folder: None,
            file: Some(path.into()),
            device: default_device(),
            delete_after_read: false,
        }
    }

    /// Reads the `[capture]` table of a kiosk configuration file; `None` when the file has
    /// none (other tables are ignored).
    pub fn from_file(path: &Path) -> Result<Option<CaptureConfig>, CaptureError> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            capture: Option<CaptureConfig>,
        }
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            CaptureError::ConfigRead { path: path.display().to_string(), source }
        })?);
        let file: File = toml::from_str(&text).map_err(|e| CaptureError::ConfigParse {
            path: path.display().to_string(),
            detail: crate::config_error::describe_toml_error(&text, &e),
        })?;
        Ok(file.capture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<CaptureConfig>, CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(&p, text).unwrap();
        CaptureConfig::from_file(&p)
    }

    #[test]
    fn capture_table_parses_with_defaults() {
        assert!(parse("[records]\npath='x'\n").unwrap().is_none());
        let c = parse("[capture]\nsource='folder'\nfolder='/srv/scans'\n").unwrap().unwrap();
        assert_eq!(c.source, CaptureSourceKind::Folder);
        assert_eq!(c.folder.as_deref(), Some(Path::new("/srv/scans")));
        assert!(c.delete_after_read, "a scan is personal: deleted after reading by default");
        assert_eq!(c.device, Path::new("/dev/video0"));
        let c =
            parse("[capture]\nsource='camera'\ndevice='/dev/video2'\ndelete_after_read=false\n")
                .unwrap()
                .unwrap();
        assert_eq!(c.source, CaptureSourceKind::Camera);
        assert_eq!(c.device, Path::new("/dev/video2"));
        assert!(!c.delete_after_read);
    }

    #[test]
    fn unknown_source_or_key_is_refused_by_line() {
        let e = parse("[capture]\nsource='scanner'\n").unwrap_err().to_string();
        assert!(e.contains("line 2, key `source`"), "{e}");
        let e = parse("[capture]\nsource='file'\nfiel='x'\n").unwrap_err().to_string();
        assert!(e.contains("unknown key"), "{e}");
    }
}
