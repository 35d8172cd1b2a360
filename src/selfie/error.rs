//! Why the photo on file could not be had, worded for staff; nothing personal in any message
//! (no reference, no URL path, no file name).

/// Errors of the trusted-photo layer.
#[derive(Debug, thiserror::Error)]
pub enum SelfieError {
    #[error("configuration file {path}: {source}")]
    ConfigRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `detail` names the line and key, never the text (`crate::config_error`).
    #[error("configuration file {path}: {detail}")]
    ConfigParse { path: String, detail: String },
    #[error("the [selfie] table names both a folder and a URL: keep one")]
    TwoSources,
    #[error("the [selfie] table needs `folder` or `url` (or `enabled = false`)")]
    NoSource,
    #[error("the photo folder cannot be used: {0}")]
    Folder(#[source] std::io::Error),
    #[error(
        "the [selfie] url must be HTTPS (plain HTTP only to this computer) and hold {{reference}} once in its path or query"
    )]
    BadUrl,
    #[error("the [selfie] ca_file cannot be used: {0}")]
    CaFile(String),
    #[error("the access token for the customer system is not set (environment variable {0})")]
    MissingToken(String),
    #[error("could not set up the connection to the customer system: {0}")]
    Http(String),
    #[error("the customer reference may hold only letters, digits, - and _ (at most 64)")]
    BadReference,
    #[error("no photo on file for this customer reference")]
    NotFound,
    #[error(
        "more than one photo on file for this customer reference: the photo folder must hold one"
    )]
    Ambiguous,
    #[error("the photo on file is too large (more than {limit} bytes)")]
    TooLarge { limit: usize },
    #[error("the photo on file is not a picture the kiosk can read (JPEG, PNG or JPEG 2000)")]
    NotAnImage(#[source] crate::face::FaceError),
    #[error("the photo on file cannot be read: {0}")]
    Read(#[source] std::io::Error),
    #[error("the customer system did not answer in time: try again")]
    Timeout,
    #[error("the customer system cannot be reached: {0}")]
    Unreachable(String),
    #[error("the customer system refused the kiosk (HTTP {0}): check the kiosk's access token")]
    Refused(u16),
    #[error("the customer system is busy or failing (HTTP {0}): try again later")]
    Unavailable(u16),
    #[error("the customer system answered unexpectedly (HTTP {0})")]
    UnexpectedStatus(u16),
    #[error("the photo download was interrupted: {0}")]
    Transfer(String),
}
