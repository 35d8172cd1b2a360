//! Where the records database lives: `ENROL_KIOSK_DB`, else the `[records]` table of the
//! configuration file, else the platform data folder.

use std::path::PathBuf;

/// The `[records]` table of the kiosk configuration.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsConfig {
    /// SQLite file holding enrolments and audit events.
    pub path: Option<PathBuf>,
}

/// `$XDG_DATA_HOME/enrol-kiosk/records.sqlite3`, else `~/.local/share/...`, else the current
/// folder.
pub fn default_db_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("share"))
        });
    match base {
        Some(b) => b.join("enrol-kiosk").join("records.sqlite3"),
        None => PathBuf::from("enrol-kiosk-records.sqlite3"),
    }
}

/// The environment variable `ENROL_KIOSK_DB` wins over the configuration, which wins over
/// the default.
pub fn resolve_db_path(config: Option<&RecordsConfig>) -> PathBuf {
    if let Some(p) = std::env::var_os("ENROL_KIOSK_DB").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    config.and_then(|c| c.path.clone()).unwrap_or_else(default_db_path)
}

/// Why the `[records]` table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordsConfigError {
    #[error("configuration file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration file {path}: [records] table: {source}")]
    Parse {
        path: String,
        #[source]
        source: toml::de::Error,
    },
}

impl RecordsConfig {
    /// Reads the `[records]` table of a kiosk configuration file (other tables are ignored).
    pub fn from_file(path: &std::path::Path) -> Result<RecordsConfig, RecordsConfigError> {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(default)]
            records: RecordsConfig,
        }
        let text = std::fs::read_to_string(path).map_err(|source| RecordsConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let file: File = toml::from_str(&text).map_err(|source| RecordsConfigError::Parse {
            path: path.display().to_string(),
            source,
        })?;
        Ok(file.records)
    }
}
