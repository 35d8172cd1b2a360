//! The `[selfie]` table of the kiosk configuration: whether the trusted-photo path is
//! offered and where the photos come from.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SelfieError;

/// Default environment variable holding the customer system's bearer token.
pub const DEFAULT_TOKEN_ENV: &str = "ENROL_KIOSK_SELFIE_TOKEN";

fn default_true() -> bool {
    true
}
fn default_timeout() -> u64 {
    10
}

/// The `[selfie]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfieConfig {
    /// Offer the path (default true when the table is there).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// A folder of photos named by customer reference: `REF.jpg`, `.jpeg`, `.png`, `.jp2`,
    /// `.j2k`.
    #[serde(default)]
    pub folder: Option<PathBuf>,
    /// The customer system's photo URL with `{reference}` in it, HTTPS (plain HTTP only to a
    /// loopback address).
    #[serde(default)]
    pub url: Option<String>,
    /// Extra root certificate(s), PEM or DER, for a customer system with a private CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Name of the environment variable holding a bearer token for the customer system
    /// (sent when set; never logged). Default `ENROL_KIOSK_SELFIE_TOKEN`.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Whole-request timeout, seconds (default 10).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Largest photo accepted, bytes (default and ceiling: the face decoder's 16 MiB).
    #[serde(default)]
    pub max_bytes: Option<usize>,
}

impl Default for SelfieConfig {
    fn default() -> Self {
        SelfieConfig {
            enabled: true,
            folder: None,
            url: None,
            ca_file: None,
            token_env: None,
            timeout_secs: default_timeout(),
            max_bytes: None,
        }
    }
}

impl SelfieConfig {
    /// A folder source.
    pub fn folder(dir: impl Into<PathBuf>) -> SelfieConfig {
        SelfieConfig { folder: Some(dir.into()), ..SelfieConfig::default() }
    }

    /// An HTTPS source.
    pub fn url(url: impl Into<String>) -> SelfieConfig {
        SelfieConfig { url: Some(url.into()), ..SelfieConfig::default() }
    }

    /// The size limit in force: `max_bytes`, never above the face decoder's input limit.
    pub fn max_bytes(&self) -> usize {
        let ceiling = crate::face::DecodeLimits::default().max_input_bytes;
        self.max_bytes.map_or(ceiling, |m| m.clamp(1, ceiling))
    }

    /// Reads the `[selfie]` table of a kiosk configuration file; `None` when there is none
    /// (the path is not offered). Other tables are ignored.
    pub fn from_file(path: &Path) -> Result<Option<SelfieConfig>, SelfieError> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            selfie: Option<SelfieConfig>,
        }
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            SelfieError::ConfigRead { path: path.display().to_string(), source }
        })?);
        let file: File = toml::from_str(&text).map_err(|e| SelfieError::ConfigParse {
            path: path.display().to_string(),
            detail: crate::config_error::describe_toml_error(&text, &e),
        })?;
        Ok(file.selfie)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<SelfieConfig>, SelfieError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(&p, text).unwrap();
        SelfieConfig::from_file(&p)
    }

    #[test]
    fn selfie_table_parses_and_decides_the_offer() {
        assert!(parse("[iproov]\nregion='eu'\n").unwrap().is_none());
        let c = parse("[selfie]\nfolder='/srv/photos'\n").unwrap().unwrap();
        assert!(c.enabled);
        assert_eq!(c.folder.as_deref(), Some(Path::new("/srv/photos")));
        assert_eq!(c.max_bytes(), 16 * 1024 * 1024);
        let c = parse(
            "[selfie]\nenabled=false\nurl='https://photos.bank.example/p/{reference}'\nmax_bytes=1000\ntimeout_secs=3\ntoken_env='PHOTO_TOKEN'\n",
        )
        .unwrap()
        .unwrap();
        assert!(!c.enabled);
        assert_eq!(c.max_bytes(), 1000);
        assert_eq!(c.token_env.as_deref(), Some("PHOTO_TOKEN"));
        let e = parse("[selfie]\nfoldr='x'\n").unwrap_err().to_string();
        assert!(e.contains("line 2, key `foldr`: unknown key"), "{e}");
    }
}
