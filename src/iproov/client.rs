//! The iProov REST client: typed calls over reqwest + rustls, timeouts on every call,
//! retries with back-off and jitter for the two token calls only, and "outcome unknown"
//! (never a blind repeat) for an image upload or validate whose answer was lost.

use std::time::Duration;

use rand::Rng;
use reqwest::Url;

use super::config::{IproovConfig, is_loopback};
use super::error::{ApiErrorCode, Call, IproovError};
use super::types::{
    ImageAccepted, ImageSource, MAX_IMAGE_BYTES, TokenGrant, TokenRequest, UserId, ValidateRequest,
    Validation, sniff_image_format,
};

/// Sent as `User-Agent` and as the `client` field.
pub const USER_AGENT: &str = concat!("enrol-kiosk/", env!("CARGO_PKG_VERSION"));

/// Largest answer body read (validate may carry a base64 frame).
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Retries of the token calls: `attempts` in all, back-off `base · 2^n` capped at `max`,
/// with jitter (half fixed, half random).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl RetryPolicy {
    fn delay(&self, retry: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX));
        let d = exp.min(self.max);
        let half = d / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(0);
        half + Duration::from_millis(rand::thread_rng().gen_range(0..=jitter_ms))
    }
}

/// A client for one configured service. Cheap to clone.
#[derive(Clone)]
pub struct IproovClient {
    http: reqwest::Client,
    base: Url,
    config: IproovConfig,
    retry: RetryPolicy,
    /// Shared with other clients of a batch: a 429 holds them all back.
    gate: Option<std::sync::Arc<super::rate_limit::RateGate>>,
}

impl std::fmt::Debug for IproovClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IproovClient")
            .field("base", &self.base.as_str())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one attempt gave.
enum Attempt {
    /// Status and body.
    Answer(u16, Vec<u8>),
    /// Nothing reached the service (connect failed).
    NotSent(String),
    /// The request may have reached the service; no (complete) answer.
    Lost(String),
}

/// Whether a failed request may have reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Provably not one byte of the request was sent: the connection was never set up
    /// (refused, DNS, TLS handshake, connect timeout). Safe to send again.
    NeverSent,
    /// Sent, or maybe sent (timeout after connecting, connection reset or closed after
    /// sending, an answer that broke off): the service may have acted.
    MaybeReached,
}

/// The one rule for a transport error: only a failure while connecting — DNS, TCP connect,
/// TLS handshake, all done by reqwest's connector before the request is written — proves
/// the request never left. A timeout counts as "never sent" only when it hit the connect.
pub fn reach_of(e: &reqwest::Error) -> Reach {
    if e.is_connect() { Reach::NeverSent } else { Reach::MaybeReached }
}

/// May `call` be sent again after this attempt? A request that never left may always be
/// sent again (with back-off); otherwise only the token calls (and the availability probe)
/// are repeated, after a lost answer, a 429 or a 5xx. An image upload or validate that may
/// have reached the service is never repeated: its outcome is unknown.
fn may_repeat(call: Call, outcome: &Attempt) -> bool {
    match outcome {
        Attempt::NotSent(_) => true,
        Attempt::Lost(_) => call.is_retryable(),
        Attempt::Answer(status, _) => call.is_retryable() && (*status == 429 || *status >= 500),
    }
}

impl IproovClient {
    /// Checks the configuration (credentials, HTTPS or loopback HTTP) and builds the client.
    pub fn new(config: IproovConfig) -> Result<IproovClient, IproovError> {
        config.validate()?;
        let base = config.api_base()?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(config.timeout())
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs.max(1)))
            .https_only(!(base.scheme() == "http" && is_loopback(&base)))
            .redirect(reqwest::redirect::Policy::none())
            // Every repeat is decided here (token calls only), none inside reqwest.
            .retry(reqwest::retry::never())
            .build()
            .map_err(|e| super::ConfigError::Http(e.to_string()))?;
        let retry = RetryPolicy {
            attempts: config.token_attempts.clamp(1, 10),
            base: Duration::from_millis(config.backoff_ms),
            max: Duration::from_secs(8),
        };
        Ok(IproovClient { http, base, config, retry, gate: None })
    }

    /// Every call waits its turn at `gate` before it is sent, and a 429 answer closes the
    /// gate for its `Retry-After` (or a back-off): many concurrent calls slow down together.
    pub fn with_rate_gate(mut self, gate: std::sync::Arc<super::rate_limit::RateGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The API base URL in use.
    pub fn api_base(&self) -> &Url {
        &self.base
    }

    /// The configuration in use (secrets print redacted).
    pub fn config(&self) -> &IproovConfig {
        &self.config
    }

    /// Where the face scan for `token` runs: the configured template, else the fake's
    /// `/scan/{token}` page for a loopback base, else the kiosk's local scan page.
    pub fn scan_url(&self, token: &str) -> String {
        if let Some(t) = &self.config.scan_url_template {
            return t.replace("{token}", token);
        }
        if is_loopback(&self.base) {
            let mut origin = self.base.clone();
            origin.set_path(&format!("/scan/{token}"));
            return origin.to_string();
        }
        format!("https://localhost:8443/scan/{token}")
    }

    fn url(&self, call: Call) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), call.path())
    }

    async fn attempt(&self, req: reqwest::RequestBuilder) -> Attempt {
        if let Some(g) = &self.gate {
            g.wait_turn().await;
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return match reach_of(&e) {
                    Reach::NeverSent => Attempt::NotSent(describe(&e)),
                    Reach::MaybeReached => Attempt::Lost(describe(&e)),
                };
            }
        };
        let status = resp.status().as_u16();
        if let Some(g) = &self.gate {
            if status == 429 {
                let ra = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| {
                        super::rate_limit::parse_retry_after(v, std::time::SystemTime::now())
                    });
                let pause = g.too_many(ra);
                tracing::info!(
                    pause_ms = pause.as_millis() as u64,
                    retry_after = ra.is_some(),
                    "429 too many requests: every call waits"
                );
            } else {
                g.answered();
            }
        }
        match read_capped(resp).await {
            Ok(body) => Attempt::Answer(status, body),
            Err(cause) => Attempt::Lost(cause),
        }
    }

    /// Sends the request `make` builds, again (after a back-off) only while [`may_repeat`]
    /// allows it, at most the configured number of attempts; returns the last attempt.
    async fn send_by_rule<F>(&self, call: Call, make: F) -> Result<Attempt, IproovError>
    where
        F: Fn() -> Result<reqwest::RequestBuilder, IproovError>,
    {
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(make()?).await;
            if attempt >= self.retry.attempts || !may_repeat(call, &outcome) {
                return Ok(outcome);
            }
            let d = self.retry.delay(attempt - 1);
            tracing::warn!(%call, attempt, delay_ms = d.as_millis() as u64, "the request was never sent; sending it again");
            tokio::time::sleep(d).await;
            attempt += 1;
        }
    }

    /// `POST /claim/enrol/token`.
    pub async fn enrol_token(&self, user_id: &UserId) -> Result<TokenGrant, IproovError> {
        self.token_call(Call::EnrolToken, user_id).await
    }

    /// `POST /claim/verify/token`.
    pub async fn verify_token(&self, user_id: &UserId) -> Result<TokenGrant, IproovError> {
        self.token_call(Call::VerifyToken, user_id).await
    }

    async fn token_call(&self, call: Call, user_id: &UserId) -> Result<TokenGrant, IproovError> {
        let body = TokenRequest {
            api_key: self.config.api_key.expose(),
            secret: self.config.secret.expose(),
            resource: &self.config.resource,
            user_id: user_id.as_str(),
            assurance_type: self.config.assurance_type.as_str(),
            risk_profile: self.config.risk_profile.as_deref(),
            client: USER_AGENT,
        };
        let mut last: Option<IproovError> = None;
        for attempt in 1..=self.retry.attempts {
            if attempt > 1 {
                let d = self.retry.delay(attempt - 2);
                tracing::debug!(%call, attempt, delay_ms = d.as_millis() as u64, "retrying");
                tokio::time::sleep(d).await;
            }
            tracing::debug!(%call, attempt, user_id = %user_id, "calling iProov");
            let outcome = self.attempt(self.http.post(self.url(call)).json(&body)).await;
            let err = match outcome {
                Attempt::Answer(200, bytes) => {
                    let grant: TokenGrant =
                        serde_json::from_slice(&bytes).map_err(|e| IproovError::Unexpected {
                            call,
                            status: 200,
                            detail: format!("token answer is not the documented JSON: {e}"),
                        })?;
                    check_token(call, &grant.token)?;
                    tracing::info!(%call, attempt, "token issued");
                    return Ok(grant);
                }
                Attempt::Answer(status, bytes) => {
                    let e = api_error(call, status, &bytes);
                    if !may_repeat(call, &Attempt::Answer(status, Vec::new())) {
                        return Err(e);
                    }
                    e
                }
                Attempt::NotSent(cause) => IproovError::Unreachable { call, cause },
                Attempt::Lost(cause) => IproovError::NoAnswer { call, attempts: attempt, cause },
            };
            tracing::warn!(%call, attempt, error = %err, "token call failed");
            last = Some(err);
        }
        Err(match last {
            Some(IproovError::NoAnswer { call, cause, .. }) => {
                IproovError::NoAnswer { call, attempts: self.retry.attempts, cause }
            }
            Some(e) => e,
            None => IproovError::Invalid { call, detail: "no attempt was made".into() },
        })
    }

    /// `POST /claim/enrol/image` (multipart). Sent again only when it provably never left
    /// (see [`reach_of`]); a lost answer is [`IproovError::OutcomeUnknown`].
    pub async fn enrol_image(
        &self,
        enrol_token: &str,
        image: &[u8],
        source: ImageSource,
    ) -> Result<ImageAccepted, IproovError> {
        let call = Call::EnrolImage;
        if image.len() > MAX_IMAGE_BYTES {
            return Err(IproovError::Invalid {
                call,
                detail: format!(
                    "the photo is {} bytes; the limit is {MAX_IMAGE_BYTES} (2 MB)",
                    image.len()
                ),
            });
        }
        let format = sniff_image_format(image).ok_or_else(|| IproovError::Invalid {
            call,
            detail: "the photo is not PNG, JPEG or JPEG 2000 (JP2)".into(),
        })?;
        let request = || {
            let part = reqwest::multipart::Part::bytes(image.to_vec())
                .file_name(format.file_name())
                .mime_str(format.mime())
                .map_err(|e| IproovError::Invalid { call, detail: e.to_string() })?;
            let form = reqwest::multipart::Form::new()
                .text("api_key", self.config.api_key.expose().to_owned())
                .text("secret", self.config.secret.expose().to_owned())
                .text("rotation", "0")
                .text("token", enrol_token.to_owned())
                .text("source", source.as_str())
                .part("image", part);
            Ok(self.http.post(self.url(call)).multipart(form))
        };
        tracing::debug!(%call, bytes = image.len(), format = format.mime(), "uploading enrol image");
        match self.send_by_rule(call, request).await? {
            Attempt::Answer(200, bytes) => {
                let ok: ImageAccepted =
                    serde_json::from_slice(&bytes).map_err(|e| IproovError::OutcomeUnknown {
                        call,
                        cause: format!("the answer could not be read: {e}"),
                    })?;
                if ok.success {
                    tracing::info!(%call, "enrol image registered");
                    Ok(ok)
                } else {
                    Err(IproovError::NotAccepted { call })
                }
            }
            Attempt::Answer(status, bytes) => Err(non_retryable_error(call, status, &bytes)),
            Attempt::NotSent(cause) => Err(IproovError::Unreachable { call, cause }),
            Attempt::Lost(cause) => Err(IproovError::OutcomeUnknown { call, cause }),
        }
    }

    /// `POST /claim/verify/validate`. Called once per token by the caller; sent again only
    /// when it provably never left (see [`reach_of`]): a lost answer, a timeout after
    /// connecting, a reset or a 5xx is [`IproovError::OutcomeUnknown`].
    pub async fn validate(
        &self,
        user_id: &UserId,
        verify_token: &str,
    ) -> Result<Validation, IproovError> {
        let call = Call::Validate;
        let body = ValidateRequest {
            api_key: self.config.api_key.expose(),
            secret: self.config.secret.expose(),
            user_id: user_id.as_str(),
            token: verify_token,
            client: USER_AGENT,
            risk_profile: self.config.risk_profile.as_deref(),
        };
        tracing::debug!(%call, user_id = %user_id, "validating");
        let request = || Ok(self.http.post(self.url(call)).json(&body));
        match self.send_by_rule(call, request).await? {
            Attempt::Answer(200, bytes) => {
                let v: serde_json::Value =
                    serde_json::from_slice(&bytes).map_err(|e| IproovError::OutcomeUnknown {
                        call,
                        cause: format!("the answer could not be read: {e}"),
                    })?;
                let out = Validation::from_json(&v).map_err(|d| IproovError::OutcomeUnknown {
                    call,
                    cause: format!("the answer could not be read: {d}"),
                })?;
                tracing::info!(%call, passed = out.passed, "validated");
                Ok(out)
            }
            Attempt::Answer(status, bytes) => Err(non_retryable_error(call, status, &bytes)),
            Attempt::NotSent(cause) => Err(IproovError::Unreachable { call, cause }),
            Attempt::Lost(cause) => Err(IproovError::OutcomeUnknown { call, cause }),
        }
    }

    /// `POST /claim/{token}/invalidate`: ends a token's claim early (customer left, scan
    /// cancelled). Returns `claim_aborted`. Not retried.
    pub async fn invalidate(&self, token: &str, reason: &str) -> Result<bool, IproovError> {
        let call = Call::Invalidate;
        check_token(call, token)?;
        let url = format!("{}/claim/{token}/invalidate", self.base.as_str().trim_end_matches('/'));
        let body = serde_json::json!({ "reason": reason });
        let request = || Ok(self.http.post(&url).json(&body));
        match self.send_by_rule(call, request).await? {
            Attempt::Answer(200, bytes) => {
                let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                    IproovError::Unexpected { call, status: 200, detail: e.to_string() }
                })?;
                Ok(v.get("claim_aborted").and_then(serde_json::Value::as_bool).unwrap_or(false))
            }
            Attempt::Answer(status, bytes) => Err(api_error(call, status, &bytes)),
            Attempt::NotSent(cause) => Err(IproovError::Unreachable { call, cause }),
            Attempt::Lost(cause) => Err(IproovError::NoAnswer { call, attempts: 1, cause }),
        }
    }

    /// `GET /availability` → `up`.
    pub async fn availability(&self) -> Result<bool, IproovError> {
        let call = Call::Availability;
        match self.attempt(self.http.get(self.url(call))).await {
            Attempt::Answer(200, bytes) => {
                let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                    IproovError::Unexpected { call, status: 200, detail: e.to_string() }
                })?;
                Ok(v.get("up").and_then(serde_json::Value::as_bool).unwrap_or(false))
            }
            Attempt::Answer(status, bytes) => Err(api_error(call, status, &bytes)),
            Attempt::NotSent(cause) => Err(IproovError::Unreachable { call, cause }),
            Attempt::Lost(cause) => Err(IproovError::NoAnswer { call, attempts: 1, cause }),
        }
    }
}

/// For image/validate: a 5xx (or an unreadable error) may come after the service acted, so
/// it is "outcome unknown"; a 4xx documented error is a definite refusal.
fn non_retryable_error(call: Call, status: u16, bytes: &[u8]) -> IproovError {
    let e = api_error(call, status, bytes);
    if status >= 500 || matches!(e, IproovError::Unexpected { .. }) {
        IproovError::OutcomeUnknown { call, cause: format!("HTTP {status} {}", e.record_code()) }
    } else {
        e
    }
}

/// Reads an error answer `{"error", "error_description"}` into a typed error (public for
/// the fuzz target).
pub fn api_error(call: Call, status: u16, bytes: &[u8]) -> IproovError {
    #[derive(serde::Deserialize)]
    struct Body {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<Body>(bytes) {
        Ok(b) => IproovError::Api {
            call,
            status,
            code: ApiErrorCode::parse(&b.error),
            description: b.error_description.unwrap_or_default().chars().take(300).collect(),
        },
        Err(_) if status == 429 => IproovError::Api {
            call,
            status,
            code: ApiErrorCode::TooManyRequests,
            description: String::new(),
        },
        Err(_) if status >= 500 => IproovError::Api {
            call,
            status,
            code: ApiErrorCode::ServerError,
            description: String::new(),
        },
        Err(_) => IproovError::Unexpected {
            call,
            status,
            detail: "the error body is not the documented JSON".into(),
        },
    }
}

fn check_token(call: Call, token: &str) -> Result<(), IproovError> {
    let ok = (1..=256).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(IproovError::Unexpected {
            call,
            status: 200,
            detail: "the token is not a plain token string".into(),
        })
    }
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if out.len().saturating_add(c.len()) > MAX_RESPONSE_BYTES {
                    return Err(format!("answer larger than {MAX_RESPONSE_BYTES} bytes"));
                }
                out.extend_from_slice(&c);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(describe(&e)),
        }
    }
}

/// A short cause without URLs or bodies.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else if e.is_request() {
        "the connection broke"
    } else {
        "transport error"
    };
    let mut root = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        root = s.to_string();
        src = s.source();
    }
    if root.is_empty() { kind.to_owned() } else { format!("{kind}: {root}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        for _ in 0..50 {
            let d0 = p.delay(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100), "{d0:?}");
            let d2 = p.delay(2);
            assert!(d2 >= Duration::from_millis(200) && d2 <= Duration::from_millis(400), "{d2:?}");
            let d9 = p.delay(9);
            assert!(
                d9 >= Duration::from_millis(500) && d9 <= Duration::from_millis(1000),
                "{d9:?}"
            );
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.delay(3)).collect();
        assert!(spread.len() > 5, "jitter varies the delay");
    }

    /// A server on loopback that does `then` with each accepted connection.
    async fn server<F, Fut>(then: F) -> std::net::SocketAddr
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                tokio::spawn(then(s));
            }
        });
        addr
    }

    /// Reads until the end of the request head (the request reached the server).
    async fn read_head(s: &mut tokio::net::TcpStream) {
        use tokio::io::AsyncReadExt;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    async fn reach(url: &str) -> Reach {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_millis(600))
            .retry(reqwest::retry::never())
            .build()
            .unwrap();
        let e = http.post(url).body("{}").send().await.unwrap_err();
        reach_of(&e)
    }

    #[tokio::test]
    async fn connection_refused_was_never_sent() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        assert_eq!(reach(&format!("http://{addr}/x")).await, Reach::NeverSent);
    }

    #[tokio::test]
    async fn unknown_host_was_never_sent() {
        // `.invalid` never resolves (RFC 2606).
        assert_eq!(reach("http://enrol-kiosk-test.invalid/x").await, Reach::NeverSent);
    }

    #[tokio::test]
    async fn failed_tls_handshake_was_never_sent() {
        // A plain-HTTP server answering the ClientHello with garbage.
        let addr = server(|mut s| async move {
            use tokio::io::AsyncWriteExt;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        })
        .await;
        assert_eq!(reach(&format!("https://{addr}/x")).await, Reach::NeverSent);
    }

    #[tokio::test]
    async fn timeout_after_sending_may_have_reached() {
        let addr = server(|mut s| async move {
            read_head(&mut s).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await;
        assert_eq!(reach(&format!("http://{addr}/x")).await, Reach::MaybeReached);
    }

    #[tokio::test]
    async fn connection_closed_after_sending_may_have_reached() {
        let addr = server(|mut s| async move {
            read_head(&mut s).await;
            drop(s);
        })
        .await;
        assert_eq!(reach(&format!("http://{addr}/x")).await, Reach::MaybeReached);
    }

    #[tokio::test]
    async fn answer_broken_off_may_have_reached() {
        let addr = server(|mut s| async move {
            use tokio::io::AsyncWriteExt;
            read_head(&mut s).await;
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{").await;
        })
        .await;
        let http = reqwest::Client::new();
        let resp = http.post(format!("http://{addr}/x")).body("{}").send().await.unwrap();
        let e = resp.bytes().await.unwrap_err();
        assert_eq!(reach_of(&e), Reach::MaybeReached);
    }

    #[test]
    fn only_a_request_never_sent_is_repeated_for_image_and_validate() {
        let never = || Attempt::NotSent("refused".into());
        let lost = || Attempt::Lost("reset".into());
        let answer = |s| Attempt::Answer(s, Vec::new());
        for call in [Call::Validate, Call::EnrolImage, Call::Invalidate] {
            assert!(may_repeat(call, &never()), "{call}: never sent");
            assert!(!may_repeat(call, &lost()), "{call}: maybe reached");
            for status in [500, 502, 503, 429, 400, 200] {
                assert!(!may_repeat(call, &answer(status)), "{call}: HTTP {status}");
            }
        }
        for call in [Call::EnrolToken, Call::VerifyToken] {
            assert!(may_repeat(call, &never()) && may_repeat(call, &lost()), "{call}");
            assert!(may_repeat(call, &answer(503)) && may_repeat(call, &answer(429)), "{call}");
            assert!(!may_repeat(call, &answer(400)) && !may_repeat(call, &answer(200)), "{call}");
        }
    }

    #[test]
    fn error_bodies_become_typed_errors() {
        let e = api_error(
            Call::EnrolToken,
            400,
            br#"{"error":"already_enrolled","error_description":"x"}"#,
        );
        assert_eq!(e.code(), Some(&ApiErrorCode::AlreadyEnrolled));
        let e = api_error(Call::EnrolToken, 429, b"<html>busy</html>");
        assert_eq!(e.code(), Some(&ApiErrorCode::TooManyRequests));
        let e = api_error(Call::EnrolToken, 418, b"teapot");
        assert!(matches!(e, IproovError::Unexpected { status: 418, .. }));
        let e = non_retryable_error(Call::Validate, 502, b"");
        assert!(e.is_outcome_unknown());
        let e = non_retryable_error(Call::Validate, 400, br#"{"error":"invalid_token"}"#);
        assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken));
        let e = api_error(Call::EnrolToken, 400, br#"{"error":"brand_new_code"}"#);
        assert_eq!(e.code(), Some(&ApiErrorCode::Other("brand_new_code".into())));
    }
}
