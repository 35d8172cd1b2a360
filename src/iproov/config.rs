//! Configuration of the iProov client: the `[iproov]` table of the kiosk configuration,
//! with secrets overridable from the environment (`IPROOV_API_KEY`, `IPROOV_SECRET`,
//! `IPROOV_BASE_URL`).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use zeroize::Zeroizing;

/// A credential. Prints as `REDACTED`, is wiped from memory on drop.
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(value.into()))
    }
    /// The credential itself, for the request body only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// True when no credential was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "EMPTY" } else { "REDACTED" })
    }
}

/// iProov's regional service hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Eu,
    Us,
    Sg,
    Au,
    Jkt,
    Latam,
}

impl Region {
    /// The region's name in the host.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Us => "us",
            Region::Sg => "sg",
            Region::Au => "au",
            Region::Jkt => "jkt",
            Region::Latam => "latam",
        }
    }
    /// `https://{region}.rp.secure.iproov.me/api/v2`.
    pub fn base_url(self) -> String {
        format!("https://{}.rp.secure.iproov.me/api/v2", self.as_str())
    }
}

/// Genuine Presence Assurance (default) or Liveness Assurance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum AssuranceType {
    #[default]
    #[serde(rename = "genuine_presence", alias = "gpa", alias = "GPA")]
    GenuinePresence,
    #[serde(rename = "liveness", alias = "la", alias = "LA")]
    Liveness,
}

impl AssuranceType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            AssuranceType::GenuinePresence => "genuine_presence",
            AssuranceType::Liveness => "liveness",
        }
    }
}

fn default_resource() -> String {
    "enrol-kiosk photo enrolment".to_owned()
}
fn default_timeout() -> u64 {
    20
}
fn default_connect_timeout() -> u64 {
    5
}
fn default_attempts() -> u32 {
    4
}
fn default_backoff_ms() -> u64 {
    300
}

/// The `[iproov]` table.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IproovConfig {
    /// Region of the service (ignored when `base_url` is set).
    #[serde(default)]
    pub region: Region,
    /// Full API base, e.g. `https://eu.rp.secure.iproov.me/api/v2` or a loopback fake.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Names the journey in iProov's portal.
    #[serde(default = "default_resource")]
    pub resource: String,
    #[serde(default)]
    pub assurance_type: AssuranceType,
    #[serde(default)]
    pub risk_profile: Option<String>,
    #[serde(default)]
    pub api_key: Secret,
    #[serde(default)]
    pub secret: Secret,
    /// Whole-request timeout, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// Attempts for the two token calls (the only ones retried).
    #[serde(default = "default_attempts")]
    pub token_attempts: u32,
    /// First back-off, doubled per retry, with full jitter.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// Where the face scan for a token runs; `{token}` is replaced. Default: the fake's
    /// `/scan/{token}` page for a loopback base URL, else the kiosk's local scan page.
    #[serde(default)]
    pub scan_url_template: Option<String>,
}

impl Default for IproovConfig {
    fn default() -> Self {
        IproovConfig {
            region: Region::default(),
            base_url: None,
            resource: default_resource(),
            assurance_type: AssuranceType::default(),
            risk_profile: None,
            api_key: Secret::default(),
            secret: Secret::default(),
            timeout_secs: default_timeout(),
            connect_timeout_secs: default_connect_timeout(),
            token_attempts: default_attempts(),
            backoff_ms: default_backoff_ms(),
            scan_url_template: None,
        }
    }
}

impl std::fmt::Debug for IproovConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IproovConfig")
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .field("resource", &self.resource)
            .field("assurance_type", &self.assurance_type)
            .field("risk_profile", &self.risk_profile)
            .field("api_key", &self.api_key)
            .field("secret", &self.secret)
            .field("timeout_secs", &self.timeout_secs)
            .finish_non_exhaustive()
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `detail` names the line and key, never the text (`crate::config_error`).
    #[error("configuration file {path}: {detail}")]
    Parse { path: String, detail: String },
    #[error(
        "iProov {0} is not set: put it in the [iproov] table of the configuration or in the environment"
    )]
    MissingCredential(&'static str),
    #[error("iProov {0} must be 40 letters and digits")]
    MalformedCredential(&'static str),
    #[error("iProov base URL {0:?} is not a valid URL")]
    BadUrl(String),
    #[error(
        "iProov base URL {0:?} is not HTTPS: only HTTPS is allowed, or plain HTTP to a loopback address (the local fake)"
    )]
    Insecure(String),
    #[error("risk_profile must match ^[a-zA-Z0-9_-]{{0,100}}$")]
    BadRiskProfile,
    #[error("resource must not be empty")]
    EmptyResource,
    #[error("could not build the HTTPS client: {0}")]
    Http(String),
}

impl IproovConfig {
    /// Reads the `[iproov]` table of a kiosk configuration file (other tables are ignored).
    pub fn from_file(path: &Path) -> Result<IproovConfig, ConfigError> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            iproov: Option<IproovConfig>,
        }
        let text =
            zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
                ConfigError::Read { path: path.display().to_string(), source }
            })?);
        let file: File = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            detail: crate::config_error::describe_toml_error(&text, &e),
        })?;
        Ok(file.iproov.unwrap_or_default())
    }

    /// Applies `IPROOV_API_KEY`, `IPROOV_SECRET` and `IPROOV_BASE_URL` where set.
    pub fn with_env(self) -> IproovConfig {
        self.with_vars(|k| std::env::var(k).ok())
    }

    /// As [`IproovConfig::with_env`], with the variables from `get` (testable).
    pub fn with_vars(mut self, get: impl Fn(&str) -> Option<String>) -> IproovConfig {
        if let Some(v) = get("IPROOV_API_KEY").filter(|v| !v.is_empty()) {
            self.api_key = Secret::new(v);
        }
        if let Some(v) = get("IPROOV_SECRET").filter(|v| !v.is_empty()) {
            self.secret = Secret::new(v);
        }
        if let Some(v) = get("IPROOV_BASE_URL").filter(|v| !v.is_empty()) {
            self.base_url = Some(v);
        }
        self
    }

    /// The API base URL, checked: HTTPS, or HTTP to a loopback address. No trailing slash.
    pub fn api_base(&self) -> Result<reqwest::Url, ConfigError> {
        let raw = self.base_url.clone().unwrap_or_else(|| self.region.base_url());
        let trimmed = raw.trim_end_matches('/');
        let url = reqwest::Url::parse(trimmed).map_err(|_| ConfigError::BadUrl(raw.clone()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => return Err(ConfigError::Insecure(raw)),
        }
        if url.host().is_none() || url.cannot_be_a_base() {
            return Err(ConfigError::BadUrl(raw));
        }
        Ok(url)
    }

    /// Checks everything the client needs before its first call.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_credential(&self.api_key, "api_key")?;
        check_credential(&self.secret, "secret")?;
        self.api_base()?;
        if self.resource.trim().is_empty() {
            return Err(ConfigError::EmptyResource);
        }
        if let Some(rp) = &self.risk_profile
            && (rp.len() > 100
                || !rp.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            return Err(ConfigError::BadRiskProfile);
        }
        Ok(())
    }

    /// Whole-request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }
}

fn check_credential(s: &Secret, name: &'static str) -> Result<(), ConfigError> {
    if s.is_empty() {
        return Err(ConfigError::MissingCredential(name));
    }
    if s.expose().len() != 40 || !s.expose().bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ConfigError::MalformedCredential(name));
    }
    Ok(())
}

/// True for `localhost`, 127.0.0.0/8 and `::1`.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_base(b: &str) -> IproovConfig {
        IproovConfig { base_url: Some(b.to_owned()), ..IproovConfig::default() }
    }

    #[test]
    fn https_or_loopback_http_only() {
        assert!(with_base("https://eu.rp.secure.iproov.me/api/v2/").api_base().is_ok());
        assert!(with_base("http://127.0.0.1:8080/api/v2").api_base().is_ok());
        assert!(with_base("http://[::1]:8080/api/v2").api_base().is_ok());
        assert!(with_base("http://localhost:1/api/v2").api_base().is_ok());
        assert!(matches!(
            with_base("http://eu.rp.secure.iproov.me/api/v2").api_base(),
            Err(ConfigError::Insecure(_))
        ));
        assert!(matches!(
            with_base("http://10.0.0.1/api/v2").api_base(),
            Err(ConfigError::Insecure(_))
        ));
        assert!(matches!(with_base("ftp://127.0.0.1/").api_base(), Err(ConfigError::Insecure(_))));
        assert_eq!(
            IproovConfig::default().api_base().unwrap().as_str(),
            "https://eu.rp.secure.iproov.me/api/v2"
        );
    }

    #[test]
    fn env_overrides_and_debug_redacts() {
        let key = "A".repeat(40);
        let cfg = IproovConfig::default().with_vars(|k| match k {
            "IPROOV_API_KEY" => Some(key.clone()),
            "IPROOV_SECRET" => Some("b".repeat(40)),
            "IPROOV_BASE_URL" => Some("http://127.0.0.1:9/api/v2".into()),
            _ => None,
        });
        assert_eq!(cfg.api_key.expose(), key);
        assert!(cfg.validate().is_ok());
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains(&key) && !dbg.contains(&"b".repeat(40)), "{dbg}");
        assert!(dbg.contains("REDACTED"));
    }

    #[test]
    fn toml_table_parses() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(
            &p,
            "[reader]\nname='x'\n[iproov]\nregion='us'\nresource='branch'\nassurance_type='liveness'\nrisk_profile='low_risk'\n",
        )
        .unwrap();
        let cfg = IproovConfig::from_file(&p).unwrap();
        assert_eq!(cfg.region, Region::Us);
        assert_eq!(cfg.assurance_type, AssuranceType::Liveness);
        assert_eq!(cfg.resource, "branch");
        assert!(matches!(cfg.validate(), Err(ConfigError::MissingCredential("api_key"))));
    }
}
