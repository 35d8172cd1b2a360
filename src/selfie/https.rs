//! Photos on file from the bank's customer system over HTTPS: `GET` the configured URL with
//! the customer reference in place of `{reference}`, rustls with the platform's web roots
//! plus an optional private CA (`ca_file`), an optional bearer token from the environment
//! (sent as a sensitive header, never logged), no redirects, one whole-request timeout, the
//! body read up to the size limit and no further, its content sniffed to be a picture.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use zeroize::Zeroizing;

use super::config::DEFAULT_TOKEN_ENV;
use super::{CustomerReference, SelfieConfig, SelfieError, SelfiePhoto, SelfieSource, check_photo};
use crate::iproov::Secret;
use crate::iproov::config::is_loopback;

/// The placeholder the URL template must hold once.
pub const PLACEHOLDER: &str = "{reference}";
/// Largest `ca_file` read.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// The customer system's photo endpoint.
pub struct HttpsSource {
    template: String,
    origin: String,
    client: reqwest::Client,
    token: Option<Secret>,
    max_bytes: usize,
}

impl std::fmt::Debug for HttpsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsSource")
            .field("origin", &self.origin)
            .field("token", &self.token)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

/// Checks the URL template: `{reference}` once, after the host (in the path or query), HTTPS
/// or HTTP to a loopback address, no user name or password. Returns the origin
/// (`scheme://host[:port]`) that describes the source.
pub fn check_template(template: &str) -> Result<String, SelfieError> {
    if template.matches(PLACEHOLDER).count() != 1 {
        return Err(SelfieError::BadUrl);
    }
    let url = reqwest::Url::parse(&template.replace(PLACEHOLDER, "REFERENCE"))
        .map_err(|_| SelfieError::BadUrl)?;
    let secure = match url.scheme() {
        "https" => true,
        "http" => is_loopback(&url),
        _ => false,
    };
    if !secure || url.host().is_none() || url.cannot_be_a_base() {
        return Err(SelfieError::BadUrl);
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(SelfieError::BadUrl);
    }
    // The placeholder must not be in the authority.
    let in_path_or_query =
        url.path().contains("REFERENCE") || url.query().is_some_and(|q| q.contains("REFERENCE"));
    if !in_path_or_query {
        return Err(SelfieError::BadUrl);
    }
    Ok(url.origin().ascii_serialization())
}

/// Reads extra root certificates: a PEM bundle, or one DER certificate.
fn read_roots(path: &Path) -> Result<Vec<reqwest::Certificate>, SelfieError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| SelfieError::CaFile(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_CA_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SelfieError::CaFile(e.to_string()))?;
    if bytes.len() as u64 > MAX_CA_FILE {
        return Err(SelfieError::CaFile("larger than 1 MiB".to_owned()));
    }
    let roots = if bytes.starts_with(b"-----BEGIN") {
        reqwest::Certificate::from_pem_bundle(&bytes)
    } else {
        reqwest::Certificate::from_der(&bytes).map(|c| vec![c])
    }
    .map_err(|_| SelfieError::CaFile("not a PEM or DER certificate".to_owned()))?;
    if roots.is_empty() {
        return Err(SelfieError::CaFile("no certificate in it".to_owned()));
    }
    Ok(roots)
}

impl HttpsSource {
    /// Builds the source from the `[selfie]` table, with the token from the environment.
    pub fn new(cfg: &SelfieConfig) -> Result<HttpsSource, SelfieError> {
        Self::with_vars(cfg, |k| std::env::var(k).ok())
    }

    /// As [`HttpsSource::new`], with the environment from `get` (testable). A configured
    /// `token_env` that is unset is an error; the default variable is optional.
    pub fn with_vars(
        cfg: &SelfieConfig,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<HttpsSource, SelfieError> {
        let template = cfg.url.clone().ok_or(SelfieError::NoSource)?;
        let origin = check_template(&template)?;
        let token = match &cfg.token_env {
            Some(var) => Some(
                get(var)
                    .filter(|v| !v.is_empty())
                    .map(Secret::new)
                    .ok_or_else(|| SelfieError::MissingToken(var.clone()))?,
            ),
            None => get(DEFAULT_TOKEN_ENV).filter(|v| !v.is_empty()).map(Secret::new),
        };
        let timeout = Duration::from_secs(cfg.timeout_secs.clamp(1, 300));
        let loopback_http = template.starts_with("http://");
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("enrol-kiosk/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .https_only(!loopback_http)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            // Each fetch runs on a runtime of its own: no connection outlives it.
            .pool_max_idle_per_host(0);
        if let Some(ca) = &cfg.ca_file {
            for root in read_roots(ca)? {
                builder = builder.add_root_certificate(root);
            }
        }
        let client = builder.build().map_err(|e| SelfieError::Http(chain(&e)))?;
        Ok(HttpsSource { template, origin, client, token, max_bytes: cfg.max_bytes() })
    }

    async fn get(&self, reference: &CustomerReference) -> Result<Zeroizing<Vec<u8>>, SelfieError> {
        let url = self.template.replace(PLACEHOLDER, reference.as_str());
        let mut req = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "image/jpeg, image/png, image/jp2, */*;q=0.1");
        if let Some(token) = &self.token {
            let mut value =
                reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .map_err(|_| {
                        SelfieError::Http(
                            "the access token holds characters a header cannot".to_owned(),
                        )
                    })?;
            value.set_sensitive(true);
            req = req.header(reqwest::header::AUTHORIZATION, value);
        }
        let mut resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        match status {
            200 => {}
            404 | 410 => return Err(SelfieError::NotFound),
            401 | 403 => return Err(SelfieError::Refused(status)),
            429 | 500..=599 => return Err(SelfieError::Unavailable(status)),
            _ => return Err(SelfieError::UnexpectedStatus(status)),
        }
        if resp.content_length().is_some_and(|n| n > self.max_bytes as u64) {
            return Err(SelfieError::TooLarge { limit: self.max_bytes });
        }
        let mut body = Zeroizing::new(Vec::new());
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(SelfieError::TooLarge { limit: self.max_bytes });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A reqwest error as a typed error, without the URL (it holds the reference).
fn transport(e: reqwest::Error) -> SelfieError {
    if e.is_timeout() {
        SelfieError::Timeout
    } else if e.is_body() || e.is_decode() {
        SelfieError::Transfer(chain(&e.without_url()))
    } else {
        SelfieError::Unreachable(chain(&e.without_url()))
    }
}

/// An error and its causes, one after another.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// Runs `fut` on a runtime of its own on a thread of its own, so a fetch works from any
/// thread, inside another runtime or not.
fn run<F>(fut: F) -> Result<F::Output, SelfieError>
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(fut))
                .map_err(|e| SelfieError::Http(e.to_string()))
        })
        .join()
        .map_err(|_| SelfieError::Transfer("the download worker stopped".to_owned()))?
    })
}

impl SelfieSource for HttpsSource {
    fn fetch(&self, reference: &str) -> Result<SelfiePhoto, SelfieError> {
        let reference = CustomerReference::parse(reference)?;
        let bytes = run(self.get(&reference))??;
        check_photo(&bytes)?;
        tracing::info!(origin = %self.origin, bytes = bytes.len(), "a photo on file was fetched");
        Ok(SelfiePhoto { bytes, provenance: self.describe() })
    }

    fn describe(&self) -> String {
        format!("customer system at {}", self.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_template_is_checked() {
        let ok = [
            ("https://photos.bank.example/api/photos/{reference}", "https://photos.bank.example"),
            (
                "https://photos.bank.example:8443/p?id={reference}&size=full",
                "https://photos.bank.example:8443",
            ),
            ("http://127.0.0.1:9000/p/{reference}.jpg", "http://127.0.0.1:9000"),
        ];
        for (t, origin) in ok {
            assert_eq!(check_template(t).unwrap(), origin, "{t}");
        }
        for bad in [
            "https://photos.bank.example/api/photos/",
            "https://photos.bank.example/{reference}/{reference}",
            "http://photos.bank.example/p/{reference}",
            "http://10.1.2.3/p/{reference}",
            "https://{reference}.bank.example/p",
            "https://user:pw@photos.bank.example/p/{reference}",
            "https://photos.bank.example/p#{reference}",
            "ftp://photos.bank.example/{reference}",
            "file:///srv/{reference}",
            "not a url {reference}",
        ] {
            assert!(matches!(check_template(bad), Err(SelfieError::BadUrl)), "{bad}");
        }
    }

    #[test]
    fn a_configured_token_variable_must_be_set_and_is_never_printed() {
        let cfg = SelfieConfig {
            token_env: Some("PHOTO_TOKEN".to_owned()),
            ..SelfieConfig::url("https://photos.bank.example/p/{reference}")
        };
        assert!(matches!(
            HttpsSource::with_vars(&cfg, |_| None),
            Err(SelfieError::MissingToken(v)) if v == "PHOTO_TOKEN"
        ));
        let s = HttpsSource::with_vars(&cfg, |k| {
            (k == "PHOTO_TOKEN").then(|| "tok-SECRET-123".to_owned())
        })
        .unwrap();
        assert!(!format!("{s:?}").contains("SECRET"));
        assert_eq!(s.describe(), "customer system at https://photos.bank.example");
    }
}
