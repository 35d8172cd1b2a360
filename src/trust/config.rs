//! The `[trust]` and `[policy]` tables of the kiosk's configuration file: where the CSCA
//! certificates, master lists and CRLs that passive authentication trusts are kept, and the
//! enrolment policy (see `policy`).
//!
//! ```toml
//! [trust]
//! csca = ["/etc/enrol-kiosk/csca", "masterlists/DE.ml"]   # relative to this file's folder
//! ```

use std::path::{Path, PathBuf};

use super::policy::{HOW_TO_TRUST, Policy};
use super::{TrustError, TrustStore};

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
    #[serde(default)]
    policy: Policy,
}

/// What the configuration says about trust: the trust-store paths and the enrolment policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustConfig {
    pub csca: Vec<PathBuf>,
    pub policy: Policy,
}

/// The `[trust]` paths and the `[policy]` of the configuration file at `path` (strict
/// without a `[policy]` table). Errors name the table and the problem, never the line.
pub fn configured(path: &Path) -> Result<TrustConfig, TrustError> {
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
        // Only where, never what: toml's messages quote the offending line or value, which
        // may be a secret.
        let detail = crate::config_error::describe_toml_error(&text, &e);
        TrustError::invalid(format!(
            "configuration file {}: {detail}; expected [trust] csca = [\"path\", …], \
             [policy] allow_unverified = true|false, stale_crl = \"refuse\"|\"allow\", allow_sources = [\"eid\", \"oid\", \"selfie\"]",
            path.display()
        ))
    })
}

/// The kiosk's (`gui`, `run`) trust store: the `--csca` paths plus the configuration's
/// `[trust] csca`, carrying the configuration's `[policy]`. What each file contributed is
/// printed for the operator.
pub fn kiosk_trust_store(
    csca: &[PathBuf],
    config: Option<&Path>,
) -> Result<TrustStore, TrustError> {
    let configured = match config {
        Some(path) => configured(path)?,
        None => TrustConfig::default(),
    };
    let mut paths = csca.to_vec();
    paths.extend(configured.csca);
    let mut store = load_trust_store(&paths)?;
    store.set_policy(configured.policy);
    Ok(store)
}

/// Loads the `--csca` paths, telling the operator what each contributed.
pub fn load_trust_store(paths: &[PathBuf]) -> Result<TrustStore, TrustError> {
    let store = TrustStore::load(paths)?;
    if !paths.is_empty() {
        for note in store.notes() {
            eprintln!("trust store: {note}");
        }
        eprintln!("trust store: {} CSCA certificate(s)", store.len());
    }
    Ok(store)
}

/// Why this store cannot enrol anyone (no CSCA at all and no pilot setting), in words for
/// the operator; `None` when it can.
pub fn cannot_enrol(store: &TrustStore) -> Option<String> {
    (store.is_empty() && !store.policy().allow_unverified).then(|| {
        format!(
            "no CSCA trust store is configured, so no passport can be verified and none will \
             be enrolled. {HOW_TO_TRUST}."
        )
    })
}

fn parse(text: &str, base: &Path) -> Result<TrustConfig, toml::de::Error> {
    let file: File = toml::from_str(text)?;
    let csca = file
        .trust
        .csca
        .into_iter()
        .map(|p| if p.is_absolute() { p } else { base.join(p) })
        .collect();
    Ok(TrustConfig { csca, policy: file.policy })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_and_made_relative_to_the_file() {
        let text = "[iproov]\nresource = \"x\"\n[trust]\ncsca = [\"/etc/csca\", \"ml/DE.ml\"]\n";
        let paths = parse(text, Path::new("/etc/enrol-kiosk")).unwrap().csca;
        assert_eq!(paths, [PathBuf::from("/etc/csca"), PathBuf::from("/etc/enrol-kiosk/ml/DE.ml")]);
    }

    #[test]
    fn no_table_means_no_paths_and_a_typo_is_refused() {
        assert!(parse("[iproov]\n", Path::new("/")).unwrap().csca.is_empty());
        assert!(parse("[trust]\ncscas = [\"/x\"]\n", Path::new("/")).is_err());
        assert!(parse("[trust]\ncsca = \"/x\"\n", Path::new("/")).is_err(), "a list is needed");
    }

    #[test]
    fn the_policy_is_strict_unless_the_table_says_otherwise() {
        use crate::trust::policy::StaleCrl;
        let strict = parse("[trust]\ncsca = []\n", Path::new("/")).unwrap().policy;
        assert_eq!(strict, Policy::default());
        assert!(!strict.allow_unverified);
        let text = "[policy]\nallow_unverified = true\nstale_crl = \"allow\"\n";
        let pilot = parse(text, Path::new("/")).unwrap().policy;
        assert!(pilot.allow_unverified);
        assert_eq!(pilot.stale_crl, StaleCrl::Allow);
        assert!(parse("[policy]\nallow_unverified = \"yes\"\n", Path::new("/")).is_err());
    }

    #[test]
    fn an_error_does_not_echo_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kiosk.toml");
        std::fs::write(&file, "[policy]\nallow_unverified = \"s3cr3t-value\"\n").unwrap();
        let e = configured(&file).unwrap_err().to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
        assert!(e.contains("[policy]"), "{e}");
    }

    #[test]
    fn a_missing_file_is_an_error_that_names_it() {
        let e = configured(Path::new("/nonexistent/kiosk.toml")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/kiosk.toml"), "{e}");
    }
}
