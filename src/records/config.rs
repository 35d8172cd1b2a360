//! Where the records database lives: `ENROL_KIOSK_DB`, else the `[records]` table of the
//! configuration file, else the platform data folder; and where its document-number key
//! lives: `ENROL_KIOSK_DOCUMENT_KEY`, else `[records] document_key_file`, else the platform
//! configuration folder (apart from the data, so a copy of the data folder lacks it).

use std::path::PathBuf;

/// The `[records]` table of the kiosk configuration.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsConfig {
    /// SQLite file holding enrolments and audit events.
    pub path: Option<PathBuf>,
    /// File holding the document-number key (made, 0600, when absent).
    pub document_key_file: Option<PathBuf>,
}

/// `$XDG_CONFIG_HOME/enrol-kiosk/document-number.key`, else `~/.config/...`, else beside
/// the database `db`.
pub fn default_key_path(db: &std::path::Path) -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        });
    match base {
        Some(b) => b.join("enrol-kiosk").join("document-number.key"),
        None => {
            let mut p = db.as_os_str().to_owned();
            p.push(".key");
            PathBuf::from(p)
        }
    }
}

/// `ENROL_KIOSK_DOCUMENT_KEY` wins over the configuration, which wins over
/// [`default_key_path`].
pub fn resolve_key_path(config: Option<&RecordsConfig>, db: &std::path::Path) -> PathBuf {
    if let Some(p) = std::env::var_os("ENROL_KIOSK_DOCUMENT_KEY").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    config.and_then(|c| c.document_key_file.clone()).unwrap_or_else(|| default_key_path(db))
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
    resolve_db_path_with(std::env::var_os("ENROL_KIOSK_DB"), config)
}

/// As [`resolve_db_path`], with the value of `ENROL_KIOSK_DB` given (testable).
pub fn resolve_db_path_with(
    env_db: Option<std::ffi::OsString>,
    config: Option<&RecordsConfig>,
) -> PathBuf {
    if let Some(p) = env_db.filter(|v| !v.is_empty()) {
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
    /// `detail` names the line and key, never the text (`crate::config_error`).
    #[error("configuration file {path}: {detail}")]
    Parse { path: String, detail: String },
}

impl RecordsConfig {
    /// Reads the `[records]` table of a kiosk configuration file (other tables are ignored).
    pub fn from_file(path: &std::path::Path) -> Result<RecordsConfig, RecordsConfigError> {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(default)]
            records: RecordsConfig,
        }
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            RecordsConfigError::Read { path: path.display().to_string(), source }
        })?);
        let file: File = toml::from_str(&text).map_err(|e| RecordsConfigError::Parse {
            path: path.display().to_string(),
            detail: crate::config_error::describe_toml_error(&text, &e),
        })?;
        Ok(file.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_over_configuration_over_default() {
        let cfg = RecordsConfig { path: Some("/cfg/r.db".into()), document_key_file: None };
        assert_eq!(
            resolve_db_path_with(Some("/env/r.db".into()), Some(&cfg)),
            PathBuf::from("/env/r.db")
        );
        assert_eq!(resolve_db_path_with(Some("".into()), Some(&cfg)), PathBuf::from("/cfg/r.db"));
        assert_eq!(resolve_db_path_with(None, None), default_db_path());
        assert!(default_db_path().ends_with("records.sqlite3"));
    }

    #[test]
    fn records_table_is_read_from_the_kiosk_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(&p, "[iproov]\nregion='eu'\n[records]\npath='/data/r.db'\n").unwrap();
        let c = RecordsConfig::from_file(&p).unwrap();
        assert_eq!(c.path, Some(PathBuf::from("/data/r.db")));
        std::fs::write(&p, "[records]\npaht='typo'\n").unwrap();
        assert!(RecordsConfig::from_file(&p).is_err());
        std::fs::write(&p, "[records]\ndocument_key_file='/etc/k'\n").unwrap();
        let c = RecordsConfig::from_file(&p).unwrap();
        assert_eq!(c.document_key_file, Some(PathBuf::from("/etc/k")));
    }

    #[test]
    fn a_malformed_line_is_named_by_number_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        let secret = "Zq9s3cr3tZq9s3cr3tZq9s3cr3tZq9s3cr3t1234";
        std::fs::write(&p, format!("[iproov]\nsecret = \"{secret}\n[records]\npath='/r'\n"))
            .unwrap();
        let e = RecordsConfig::from_file(&p).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("line 2, key `secret`"), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
    }
}
