//! Live reader and service status for Home and Place passport, watched off the
//! UI thread: PC/SC on a thread of its own blocked in `SCardGetStatusChange` (reader plug
//! and unplug through the PnP pseudo-reader, card in and out), the demo reader on a
//! condition variable, the iProov service by a TCP connect to its host (no credentials, no
//! API call) every 30 s and after a failed call. A watcher sends an [`Input::Status`] only
//! when what it sees changed, so an idle kiosk is not woken.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::signals::Input;
use super::sink::Sink;
pub use super::status::{Reach, ReaderStatus, ServiceStatus, StatusEvent};
use crate::card::CardError;
use crate::card::pcsc::ReaderInfo;
use crate::card::pcsc_watch::{ReaderWatch, WatchCanceller};

/// Remembers what was last reported; hands on only what differs.
#[derive(Debug)]
pub struct Changes<T> {
    last: Option<T>,
}

impl<T> Default for Changes<T> {
    fn default() -> Self {
        Changes { last: None }
    }
}

impl<T: PartialEq + Clone> Changes<T> {
    /// `Some(v)` when `v` differs from the last value offered (the first always differs).
    pub fn offer(&mut self, v: T) -> Option<T> {
        if self.last.as_ref() == Some(&v) {
            return None;
        }
        self.last = Some(v.clone());
        Some(v)
    }
}

/// The reader the kiosk uses among those listed: the configured one (exact name, else a
/// unique part of a name, as names carry slot numbers), else the first.
pub fn pick_reader(readers: &[ReaderInfo], configured: Option<&str>) -> ReaderStatus {
    let found = match configured {
        None => readers.first(),
        Some(want) => readers.iter().find(|r| r.name == want).or_else(|| {
            let mut m = readers.iter().filter(|r| r.name.contains(want));
            match (m.next(), m.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        }),
    };
    match found {
        Some(r) => ReaderStatus::Ready { name: r.name.clone(), card: r.card_present },
        None => ReaderStatus::NoReader { wanted: configured.map(str::to_owned) },
    }
}

/// The simulated reader of the demo: connected or not, a passport on it or not. Changes
/// wake whoever waits on it.
#[derive(Clone, Default)]
pub struct DemoReader(Arc<(Mutex<DemoState>, Condvar)>);

/// The demo reader's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoState {
    pub connected: bool,
    pub card: bool,
}

impl Default for DemoState {
    fn default() -> Self {
        DemoState { connected: true, card: false }
    }
}

/// The demo reader's name.
pub const DEMO_READER: &str = "Simulated passport reader (demo)";

impl DemoReader {
    pub fn state(&self) -> DemoState {
        self.0.0.lock().map(|s| *s).unwrap_or_default()
    }

    fn change(&self, f: impl FnOnce(&mut DemoState)) {
        if let Ok(mut s) = self.0.0.lock() {
            f(&mut s);
        }
        self.0.1.notify_all();
    }

    /// Plugs the simulated reader in (true) or out.
    pub fn set_connected(&self, connected: bool) {
        self.change(|s| s.connected = connected);
    }

    /// Lays the simulated passport on the reader (true) or takes it off.
    pub fn set_card(&self, card: bool) {
        self.change(|s| s.card = card);
    }

    /// Wakes waiters without a change (to let a watcher see its stop flag).
    fn poke(&self) {
        // Under the lock: a waiter between its check and its wait cannot miss this.
        let _held = self.0.0.lock();
        self.0.1.notify_all();
    }

    /// Blocks until the state differs from `seen`, `stop` is set (and the reader poked), or
    /// `timeout`; returns the state.
    pub fn wait_change(&self, seen: DemoState, timeout: Duration, stop: &AtomicBool) -> DemoState {
        let (lock, cv) = &*self.0;
        match lock.lock() {
            Ok(g) => match cv
                .wait_timeout_while(g, timeout, |s| *s == seen && !stop.load(Ordering::SeqCst))
            {
                Ok((g, _)) => *g,
                Err(_) => seen,
            },
            Err(_) => seen,
        }
    }

    /// What Home shows for a state.
    pub fn status(state: DemoState) -> ReaderStatus {
        if state.connected {
            ReaderStatus::Ready { name: DEMO_READER.into(), card: state.card }
        } else {
            ReaderStatus::NoReader { wanted: None }
        }
    }
}

/// Where the reader status comes from.
pub enum ReaderFeed {
    /// PC/SC; the configured reader name, if any.
    Pcsc { configured: Option<String> },
    /// The demo's simulated reader.
    Demo(DemoReader),
}

/// Stops the watcher threads when dropped (with the executor).
#[derive(Default)]
pub struct WatchGuard {
    stop: Arc<AtomicBool>,
    canceller: Arc<Mutex<Option<WatchCanceller>>>,
    demo: Option<DemoReader>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(c) = self.canceller.lock()
            && let Some(c) = c.as_ref()
        {
            c.cancel();
        }
        if let Some(d) = &self.demo {
            d.poke();
        }
    }
}

/// How long a reader watch blocks before it looks at its stop flag (no CPU meanwhile).
const READER_WAIT: Duration = Duration::from_secs(60);
/// How long to wait before asking pcscd again when it did not answer.
const PCSC_RETRY: Duration = Duration::from_secs(5);

/// Starts the reader watcher thread (`kiosk-reader-watch`).
pub fn watch_reader(feed: ReaderFeed, sink: Sink) -> std::io::Result<WatchGuard> {
    let guard = WatchGuard::default();
    let stop = guard.stop.clone();
    let mut guard = guard;
    let builder = std::thread::Builder::new().name("kiosk-reader-watch".into());
    match feed {
        ReaderFeed::Demo(reader) => {
            guard.demo = Some(reader.clone());
            builder.spawn(move || demo_thread(&reader, &sink, &stop))?;
        }
        ReaderFeed::Pcsc { configured } => {
            let slot = guard.canceller.clone();
            builder.spawn(move || pcsc_thread(configured.as_deref(), &sink, &stop, &slot))?;
        }
    }
    Ok(guard)
}

/// Sends a changed status; false once nobody listens any more.
fn report(changes: &mut Changes<ReaderStatus>, status: ReaderStatus, sink: &Sink) -> bool {
    match changes.offer(status) {
        Some(s) => {
            tracing::info!(status = %s.line(), "reader status changed");
            sink.send_checked(Input::Status(StatusEvent::Reader(s)))
        }
        None => true,
    }
}

fn demo_thread(reader: &DemoReader, sink: &Sink, stop: &AtomicBool) {
    let mut changes = Changes::default();
    let mut seen = reader.state();
    while !stop.load(Ordering::SeqCst) {
        if !report(&mut changes, DemoReader::status(seen), sink) {
            return;
        }
        seen = reader.wait_change(seen, READER_WAIT, stop);
    }
}

fn pcsc_thread(
    configured: Option<&str>,
    sink: &Sink,
    stop: &AtomicBool,
    slot: &Mutex<Option<WatchCanceller>>,
) {
    let mut changes = Changes::default();
    while !stop.load(Ordering::SeqCst) {
        let mut watch = match ReaderWatch::establish() {
            Ok(w) => w,
            Err(e) => {
                tracing::debug!(error = %e, "PC/SC not available");
                if !report(&mut changes, ReaderStatus::NoPcsc, sink) {
                    return;
                }
                std::thread::sleep(PCSC_RETRY);
                continue;
            }
        };
        if let Ok(mut s) = slot.lock() {
            *s = Some(watch.canceller());
        }
        while !stop.load(Ordering::SeqCst) {
            let status = match watch.next(READER_WAIT) {
                Ok(readers) => pick_reader(&readers, configured),
                Err(CardError::Cancelled) => return,
                Err(e) => {
                    tracing::debug!(error = %e, "PC/SC watch ended");
                    let _ = report(&mut changes, ReaderStatus::NoPcsc, sink);
                    std::thread::sleep(PCSC_RETRY);
                    break;
                }
            };
            if !report(&mut changes, status, sink) {
                return;
            }
        }
    }
}

/// What the service watcher connects to.
#[derive(Debug, Clone)]
pub struct ServiceTarget {
    /// Shown on Home.
    pub label: String,
    pub host: String,
    pub port: u16,
}

impl ServiceTarget {
    /// The host and port of an API base URL (`https://eu.rp.secure.iproov.me/api/v2`).
    pub fn from_url(url: &url::Url) -> Option<ServiceTarget> {
        let host = url.host_str()?.to_owned();
        let port = url.port_or_known_default()?;
        Some(ServiceTarget { label: host.clone(), host, port })
    }
}

/// How long a connect may take before the service counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How soon an unreachable service is asked again.
const RETRY_UNREACHABLE: Duration = Duration::from_secs(10);

/// One reachability check: a TCP connect to the host (the name resolved), then closed.
pub async fn probe(target: &ServiceTarget) -> Reach {
    let connect = tokio::net::TcpStream::connect((target.host.as_str(), target.port));
    let why = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(_stream)) => return Reach::Reachable,
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
    };
    tracing::debug!(host = %target.host, port = target.port, why = %why, "iProov service not reachable");
    Reach::Unreachable
}

/// The service watcher: checks every `every` (sooner while unreachable) and whenever
/// `poke` is notified (after a failed API call); runs until its runtime stops.
pub async fn watch_service(
    target: ServiceTarget,
    sink: Sink,
    poke: Arc<tokio::sync::Notify>,
    every: Duration,
) {
    let mut changes = Changes::default();
    loop {
        let reach = probe(&target).await;
        let wait = if reach == Reach::Reachable { every } else { every.min(RETRY_UNREACHABLE) };
        let status = ServiceStatus { host: target.label.clone(), reach };
        if let Some(s) = changes.offer(status) {
            tracing::info!(status = %s.line(), "service status changed");
            if !sink.send_checked(Input::Status(StatusEvent::Service(s))) {
                return;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = poke.notified() => {}
        }
    }
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
