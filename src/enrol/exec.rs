//! Carries out the workflow's [`Effect`]s: chip work on a named thread (`kiosk-chip`),
//! network calls on a tokio runtime the executor owns (`kiosk-net`). Every result goes back
//! as an [`Input`] over a channel, followed by a wake-up call (the GUI's
//! `ctx.request_repaint()`), so nothing polls and nothing repaints while idle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

pub use super::cards::{CardSource, DemoCard, PcscCardSource};
use super::personal::ChipResult;
pub use super::photo_jobs::{PageReader, PhotoJobs, PhotoSources};
use super::scan_page::ScanPage;
use super::signals::{Effect, Input, ReadFailure, ServiceFailure};
pub use super::sink::Sink;
use super::watch::{self, DemoReader, ReaderFeed, ServiceTarget, WatchGuard};
use crate::access::Password;
use crate::face::EncodePolicy;
use crate::iproov::fake::{FAKE_API_KEY, FAKE_SECRET, FakeHandle, FakeIproov, ScanOutcome};
use crate::iproov::journey::{self, EnrolStarted, JourneyError};
use crate::iproov::{IproovClient, IproovConfig, IproovError, Secret};
use crate::reader::passport::{ReadOptions, read_passport};
use crate::records::Store;
use crate::trust::TrustStore;

/// Why the executor could not start.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("kiosk: cannot start the {what}: {source}")]
    Io { what: &'static str, source: std::io::Error },
    #[error("kiosk: the iProov client cannot be set up: {0}")]
    Iproov(#[from] IproovError),
    #[error("kiosk: the records store cannot be opened: {0}")]
    Records(#[from] crate::records::RecordsError),
}

/// How the face scan is run.
pub enum ScanControl {
    /// The in-process fake iProov: staff press "simulate pass" / "simulate fail".
    Demo,
    /// Open the service's scan URL with this command (program and arguments; the URL is
    /// appended).
    Browser(Vec<String>),
    /// Serve the kiosk's own face-scan page ([`ScanPage`]) with the SDK from `sdk_dir` (a
    /// stand-in element without one) and open it with `browser`.
    Page { browser: Vec<String>, sdk_dir: Option<std::path::PathBuf> },
}

/// The network side: the iProov client and the records store.
pub struct Services {
    pub client: Arc<IproovClient>,
    pub store: Arc<Store>,
}

enum ChipJob {
    Read { job: u64, key: Password, cancel: Arc<AtomicBool>, trust: Arc<TrustStore> },
}

/// Abandons the enrolment of a customer who left before any validate outcome, once no call
/// of it is in flight. A record the running job already abandoned, or that holds an outcome
/// (passed, failed, unknown), is left as it is. Failures are logged without personal data;
/// the recovery at the next start invalidates what could not be invalidated now.
async fn abandon_left(svc: &Services, user_id: &crate::iproov::UserId, reason: &str) {
    use crate::records::EnrolmentStatus as S;
    let uid = user_id.as_str();
    match svc.store.get(uid) {
        Ok(Some(r))
            if matches!(r.status, S::Abandoned | S::Passed | S::Failed | S::OutcomeUnknown) =>
        {
            tracing::debug!(status = %r.status, "a left enrolment needs no abandoning");
            return;
        }
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::warn!("a left enrolment has no record to abandon");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "a left enrolment could not be looked up to abandon it");
            return;
        }
    }
    match journey::abandon(&svc.client, &svc.store, uid, reason).await {
        Ok(a) if a.invalidated => tracing::info!(reason, "a left enrolment was abandoned"),
        Ok(_) => tracing::warn!(
            reason,
            "a left enrolment was abandoned; its tokens are invalidated at the next start"
        ),
        Err(e) => tracing::warn!(error = %e, "a left enrolment could not be abandoned"),
    }
}

/// Runs effects; owns the chip thread, the runtime and (in demo mode) the fake service.
pub struct Executor {
    rt: tokio::runtime::Runtime,
    chip: Sender<ChipJob>,
    sink: Sink,
    services: Arc<Services>,
    scan: ScanControl,
    fake: Option<FakeHandle>,
    /// The token of the running face scan (for the demo buttons).
    scan_token: Option<(u64, String)>,
    page: Option<ScanPage>,
    page_url: Option<String>,
    /// Wakes the service watcher (after a failed call, or on request).
    service_poke: Arc<tokio::sync::Notify>,
    /// Stops the reader watcher with the executor.
    watch: Option<WatchGuard>,
    demo_reader: Option<DemoReader>,
    /// The CSCAs passive authentication trusts (the demo passport's own CSCA in demo mode).
    trust: Arc<TrustStore>,
    /// The last network job started (enrol, new verify token, validate): an abandonment
    /// waits for it, so the record has no call in flight when it is marked.
    in_flight: Option<tokio::task::JoinHandle<()>>,
    /// The photo page and photo-on-file threads.
    photo: PhotoJobs,
}

impl Executor {
    /// The demo: simulated passport `card`, an in-process fake iProov on loopback, records
    /// in `records_path`. Returns the executor and the receiver of workflow inputs.
    pub fn demo(
        card: DemoCard,
        records_path: &std::path::Path,
    ) -> Result<(Executor, Receiver<Input>), ExecError> {
        let rt = runtime()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let fake = rt
            .block_on(FakeIproov::start(addr))
            .map_err(|source| ExecError::Io { what: "fake iProov service", source })?;
        let config = IproovConfig {
            base_url: Some(fake.base_url()),
            api_key: Secret::new(FAKE_API_KEY),
            secret: Secret::new(FAKE_SECRET),
            backoff_ms: 50,
            ..IproovConfig::default()
        };
        let client = {
            let _guard = rt.enter();
            IproovClient::new(config)?
        };
        let store = Store::open(records_path)?;
        let services = Services { client: Arc::new(client), store: Arc::new(store) };
        let (mut exec, rx) =
            Executor::new(rt, Box::new(card), services, ScanControl::Demo, Some(fake))?;
        match TrustStore::demo() {
            Ok(trust) => exec.set_trust_store(trust),
            Err(e) => tracing::warn!(error = %e, "the demo CSCA could not be loaded"),
        }
        Ok((exec, rx))
    }

    /// The CSCAs (and CRLs) passive authentication uses from the next read on; without any,
    /// every passport is "not verified".
    pub fn set_trust_store(&mut self, trust: TrustStore) {
        self.trust = Arc::new(trust);
    }

    /// The real kiosk: PC/SC (or any) `card` source, a configured client and store.
    pub fn with_services(
        card: Box<dyn CardSource>,
        services: Services,
        scan: ScanControl,
    ) -> Result<(Executor, Receiver<Input>), ExecError> {
        Executor::new(runtime()?, card, services, scan, None)
    }

    fn new(
        rt: tokio::runtime::Runtime,
        card: Box<dyn CardSource>,
        services: Services,
        scan: ScanControl,
        fake: Option<FakeHandle>,
    ) -> Result<(Executor, Receiver<Input>), ExecError> {
        let (sink, rx) = Sink::channel();
        let (chip_tx, chip_rx) = mpsc::channel();
        let chip_sink = sink.clone();
        std::thread::Builder::new()
            .name("kiosk-chip".into())
            .spawn(move || chip_thread(card, chip_rx, chip_sink))
            .map_err(|source| ExecError::Io { what: "chip thread", source })?;
        let page = match &scan {
            ScanControl::Page { sdk_dir, .. } => {
                // The SDK wants the service's origin (the token's region), not the API path.
                let api = services.client.api_base().as_str().trim_end_matches('/').to_owned();
                let base = api.trim_end_matches("/api/v2").to_owned();
                let p = ScanPage::start(&rt, sink.clone(), sdk_dir.clone(), base)
                    .map_err(|source| ExecError::Io { what: "face-scan page", source })?;
                Some(p)
            }
            _ => None,
        };
        let photo = PhotoJobs::start(sink.clone(), PhotoSources::default())
            .map_err(|source| ExecError::Io { what: "photo threads", source })?;
        let exec = Executor {
            photo,
            rt,
            page,
            page_url: None,
            chip: chip_tx,
            sink,
            services: Arc::new(services),
            scan,
            fake,
            scan_token: None,
            service_poke: Arc::new(tokio::sync::Notify::new()),
            watch: None,
            demo_reader: None,
            trust: Arc::new(TrustStore::new()),
            in_flight: None,
        };
        Ok((exec, rx))
    }

    /// The photo page capture and reader, and the photo-on-file source, this kiosk offers
    /// (none by default). Replaces the earlier ones.
    pub fn set_photo_sources(&mut self, sources: PhotoSources) -> Result<(), ExecError> {
        self.photo = PhotoJobs::start(self.sink.clone(), sources)
            .map_err(|source| ExecError::Io { what: "photo threads", source })?;
        Ok(())
    }

    /// The photo sources that can be offered (see [`Executor::set_photo_sources`]).
    pub fn photo_offer(&self) -> super::sources::Offer {
        self.photo.offer()
    }

    /// Camera capture: take the photo of the page now.
    pub fn capture_now(&self) {
        self.photo.capture_now();
    }

    /// Called after every input sent (the GUI passes `ctx.request_repaint`).
    pub fn set_wake(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        self.sink.set_wake(wake);
    }

    /// The in-process fake service (demo mode), e.g. to inject faults in tests.
    pub fn fake(&self) -> Option<&FakeHandle> {
        self.fake.as_ref()
    }

    /// Starts watching the reader (`feed`) and the iProov service (every `every`, and after
    /// a failed call); each change arrives as an [`Input::Status`]. Once per executor.
    pub fn watch_status(&mut self, feed: ReaderFeed, every: Duration) -> Result<(), ExecError> {
        if let ReaderFeed::Demo(r) = &feed {
            self.demo_reader = Some(r.clone());
        }
        let guard = watch::watch_reader(feed, self.sink.clone())
            .map_err(|source| ExecError::Io { what: "reader watcher", source })?;
        self.watch = Some(guard);
        let base = self.services.client.api_base();
        if let Some(mut target) = ServiceTarget::from_url(base) {
            if self.fake.is_some() {
                // Its port changes from run to run: not shown.
                target.label = "built-in fake service, demo".into();
            }
            let (sink, poke) = (self.sink.clone(), self.service_poke.clone());
            self.rt.spawn(watch::watch_service(target, sink, poke, every));
        }
        Ok(())
    }

    /// Asks the service watcher to check now (it reports only if the answer changed).
    pub fn check_service_now(&self) {
        self.service_poke.notify_one();
    }

    /// The demo's simulated reader, once watched.
    pub fn demo_reader(&self) -> Option<&DemoReader> {
        self.demo_reader.as_ref()
    }

    /// Stops the in-process fake service (demo; tests of an unreachable service).
    pub fn stop_fake(&mut self) {
        if let Some(f) = self.fake.as_mut() {
            f.shutdown();
        }
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    pub fn is_demo(&self) -> bool {
        matches!(self.scan, ScanControl::Demo)
    }

    /// Starts one effect; its result arrives later as an input.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::ReadPassport { job, key, cancel } => {
                let trust = self.trust.clone();
                if self.chip.send(ChipJob::Read { job, key, cancel, trust }).is_err() {
                    self.sink.send(Input::ReadDone {
                        job,
                        result: Err(ReadFailure {
                            card_gone: false,
                            access_denied: false,
                            needs_mrz: false,
                            cancelled: false,
                            unreadable: false,
                            detail: "the chip thread has stopped".into(),
                        }),
                    });
                }
            }
            Effect::Enrol { job, user_id, image, facts, source, cancel } => {
                let (svc, sink) = (self.services.clone(), self.sink.clone());
                let poke = self.service_poke.clone();
                let mut hook = progress_hook(&sink, job);
                self.in_flight = Some(self.rt.spawn(async move {
                    let r = journey::enrol_with_progress(
                        &svc.client,
                        &svc.store,
                        &user_id,
                        &image,
                        source,
                        &facts,
                        &mut hook,
                        &cancel,
                    )
                    .await;
                    if r.is_err() {
                        poke.notify_one();
                    }
                    sink.send(Input::Enrolled { job, result: r.map_err(|e| failure(&e)) });
                }));
            }
            Effect::NewVerifyToken { job, user_id, cancel } => {
                let (svc, sink) = (self.services.clone(), self.sink.clone());
                let poke = self.service_poke.clone();
                let mut hook = progress_hook(&sink, job);
                self.in_flight = Some(self.rt.spawn(async move {
                    let r = journey::new_verify_token_with_progress(
                        &svc.client,
                        &svc.store,
                        &user_id,
                        &mut hook,
                        &cancel,
                    )
                    .await;
                    let result = match r {
                        Ok(token) => Ok(EnrolStarted {
                            user_id: user_id.as_str().to_owned(),
                            enrol_token: None,
                            scan_url: svc.client.scan_url(&token),
                            verify_token: token,
                        }),
                        Err(e) => {
                            poke.notify_one();
                            Err(failure(&e))
                        }
                    };
                    sink.send(Input::Enrolled { job, result });
                }));
            }
            Effect::LaunchScan { job, verify_token, scan_url, .. } => {
                match (&self.scan, &self.page) {
                    (ScanControl::Browser(cmd), _) => launch_browser(cmd, &scan_url),
                    (ScanControl::Page { browser, .. }, Some(page)) => {
                        let url = page.open(job, &verify_token);
                        if let Err(e) = page.launch(browser, &url) {
                            tracing::warn!(error = %e, "the face-scan browser could not be started");
                        }
                        self.page_url = Some(url);
                    }
                    _ => {}
                }
                self.scan_token = Some((job, verify_token));
            }
            Effect::Validate { job, user_id, verify_token } => {
                let (svc, sink) = (self.services.clone(), self.sink.clone());
                let poke = self.service_poke.clone();
                self.in_flight = Some(self.rt.spawn(async move {
                    let r =
                        journey::validate(&svc.client, &svc.store, &user_id, &verify_token).await;
                    if r.is_err() {
                        poke.notify_one();
                    }
                    sink.send(Input::Validated { job, result: r.map_err(|e| failure(&e)) });
                }));
            }
            Effect::CapturePage { .. } | Effect::ReadPage { .. } | Effect::FetchOnFile { .. } => {
                self.photo.run(effect);
            }
            Effect::Abandon { user_id, reason } => {
                let svc = self.services.clone();
                let before = self.in_flight.take();
                self.rt.spawn(async move {
                    if let Some(job) = before {
                        // The job's cancel flag is set: it ends before its next call.
                        let _ = job.await;
                    }
                    abandon_left(&svc, &user_id, reason).await;
                });
            }
        }
    }

    /// Demo: the stand-in face scan ends with `passed`; the fake records the outcome and the
    /// workflow is told the scan finished (validate then decides). Returns false when there
    /// is no demo scan running.
    pub fn simulate_scan(&mut self, passed: bool) -> bool {
        let (Some(fake), Some((job, token))) = (&self.fake, self.scan_token.take()) else {
            return false;
        };
        let outcome = if passed {
            ScanOutcome::Passed
        } else {
            ScanOutcome::Failed { reason: Some("ambiguous_outcome".into()) }
        };
        if let Err(e) = fake.complete_scan(&token, outcome) {
            tracing::warn!(error = ?e, "fake service refused the simulated scan");
        }
        self.sink.send(Input::ScanFinished { job });
        true
    }

    /// Where the kiosk's face-scan page server listens (with [`ScanControl::Page`]).
    pub fn scan_page_addr(&self) -> Option<SocketAddr> {
        self.page.as_ref().map(ScanPage::addr)
    }

    /// The browser command the face-scan page is opened with (see
    /// [`ScanPage::browser_command`]).
    pub fn scan_browser_command(&self, cmd: &[String]) -> Vec<String> {
        self.page.as_ref().map_or_else(|| cmd.to_vec(), |p| p.browser_command(cmd))
    }

    /// The kiosk's face-scan page server (with [`ScanControl::Page`]).
    pub fn scan_page(&self) -> Option<&ScanPage> {
        self.page.as_ref()
    }

    /// The face-scan page's certificate (DER), for a browser or a test to trust.
    pub fn scan_page_cert(&self) -> Option<&[u8]> {
        self.page.as_ref().map(ScanPage::cert_der)
    }

    /// The kiosk's face-scan page opened last (with [`ScanControl::Page`]).
    pub fn scan_page_url(&self) -> Option<&str> {
        self.page_url.as_deref()
    }

    /// The verify token of the face scan waiting to end, if any.
    pub fn scan_token(&self) -> Option<&str> {
        self.scan_token.as_ref().map(|(_, t)| t.as_str())
    }

    /// Staff say the face scan has ended (real mode: the browser page closed).
    /// Closes the browser of the current face scan, if the kiosk started one.
    pub fn close_scan_browser(&self) {
        if let Some(p) = &self.page {
            p.close_browser();
        }
    }

    pub fn scan_ended(&mut self) {
        if let Some((job, _)) = self.scan_token.take() {
            self.sink.send(Input::ScanFinished { job });
        }
    }
}

/// The journey's step hook for job `job`: each step's progress becomes an
/// [`Input::EnrolProgress`].
fn progress_hook(
    sink: &Sink,
    job: u64,
) -> impl FnMut(crate::records::Step, journey::StepState) + Send + use<> {
    let sink = sink.clone();
    move |step, state| sink.send(Input::EnrolProgress { job, step, state })
}

fn runtime() -> Result<tokio::runtime::Runtime, ExecError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kiosk-net")
        .enable_all()
        .build()
        .map_err(|source| ExecError::Io { what: "network runtime", source })
}

fn failure(e: &JourneyError) -> ServiceFailure {
    ServiceFailure { message: e.to_string(), outcome_unknown: e.is_outcome_unknown() }
}

fn launch_browser(cmd: &[String], url: &str) {
    let Some((program, args)) = cmd.split_first() else {
        tracing::warn!("no face-scan browser command configured");
        return;
    };
    let spawned = std::process::Command::new(program).args(args).arg(url).spawn();
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "the face-scan browser could not be started");
    }
}

fn chip_thread(mut card: Box<dyn CardSource>, jobs: Receiver<ChipJob>, sink: Sink) {
    let policy = EncodePolicy::default();
    for ChipJob::Read { job, key, cancel, trust } in jobs {
        let result = read_one(card.as_mut(), job, &key, &cancel, &sink, (&policy, &trust));
        card.finished();
        sink.send(Input::ReadDone { job, result });
    }
}

fn read_one(
    card: &mut dyn CardSource,
    job: u64,
    key: &Password,
    cancel: &Arc<AtomicBool>,
    sink: &Sink,
    (policy, trust): (&EncodePolicy, &TrustStore),
) -> Result<Box<ChipResult>, ReadFailure> {
    let channel = card.wait(cancel).map_err(|e| ReadFailure {
        card_gone: false,
        access_denied: false,
        needs_mrz: false,
        cancelled: cancel.load(Ordering::SeqCst),
        unreadable: false,
        detail: e.to_string(),
    })?;
    sink.send(Input::CardPresent { job });
    let options = ReadOptions { cancel: Some(cancel.clone()), ..ReadOptions::default() };
    let mut last = Instant::now();
    let mut last_file = String::new();
    let mut progress = |file: &str, done: usize, total: usize| {
        // At most ~30 updates a second, plus every change of file and the end of each.
        if file != last_file || done >= total || last.elapsed() >= Duration::from_millis(33) {
            last = Instant::now();
            last_file = file.to_owned();
            sink.send(Input::Progress { job, file: file.to_owned(), done, total });
        }
    };
    let read = read_passport(channel, key, &options, &mut progress)
        .map_err(|e| ReadFailure::from_read_error(&e))?;
    Ok(Box::new(ChipResult::from_read(read, policy, trust, &crate::records::now_rfc3339())))
}
