//! Why a photo page could not be captured, worded for staff; detail for the log is in the
//! source error, never personal data.

/// Errors of the capture layer.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The configuration file cannot be read.
    #[error("configuration file {path}: {source}")]
    ConfigRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `detail` names the line and key, never the text (`crate::config_error`).
    #[error("configuration file {path}: {detail}")]
    ConfigParse { path: String, detail: String },
    /// The `[capture]` table lacks the key its `source` needs.
    #[error("the [capture] table needs `{0}` for this source")]
    MissingKey(&'static str),
    /// The scan folder cannot be used.
    #[error("the scan folder cannot be opened: {0}")]
    Folder(#[source] std::io::Error),
    /// The page image file cannot be read.
    #[error("the page image cannot be read: {0}")]
    Read(#[source] std::io::Error),
    /// The page image is larger than the kiosk accepts.
    #[error(
        "the page image is too large ({bytes} bytes, at most {limit}): scan at 600 dpi or less"
    )]
    TooLarge { bytes: u64, limit: usize },
    /// The bytes are not a picture the kiosk reads, or its size is out of bounds.
    #[error("the page image is not a picture the kiosk can read (JPEG, PNG or JPEG 2000): {0}")]
    NotAnImage(#[source] crate::face::FaceError),
    /// The camera cannot be opened or configured.
    #[error("the camera cannot be used: {0}")]
    Camera(String),
    /// The camera offers no picture format the kiosk decodes (MJPEG or YUYV).
    #[error("the camera offers no picture format the kiosk can use (it needs MJPEG or YUYV)")]
    NoUsableFormat,
    /// The camera has stopped (unplugged, or its worker ended).
    #[error("the camera has stopped: check its cable and start the capture again")]
    CameraStopped,
}
