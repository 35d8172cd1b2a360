//! The face-scan page: a loopback web server that hosts iProov's Web SDK
//! element `<iproov-me>` for one verify token and hears the SDK's events back.
//!
//! Each scan gets an unguessable page id and a per-scan secret. The URL never goes on a
//! command line (`enrol::browser` hands the browser a private start page); the page is
//! served once (a second load is refused) and only while the scan is current: a new scan,
//! the workflow leaving the scan, or [`PAGE_LOAD_WINDOW`] / [`SCAN_LIFETIME`] passing purge
//! it. Events count only with the secret. Requests must name the page's own host
//! (`127.0.0.1:port` or `localhost:port`; a rebound DNS name is refused), and every answer
//! forbids caching, referrers and framing; the page has a Content-Security-Policy whose
//! inline scripts run only with a nonce made for that response. An event
//! never decides the outcome: it only tells the workflow the scan ended, and validate asks
//! the service. The SDK files come from the operator's folder (`/sdk/iProovMe.js`); without
//! one, a stand-in element fires the same events (demo and tests).
//!
//! The page is served over HTTPS with a self-signed certificate made in memory when the
//! kiosk starts (`enrol::tls`); the browser command is expected to trust it (Chromium gets
//! `--ignore-certificate-errors-spki-list`, see `enrol::browser`; other browsers need the
//! operator's own certificate policy). The kiosk starts the browser ([`ScanPage::launch`])
//! and closes it when the page reports the end of the scan, so the kiosk's window with the
//! result is in front again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::browser::{self, Browser};
use super::scan_markup::{PageParts, STAND_IN, page_html};
use super::signals::Input;
use super::sink::Sink;

/// Largest event body accepted.
const MAX_EVENT: usize = 4096;
/// Largest SDK file served.
const MAX_SDK_FILE: u64 = 16 * 1024 * 1024;
/// The SDK events that end a scan.
const FINAL_EVENTS: &[&str] = &[
    "passed",
    "failed",
    "error",
    "canceled",
    "cancelled",
    "aborted",
    "unsupported",
    "permission_denied",
];

/// How long after [`ScanPage::open`] the page may be loaded (the verify token must be
/// claimed within two minutes anyway).
pub const PAGE_LOAD_WINDOW: Duration = Duration::from_secs(120);
/// How long after [`ScanPage::open`] an unfinished scan's page and events are accepted.
pub const SCAN_LIFETIME: Duration = Duration::from_secs(600);

struct Scan {
    job: u64,
    token: String,
    secret: String,
    served: bool,
    done: bool,
    opened: Instant,
}

impl Scan {
    /// An unfinished scan past its time: its page and secret are of no more use.
    fn expired(&self) -> bool {
        let age = self.opened.elapsed();
        !self.done && (age > SCAN_LIFETIME || (!self.served && age > PAGE_LOAD_WINDOW))
    }
}

struct Shared {
    /// The page's port: requests must name `127.0.0.1:port` or `localhost:port`.
    port: u16,
    scans: Mutex<HashMap<String, Scan>>,
    sdk_dir: Option<PathBuf>,
    sdk_base_url: String,
    sink: Sink,
    /// The browser the kiosk started for the current scan, with that scan's page id.
    browser: Mutex<Option<(String, Browser)>>,
}

impl Shared {
    fn browser_slot(&self) -> std::sync::MutexGuard<'_, Option<(String, Browser)>> {
        self.browser.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The browser, if any (only if it was started for page `id`, when given).
    fn take_browser(&self, id: Option<&str>) -> Option<Browser> {
        let mut slot = self.browser_slot();
        match (slot.as_ref(), id) {
            (Some((of, _)), Some(id)) if of != id => None,
            _ => slot.take().map(|(_, b)| b),
        }
    }
}

/// The running page server.
pub struct ScanPage {
    addr: SocketAddr,
    shared: Arc<Shared>,
    cert_der: Vec<u8>,
    spki_pin: String,
}

type Resp = Response<Full<Bytes>>;

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl ScanPage {
    /// Binds 127.0.0.1 (a free port) and serves on `rt`. `sdk_base_url` is the token's
    /// region, handed to the SDK element.
    pub fn start(
        rt: &tokio::runtime::Runtime,
        sink: Sink,
        sdk_dir: Option<PathBuf>,
        sdk_base_url: String,
    ) -> std::io::Result<ScanPage> {
        let tls = super::tls::local_tls().map_err(std::io::Error::other)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config);
        let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
        let addr = listener.local_addr()?;
        // Browser folders of a kiosk that ended without closing its browser.
        browser::sweep_stale();
        let shared = Arc::new(Shared {
            port: addr.port(),
            scans: Mutex::new(HashMap::new()),
            sdk_dir,
            sdk_base_url,
            sink,
            browser: Mutex::new(None),
        });
        let s = shared.clone();
        rt.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let s = s.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(stream).await else { return };
                    let svc = hyper::service::service_fn(move |req| handle(s.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(ScanPage { addr, shared, cert_der: tls.cert_der, spki_pin: tls.spki_pin })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's self-signed certificate (DER), made when the page started.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The browser command with what it needs to trust this page's certificate: Chromium
    /// and Chrome get `--ignore-certificate-errors-spki-list` pinned to this key alone.
    /// ([`ScanPage::launch`] adds a profile folder of the scan's own to Chromium.)
    pub fn browser_command(&self, cmd: &[String]) -> Vec<String> {
        browser::pinned(cmd, &self.spki_pin)
    }

    /// Opens `url` (from [`ScanPage::open`]) with the operator's browser command `cmd`, as
    /// [`ScanPage::browser_command`] plus, for Chromium without `--user-data-dir`, a fresh
    /// profile folder (see `enrol::browser`). A browser still open from an earlier scan is
    /// closed first; this one is closed when the page reports the end of the scan, by
    /// [`ScanPage::close_browser`], or when the page server is dropped.
    pub fn launch(&self, cmd: &[String], url: &str) -> std::io::Result<()> {
        close_in_background(self.shared.take_browser(None));
        let b = Browser::launch(&self.browser_command(cmd), url)?;
        tracing::info!(pid = b.pid(), "face-scan browser started");
        *self.shared.browser_slot() = Some((page_id(url).to_owned(), b));
        Ok(())
    }

    /// The process id of the browser the kiosk started for the current scan, if it is open.
    pub fn browser_pid(&self) -> Option<u32> {
        self.shared.browser_slot().as_ref().and_then(|(_, b)| b.pid())
    }

    /// The workflow left the scan (e.g. the customer was abandoned): closes its browser,
    /// without waiting for it, and purges every unfinished scan's page and secret.
    pub fn close_browser(&self) {
        close_in_background(self.shared.take_browser(None));
        if let Ok(mut scans) = self.shared.scans.lock() {
            scans.retain(|_, s| s.done);
        }
    }

    /// Registers a scan of `token` for workflow job `job`; returns the page URL to open.
    /// Earlier scans are forgotten: only one face scan is current.
    pub fn open(&self, job: u64, token: &str) -> String {
        let id = random_hex(16);
        let scan = Scan {
            job,
            token: token.to_owned(),
            secret: random_hex(32),
            served: false,
            done: false,
            opened: Instant::now(),
        };
        if let Ok(mut scans) = self.shared.scans.lock() {
            scans.clear();
            scans.insert(id.clone(), scan);
        }
        format!("https://{}/scan/{id}", self.addr)
    }

    /// How far the scan whose page is `url` (from [`ScanPage::open`]) has come, if it is
    /// known: still waiting for a browser, page given out, or ended by an event.
    pub fn progress(&self, url: &str) -> Option<ScanProgress> {
        let mut scans = self.shared.scans.lock().ok()?;
        scans.retain(|_, s| !s.expired());
        scans.get(page_id(url)).map(|s| match (s.served, s.done) {
            (_, true) => ScanProgress::Ended,
            (true, false) => ScanProgress::Opened,
            (false, false) => ScanProgress::Waiting,
        })
    }
}

/// The page id in a page URL made by [`ScanPage::open`] (its last path segment).
fn page_id(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
}

/// See [`ScanPage::progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanProgress {
    /// No browser has loaded the page yet.
    Waiting,
    /// The page was served (once); no final event yet.
    Opened,
    /// The page reported the end of the scan with the secret.
    Ended,
}

impl Drop for ScanPage {
    /// The kiosk is stopping: close the browser and remove its profile before going.
    fn drop(&mut self) {
        if let Some(b) = self.shared.take_browser(None) {
            b.close();
        }
    }
}

fn close_in_background(b: Option<Browser>) {
    if let Some(b) = b {
        // Closing waits for the browser to end and removes its folder: not on the caller's
        // (UI or network) thread.
        let spawned =
            std::thread::Builder::new().name("kiosk-browser-close".into()).spawn(move || b.close());
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot close the face-scan browser");
        }
    }
}

/// Headers of every answer: nothing cached or sniffed, no referrer, no framing.
const COMMON_HEADERS: &[(&str, &str)] = &[
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

fn text(status: StatusCode, ct: &'static str, body: impl Into<Bytes>) -> Resp {
    use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    for (name, value) in COMMON_HEADERS {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    r
}

/// The page's Content-Security-Policy: its own scripts (the SDK file, the inline ones with
/// `nonce`), WebAssembly, styles the SDK injects, camera frames as blobs, and connections to
/// itself and the token's iProov region only (`https` and `wss`).
fn content_security_policy(nonce: &str, sdk_base_url: &str) -> String {
    let region = url::Url::parse(sdk_base_url)
        .ok()
        .filter(|u| u.scheme() == "https" || u.scheme() == "http")
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let ws = if u.scheme() == "https" { "wss" } else { "ws" };
            Some(format!(" {}://{host}{port} {ws}://{host}{port}", u.scheme()))
        })
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
         media-src 'self' blob: mediastream:; worker-src 'self' blob:; \
         connect-src 'self'{region}; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
}

/// Whether the request names this page's own host: `127.0.0.1:port` or `localhost:port`
/// (HTTP/1.1 always sends `Host`).
fn own_host(shared: &Shared, req: &Request<Incoming>) -> bool {
    let Some(host) = req.headers().get(hyper::header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let port = shared.port.to_string();
    host.strip_prefix("127.0.0.1:").or_else(|| host.strip_prefix("localhost:")) == Some(&port)
}

fn plain(status: StatusCode, body: &'static str) -> Resp {
    text(status, "text/plain; charset=utf-8", body)
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, hyper::Error> {
    if !own_host(&shared, &req) {
        return Ok(plain(StatusCode::MISDIRECTED_REQUEST, "wrong host"));
    }
    if let Ok(mut scans) = shared.scans.lock() {
        scans.retain(|_, s| !s.expired());
    }
    let path = req.uri().path().to_owned();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let resp = match (req.method(), parts.as_slice()) {
        (&Method::GET, ["scan", id]) => page(&shared, id),
        (&Method::GET, ["sdk", name]) => sdk_file(&shared, name),
        (&Method::POST, ["event", id]) => {
            let id = (*id).to_owned();
            let secret = req
                .headers()
                .get("x-scan-secret")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            match Limited::new(req.into_body(), MAX_EVENT).collect().await {
                Ok(b) => event(&shared, &id, &secret, &b.to_bytes()),
                Err(_) => plain(StatusCode::PAYLOAD_TOO_LARGE, "event too large"),
            }
        }
        _ => plain(StatusCode::NOT_FOUND, "not found"),
    };
    Ok(resp)
}

fn page(shared: &Shared, id: &str) -> Resp {
    let Ok(mut scans) = shared.scans.lock() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "state lock poisoned");
    };
    let Some(scan) = scans.get_mut(id) else {
        return plain(StatusCode::NOT_FOUND, "no such face scan");
    };
    if scan.served {
        return plain(StatusCode::GONE, "this face scan page was already opened");
    }
    scan.served = true;
    let nonce = random_hex(16);
    let sdk = if shared.sdk_dir.is_some() {
        "<script src=\"/sdk/iProovMe.js\"></script>".to_owned()
    } else {
        format!("<script nonce=\"{nonce}\">{STAND_IN}</script>")
    };
    let events = serde_json::to_string(FINAL_EVENTS).unwrap_or_else(|_| "[]".into());
    let body = page_html(&PageParts {
        sdk: &sdk,
        token: &scan.token,
        base_url: &shared.sdk_base_url,
        id,
        secret: &scan.secret,
        events: &events,
        nonce: &nonce,
    });
    let mut resp = text(StatusCode::OK, "text/html; charset=utf-8", body);
    let csp = content_security_policy(&nonce, &shared.sdk_base_url);
    if let Ok(v) = hyper::header::HeaderValue::from_str(&csp) {
        resp.headers_mut().insert(hyper::header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// Local SDK files are small; read them directly (tokio's `fs` feature is not enabled).
fn sdk_file(shared: &Shared, name: &str) -> Resp {
    let safe = !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    let Some(dir) = shared.sdk_dir.as_ref().filter(|_| safe) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let path = dir.join(name);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() && m.len() <= MAX_SDK_FILE => {}
        _ => return plain(StatusCode::NOT_FOUND, "not found"),
    }
    let ct = match path.extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs") => "text/javascript",
        Some("css") => "text/css",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    match std::fs::read(&path) {
        Ok(bytes) => text(StatusCode::OK, ct, bytes),
        Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

fn event(shared: &Shared, id: &str, secret: &str, body: &[u8]) -> Resp {
    let Ok(mut scans) = shared.scans.lock() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "state lock poisoned");
    };
    let Some(scan) = scans.get_mut(id) else {
        return plain(StatusCode::NOT_FOUND, "no such face scan");
    };
    if !bool::from(scan.secret.as_bytes().ct_eq(secret.as_bytes())) {
        return plain(StatusCode::FORBIDDEN, "wrong scan secret");
    }
    let name = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_default();
    if !FINAL_EVENTS.contains(&name.as_str()) {
        return plain(StatusCode::NO_CONTENT, "");
    }
    if !scan.done {
        scan.done = true;
        tracing::info!(event = %name, "face scan page reports the scan ended");
        shared.sink.send(Input::ScanFinished { job: scan.job });
        close_in_background(shared.take_browser(Some(id)));
    }
    plain(StatusCode::NO_CONTENT, "")
}
