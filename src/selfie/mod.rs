//! The trusted photo on file (iProov `selfie` source): a photo the bank already holds for a
//! customer, fetched by customer reference from a folder or from an HTTPS endpoint of the
//! bank's customer system, bounded and checked to be a picture before it is used.
//!
//! The `[selfie]` table decides whether the path is offered at all. A photo is personal data:
//! it is held in a [`Zeroizing`] buffer and never logged; the customer reference is never
//! logged either, and the provenance names the source, not the customer.

pub mod config;
pub mod error;
pub mod folder;
pub mod https;
pub mod reference;

use zeroize::Zeroizing;

pub use config::SelfieConfig;
pub use error::SelfieError;
pub use folder::FolderSource;
pub use https::HttpsSource;
pub use reference::CustomerReference;

/// A photo on file and where it came from.
pub struct SelfiePhoto {
    /// The image, encoded (JPEG, PNG or JPEG 2000), as the source holds it.
    pub bytes: Zeroizing<Vec<u8>>,
    /// Where it came from, without personal data (e.g. "photo folder /srv/photos").
    pub provenance: String,
}

impl std::fmt::Debug for SelfiePhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfiePhoto")
            .field("bytes", &self.bytes.len())
            .field("provenance", &self.provenance)
            .finish()
    }
}

/// A place the bank's trusted photos come from.
pub trait SelfieSource: Send + Sync {
    /// The photo on file for `reference`. Blocking: call it from a worker thread.
    fn fetch(&self, reference: &str) -> Result<SelfiePhoto, SelfieError>;
    /// The source in words staff understand, e.g. "customer system at
    /// https://photos.bank.example".
    fn describe(&self) -> String;
}

/// The source the `[selfie]` table configures; `None` when the path is not offered.
pub fn from_config(cfg: &SelfieConfig) -> Result<Option<Box<dyn SelfieSource>>, SelfieError> {
    if !cfg.enabled {
        return Ok(None);
    }
    match (&cfg.folder, &cfg.url) {
        (Some(_), Some(_)) => Err(SelfieError::TwoSources),
        (None, None) => Err(SelfieError::NoSource),
        (Some(dir), None) => Ok(Some(Box::new(FolderSource::new(dir, cfg.max_bytes())?))),
        (None, Some(_)) => Ok(Some(Box::new(HttpsSource::new(cfg)?))),
    }
}

/// Checks that `bytes` are a JPEG, PNG or JPEG 2000 picture within the face decoder's
/// limits (header only).
pub fn check_photo(bytes: &[u8]) -> Result<(), SelfieError> {
    let limits = crate::face::DecodeLimits::default();
    let header = crate::face::read_header(bytes).map_err(SelfieError::NotAnImage)?;
    crate::face::decode::check_header(&header, &limits).map_err(SelfieError::NotAnImage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_must_name_exactly_one_source_when_enabled() {
        let both = SelfieConfig {
            folder: Some("/srv/photos".into()),
            ..SelfieConfig::url("https://photos.bank.example/p/{reference}")
        };
        assert!(matches!(from_config(&both), Err(SelfieError::TwoSources)));
        assert!(matches!(from_config(&SelfieConfig::default()), Err(SelfieError::NoSource)));
        let off = SelfieConfig { enabled: false, ..SelfieConfig::default() };
        assert!(from_config(&off).unwrap().is_none());
        let bad = SelfieConfig::url("http://photos.bank.example/p/{reference}");
        assert!(matches!(from_config(&bad), Err(SelfieError::BadUrl)));
    }
}
