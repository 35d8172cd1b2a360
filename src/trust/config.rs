//! The `[trust]` table of the kiosk's configuration file: where the CSCA certificates,
//! master lists and CRLs that passive authentication trusts are kept.
//!
//! ```toml
//! [trust]
//! csca = ["/etc/enrol-kiosk/csca", "masterlists/DE.ml"]   # relative to this file's folder
//! ```

use std::path::{Path, PathBuf};

use super::TrustError;

/// Largest configuration file read.
const MAX_CONFIG: u64 = 1024 * 1024;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustTable {
    #[serde(default)]
    csca: Vec<PathBuf>,
}

#[derive(serde::Deserialize)]
struct File {
    #[serde(default)]
    trust: TrustTable,
}

/// The trust-store paths named by the configuration file at `path` (none without a `[trust]`
/// table); relative paths are taken from the file's folder. Other tables are ignored.
pub fn configured_paths(path: &Path) -> Result<Vec<PathBuf>, TrustError> {
    let io = |source| TrustError::Io { path: path.to_path_buf(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_CONFIG {
        return Err(TrustError::TooLarge {
            what: format!("configuration file {}", path.display()),
            actual: size,
            limit: MAX_CONFIG,
        });
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
    parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|e| {
        let detail = crate::config_error::describe_toml_error(&text, &e);
        TrustError::invalid(format!("configuration file {}: {detail}", path.display()))
    })
}

fn parse(text: &str, base: &Path) -> Result<Vec<PathBuf>, toml::de::Error> {
    let file: File = toml::from_str(text)?;
    Ok(file
        .trust
        .csca
        .into_iter()
        .map(|p| if p.is_absolute() { p } else { base.join(p) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_and_made_relative_to_the_file() {
        let text = "[iproov]\nresource = \"x\"\n[trust]\ncsca = [\"/etc/csca\", \"ml/DE.ml\"]\n";
        let paths = parse(text, Path::new("/etc/enrol-kiosk")).unwrap();
        assert_eq!(paths, [PathBuf::from("/etc/csca"), PathBuf::from("/etc/enrol-kiosk/ml/DE.ml")]);
    }

    #[test]
    fn no_table_means_no_paths_and_a_typo_is_refused() {
        assert!(parse("[iproov]\n", Path::new("/")).unwrap().is_empty());
        assert!(parse("[trust]\ncscas = [\"/x\"]\n", Path::new("/")).is_err());
        assert!(parse("[trust]\ncsca = \"/x\"\n", Path::new("/")).is_err(), "a list is needed");
    }

    #[test]
    fn a_missing_file_is_an_error_that_names_it() {
        let e = configured_paths(Path::new("/nonexistent/kiosk.toml")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/kiosk.toml"), "{e}");
    }
}
