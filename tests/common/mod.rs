//! Shared helpers for the integration tests: the real PC/SC stack (pcscd + vpcd) and the
//! kiosk's services against the fake iProov service.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test
#![allow(dead_code)]

use enrol_kiosk::card::pcsc::{Pcsc, PcscCard};
use enrol_kiosk::enrol::Services;
use enrol_kiosk::iproov::fake::FakeHandle;
use enrol_kiosk::iproov::{IproovClient, IproovConfig, Secret};
use enrol_kiosk::records::Store;
use enrol_kiosk::sim::{Behaviour, Profile, VpcdHandle};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The virtual reader these tests use, and its vpcd port.
pub const READER: &str = "Virtual PCD 00 00";
pub const VPCD: &str = "127.0.0.1:35963";

/// Path of a file under tests/data.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// Starts pcscd (with vpcd) when none is running, once per test process. A test never skips
/// itself: when pcscd cannot start, it fails.
pub fn ensure_pcscd() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/start-pcscd.sh");
        let status = std::process::Command::new("bash").arg(script).status().unwrap();
        assert!(status.success(), "could not start pcscd with vpcd");
    });
}

/// One virtual reader, one test at a time: across the threads of this test process (the
/// mutex) and across processes — other test binaries, other clones or worktrees sharing this
/// machine's single pcscd — through an exclusive lock on a file beside the pcscd log.
pub struct ReaderLock {
    _file: std::fs::File,
    _guard: MutexGuard<'static, ()>,
}

pub fn reader_lock() -> ReaderLock {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/var/tmp/enrol-kiosk-vpcd.lock")
        .unwrap();
    file.lock().unwrap();
    ReaderLock { _file: file, _guard: guard }
}

/// A simulated passport attached through vpcd; removed again when dropped.
pub struct Attached {
    pub sim: Option<VpcdHandle>,
    _guard: ReaderLock,
}

impl Drop for Attached {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            let _ = sim.stop();
        }
        wait_card(false, Duration::from_secs(5));
    }
}

/// Attaches `profile` with `behaviour` to the virtual reader and waits until pcscd sees it.
pub fn attach(profile: &Profile, behaviour: Behaviour) -> Attached {
    ensure_pcscd();
    let guard = reader_lock();
    wait_card(false, Duration::from_secs(5));
    let sim = enrol_kiosk::sim::vpcd::spawn(profile, behaviour, VPCD).unwrap();
    assert!(wait_card(true, Duration::from_secs(10)), "the simulated card did not appear in pcscd");
    Attached { sim: Some(sim), _guard: guard }
}

/// Waits until the reader shows a card (`present`) or no card; true when it did in time.
pub fn wait_card(present: bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = Pcsc::establish()
            .and_then(|p| p.readers())
            .map(|rs| rs.iter().any(|r| r.name == READER && r.card_present))
            .unwrap_or(false);
        if seen == present {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Connects to the card in the virtual reader through pcscd.
pub fn connect() -> PcscCard {
    let pcsc = Pcsc::establish().unwrap();
    pcsc.wait_for_card(READER, Duration::from_secs(10)).unwrap();
    pcsc.connect(READER).unwrap()
}

/// Peak resident memory of this process, in KiB (VmHWM).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The kiosk's services against the fake iProov service `fake`, with records in
/// `dir/records.sqlite`.
pub fn services(fake: &FakeHandle, dir: &Path) -> Services {
    let (key, secret) = fake.credentials();
    let config = IproovConfig {
        base_url: Some(fake.base_url()),
        api_key: Secret::new(key),
        secret: Secret::new(secret),
        ..IproovConfig::default()
    };
    Services {
        client: Arc::new(IproovClient::new(config).unwrap()),
        store: Arc::new(Store::open(&dir.join("records.sqlite")).unwrap()),
    }
}

/// What the face-scan page tests start from: a fake service on loopback, the demo passport
/// already on the (in-process) reader, and an executor serving the scan page with no browser
/// command (each test opens the page its own way). `mrz` opens the demo passport.
pub struct PageKiosk {
    pub fake: FakeHandle,
    pub exec: enrol_kiosk::enrol::Executor,
    pub inputs: std::sync::mpsc::Receiver<enrol_kiosk::enrol::Input>,
    pub mrz: String,
}

pub fn page_kiosk(dir: &Path) -> PageKiosk {
    use enrol_kiosk::enrol::{DemoCard, Executor, ScanControl};
    use enrol_kiosk::iproov::fake::{FakeIproov, FakeOptions};
    let fake = FakeIproov::spawn_thread(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        FakeOptions::default(),
    )
    .unwrap();
    let profile = Profile::demo().unwrap();
    let mrz = profile.mrz_text().to_owned();
    let card = DemoCard::new(profile);
    card.placer().store(true, std::sync::atomic::Ordering::SeqCst);
    let scan = ScanControl::Page { browser: vec![], sdk_dir: None };
    let (mut exec, inputs) =
        Executor::with_services(Box::new(card), services(&fake, dir), scan).unwrap();
    // The demo passport is signed by the demo CSCA: only a verified passport is enrolled.
    exec.set_trust_store(enrol_kiosk::trust::TrustStore::demo().unwrap());
    PageKiosk { fake, exec, inputs, mrz }
}

/// The demo passport already lying on the demo reader and the kiosk's executor with the
/// built-in fake service and records in `dir`: the executor, its inputs and the passport's MRZ.
pub fn demo_desk(
    dir: &Path,
) -> (enrol_kiosk::enrol::Executor, std::sync::mpsc::Receiver<enrol_kiosk::enrol::Input>, String) {
    let profile = Profile::demo().unwrap();
    let mrz = profile.mrz_text().to_owned();
    let card = enrol_kiosk::enrol::DemoCard::new(profile);
    card.placer().store(true, std::sync::atomic::Ordering::SeqCst);
    let (exec, inputs) = enrol_kiosk::enrol::Executor::demo(card, &dir.join("r.sqlite")).unwrap();
    (exec, inputs, mrz)
}
