//! A local fake of the iProov API v2 photo-enrol endpoints (contract: `iproov-api.md`),
//! usable in-process ([`FakeIproov::start`]) and as `enrol-kiosk fake-iproov --listen ADDR`.
//!
//! Besides the contract's endpoints (under `/api/v2`) it serves `GET /scan/{token}` (a small
//! page to complete a verify token's face scan — the stand-in for the SDK's streaming),
//! `POST /control/scan/{token}` and `POST /control/fault` (fault injection per endpoint).

mod check;
mod page;
mod server;
mod state;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::iproov::{ApiErrorCode, Call};

pub use state::{
    AnswerShape, Clock, ImageSeen, ManualClock, Refusal, ScanOutcome, SystemClock, UserState,
};

/// The fake's default api_key (40 alphanumerics; not a real credential).
pub const FAKE_API_KEY: &str = "fakeapikey000000000000000000000000000000";
/// The fake's default secret (40 alphanumerics; not a real credential).
pub const FAKE_SECRET: &str = "fakesecret000000000000000000000000000000";

/// What goes wrong at an endpoint, on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Wait before handling (the request is then handled normally).
    Delay(Duration),
    /// 429 `too_many_requests`, nothing changes.
    TooManyRequests,
    /// 429 `too_many_requests` with a `Retry-After` header (RFC 9110 §10.2.3): this many
    /// seconds, sent as delay-seconds or (`as_date`) as an HTTP date that far ahead.
    RateLimited { retry_after_secs: u32, as_date: bool },
    /// 500 `server_error`, nothing changes.
    ServerError,
    /// Close the connection without answering, nothing changes.
    DropConnection,
    /// Handle the request (state changes), then close the connection without answering.
    LoseResponse,
    /// Answer with this documented error, nothing changes.
    Respond(ApiErrorCode),
}

/// A fault and how many requests it applies to (`None`: all of them); with `every`, only
/// every n-th request at the endpoint is faulted (and counts against `times`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub times: Option<u32>,
    pub every: Option<u32>,
    /// Requests seen since the fault was set (for `every`).
    pub seen: u32,
}

/// Settings of a fake instance.
#[derive(Clone)]
pub struct FakeOptions {
    pub api_key: String,
    pub secret: String,
    pub token_ttl: Duration,
    pub clock: Arc<dyn Clock>,
    /// Assurance types enabled for the account.
    pub assurance_types: Vec<String>,
    /// Risk profiles configured for the account.
    pub risk_profiles: Vec<String>,
    /// Where validate's `reason` goes, and `frame_available`'s type.
    pub shape: AnswerShape,
}

impl std::fmt::Debug for FakeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeOptions")
            .field("api_key", &"REDACTED")
            .field("secret", &"REDACTED")
            .field("token_ttl", &self.token_ttl)
            .field("assurance_types", &self.assurance_types)
            .field("risk_profiles", &self.risk_profiles)
            .finish_non_exhaustive()
    }
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            api_key: FAKE_API_KEY.to_owned(),
            secret: FAKE_SECRET.to_owned(),
            token_ttl: Duration::from_secs(120),
            clock: Arc::new(SystemClock),
            assurance_types: vec!["genuine_presence".into(), "liveness".into()],
            risk_profiles: vec!["default".into(), "low_risk".into(), "high_risk".into()],
            shape: AnswerShape::default(),
        }
    }
}

/// One `POST /claim/{token}/invalidate` the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalidation {
    pub token: String,
    pub reason: String,
}

pub(crate) struct Shared {
    pub options: FakeOptions,
    pub state: Mutex<state::FakeState>,
    pub faults: Mutex<HashMap<Call, Fault>>,
    pub requests: Mutex<HashMap<Call, u32>>,
    pub invalidations: Mutex<Vec<Invalidation>>,
    /// Image uploads received per enrol token (refused and faulted ones included).
    pub uploads: Mutex<HashMap<String, u32>>,
}

/// Entry point of the fake.
pub struct FakeIproov;

impl FakeIproov {
    /// Binds `addr` (port 0 picks one) and serves on the current tokio runtime.
    pub async fn start(addr: SocketAddr) -> std::io::Result<FakeHandle> {
        Self::start_with(addr, FakeOptions::default()).await
    }

    /// As [`FakeIproov::start`], with options (clock, credentials, account settings).
    pub async fn start_with(addr: SocketAddr, options: FakeOptions) -> std::io::Result<FakeHandle> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let mut st = state::FakeState::new(options.clock.clone(), options.token_ttl);
        st.shape = options.shape;
        let shared = Arc::new(Shared {
            options,
            state: Mutex::new(st),
            faults: Mutex::new(HashMap::new()),
            requests: Mutex::new(HashMap::new()),
            invalidations: Mutex::new(Vec::new()),
            uploads: Mutex::new(HashMap::new()),
        });
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), stop_rx));
        Ok(FakeHandle { addr: local, shared, stop: stop_tx, task: Some(task), _runtime: None })
    }

    /// Starts the fake on its own thread and runtime (for callers without tokio).
    pub fn spawn_thread(addr: SocketAddr, options: FakeOptions) -> std::io::Result<FakeHandle> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fake-iproov")
            .enable_all()
            .build()?;
        let mut handle = rt.block_on(Self::start_with(addr, options))?;
        handle._runtime = Some(rt);
        Ok(handle)
    }
}

/// A running fake. Dropping it stops the server.
pub struct FakeHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    _runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for FakeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHandle").field("addr", &self.addr).finish()
    }
}

impl FakeHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://ADDR/api/v2`, the base URL for the client.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v2", self.addr)
    }
    /// `http://ADDR/scan/{token}`: the page that completes a verify token's scan.
    pub fn scan_url(&self, token: &str) -> String {
        format!("http://{}/scan/{token}", self.addr)
    }
    /// The fake's api_key and secret.
    pub fn credentials(&self) -> (String, String) {
        (self.shared.options.api_key.clone(), self.shared.options.secret.clone())
    }
    /// Completes a verify token's face scan with an outcome (as the control endpoint does).
    pub fn complete_scan(&self, token: &str, outcome: ScanOutcome) -> Result<(), Refusal> {
        match self.shared.state.lock() {
            Ok(mut s) => s.complete_scan(token, outcome),
            Err(_) => Err(Refusal::new(ApiErrorCode::ServerError, "state lock poisoned")),
        }
    }
    /// Injects a fault at an endpoint (replacing any other there).
    pub fn set_fault(&self, call: Call, kind: FaultKind, times: Option<u32>) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.insert(call, Fault { kind, times, every: None, seen: 0 });
        }
    }
    /// Injects a fault at every `every`-th request of an endpoint (replacing any other there).
    pub fn set_fault_every(&self, call: Call, kind: FaultKind, every: u32) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.insert(call, Fault { kind, times: None, every: Some(every.max(1)), seen: 0 });
        }
    }
    /// Image uploads received per enrol token, refused and faulted ones included: how a test
    /// proves that no token was sent two images.
    pub fn image_uploads(&self) -> HashMap<String, u32> {
        self.shared.uploads.lock().map(|u| u.clone()).unwrap_or_default()
    }
    /// Removes all faults.
    pub fn clear_faults(&self) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.clear();
        }
    }
    /// Requests received at an endpoint (faulted ones included).
    pub fn requests(&self, call: Call) -> u32 {
        self.shared.requests.lock().ok().and_then(|r| r.get(&call).copied()).unwrap_or(0)
    }
    /// The invalidate requests the fake accepted, in order.
    pub fn invalidations(&self) -> Vec<Invalidation> {
        self.shared.invalidations.lock().map(|l| l.clone()).unwrap_or_default()
    }
    /// Stops listening: new connections are refused (the port is closed) until
    /// [`FakeHandle::listen_again`]; the state is kept.
    pub fn stop_listening(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
    /// Listens again on the same address with the same state (on the current runtime).
    pub async fn listen_again(&mut self) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        self.stop = stop_tx;
        self.task = Some(tokio::spawn(server::serve(listener, self.shared.clone(), stop_rx)));
        Ok(())
    }
    /// What the fake knows of a user.
    pub fn user(&self, user_id: &str) -> Option<UserState> {
        self.shared.state.lock().ok().and_then(|s| s.user(user_id))
    }
    /// Stops accepting connections.
    pub fn shutdown(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        self.shutdown();
        if let Some(rt) = self._runtime.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_credentials_have_the_documented_shape() {
        for c in [super::FAKE_API_KEY, super::FAKE_SECRET] {
            assert_eq!(c.len(), 40);
            assert!(c.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }
}
