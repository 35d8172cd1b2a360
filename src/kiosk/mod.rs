//! The kiosk window: the egui staff workflow from MRZ to validated result.
//! `enrol-kiosk demo` runs it with the built-in simulated passport and the in-process fake
//! iProov service; `enrol-kiosk gui` with PC/SC and the configured service.

pub mod app;
pub mod enrolling;
pub mod photo_screens;
pub mod screens;
pub mod status;
pub mod theme;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

pub use app::KioskApp;
pub use status::Status;

use crate::enrol::demo_photos::{DemoOnFile, DemoPageScanner};
use crate::enrol::page_reader::OcrPageReader;
use crate::enrol::{
    DemoCard, Executor, PcscCardSource, ReaderFeed, ReaderStatus, ScanControl, ServiceStatus,
    Services,
};
use crate::enrol::{Offer, PhotoSources};
use crate::iproov::{IproovClient, IproovConfig};
use crate::sim::Profile;
use crate::trust::policy::AllowedSources;

/// Window options shared by `demo` and `gui`.
#[derive(Debug, Clone, clap::Args)]
pub struct WindowArgs {
    /// Fullscreen without decorations (kiosk mode).
    #[arg(long)]
    pub fullscreen: bool,
    /// Return Home and wipe the customer's data after this many seconds without input.
    #[arg(long, default_value_t = 180)]
    pub idle_timeout_secs: u64,
}

/// `enrol-kiosk demo`: the whole chain with no hardware and no account.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub window: WindowArgs,
    /// Records database (default: a fresh file in the temporary directory).
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// `enrol-kiosk gui`: the kiosk with a PC/SC reader and the configured iProov service.
#[derive(Debug, Clone, clap::Args)]
pub struct GuiArgs {
    #[command(flatten)]
    pub window: WindowArgs,
    /// Configuration file (`[iproov]`, `[records]` tables).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Records database (overrides the configuration).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// PC/SC reader name (default: the first reader).
    #[arg(long)]
    pub reader: Option<String>,
    /// Command that opens the face-scan page; the URL is appended. Chromium gets the page's
    /// certificate pin and a profile of its own per scan (running as root it needs
    /// `--no-sandbox`).
    #[arg(long, default_value = "chromium --kiosk")]
    pub browser: String,
    /// Folder holding iProov's Web SDK files (`iProovMe.js`, from iProov's npm registry);
    /// without it the face-scan page shows a stand-in that only simulates a scan.
    #[arg(long)]
    pub sdk_dir: Option<PathBuf>,
    /// Trusted CSCA certificates for passive authentication: DER/PEM files, ICAO master lists
    /// (.ml), CRLs or folders of them (repeatable; added to the configuration's `[trust]`
    /// `csca` list). Without any, passports show as "not verified" and none is enrolled
    /// (unless `[policy] allow_unverified = true`).
    #[arg(long = "csca", value_name = "PATH")]
    pub csca: Vec<PathBuf>,
}

/// How often the iProov service's reachability is checked (and after each failed call).
pub const SERVICE_CHECK: Duration = Duration::from_secs(30);

/// The demo kiosk's parts, without a window (GUI tests build the same thing).
pub fn demo_app(card: DemoCard, db: &std::path::Path, idle: Duration) -> Result<KioskApp, String> {
    let placer = card.placer();
    let reader = card.reader();
    let profile = Profile::demo().map_err(|e| e.to_string())?;
    let demo_mrz = profile.mrz_text().to_owned();
    let demo_can = profile.can().map(|c| c.digits().to_owned());
    let (mut exec, inputs) = Executor::demo(card, db).map_err(|e| e.to_string())?;
    exec.watch_status(ReaderFeed::Demo(reader), SERVICE_CHECK).map_err(|e| e.to_string())?;
    // The photo on file and the photo page from memory; pages are read by the real OCR.
    let sources = PhotoSources {
        capture: Some(Box::new(DemoPageScanner)),
        on_file: Some(Box::new(DemoOnFile)),
        reader: Some(Arc::new(OcrPageReader)),
    };
    exec.set_photo_sources(sources).map_err(|e| e.to_string())?;
    let offer = offer_allowed(exec.photo_offer(), &AllowedSources::default());
    let status = Status {
        reader: ReaderStatus::Checking,
        service: ServiceStatus::checking("built-in fake service, demo"),
        demo_mrz: Some(demo_mrz),
        demo_can,
        offer: crate::enrol::Offer::default(),
    };
    Ok(KioskApp::new(exec, inputs, status, Some(placer), idle).with_offer(offer))
}

/// The photo sources offered: those set up that the policy's `allow_sources` allows.
pub fn offer_allowed(set_up: Offer, allowed: &AllowedSources) -> Offer {
    Offer {
        photo_page: set_up.photo_page && allowed.oid,
        photo_on_file: set_up.photo_on_file && allowed.selfie,
    }
}

/// Runs `enrol-kiosk demo`.
pub fn run_demo(args: DemoArgs) -> ExitCode {
    let launched = Instant::now();
    let db = args.db.clone().unwrap_or_else(|| {
        // A folder of its own, made 0700 with the database (`records::files`).
        let dir = format!("enrol-kiosk-demo-records-{}", std::process::id());
        std::env::temp_dir().join(dir).join("records.sqlite")
    });
    let card = match Profile::demo() {
        Ok(p) => DemoCard::new(p),
        Err(e) => return crate::cli::fail(&e),
    };
    let idle = Duration::from_secs(args.window.idle_timeout_secs);
    match demo_app(card, &db, idle) {
        Ok(app) => run_window(app, &args.window, launched),
        Err(e) => {
            eprintln!("error: the demo cannot start: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `enrol-kiosk gui`.
pub fn run_gui(args: GuiArgs) -> ExitCode {
    let launched = Instant::now();
    let config = match &args.config {
        Some(p) => IproovConfig::from_file(p),
        None => Ok(IproovConfig::default()),
    };
    let config = match config {
        Ok(c) => c.with_env(),
        Err(e) => return crate::cli::fail(&e),
    };
    let service = config.base_url.clone().unwrap_or_else(|| config.region.base_url());
    let service = url::Url::parse(&service)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or(service);
    let client = match IproovClient::new(config) {
        Ok(c) => c,
        Err(e) => return crate::cli::fail(&e),
    };
    let store = match crate::records::cli::open_store(args.db.as_ref(), args.config.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Before any call: recovery under the records' lock, abandoned tokens invalidated.
    if let Err(e) = crate::iproov::settle::settle_before_start(&client, &store) {
        eprintln!("error: records: {e}");
        return ExitCode::FAILURE;
    }
    let trust = match crate::trust::config::kiosk_trust_store(&args.csca, args.config.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --csca: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The window still opens (staff see the reason on Review), but the operator is told now.
    if let Some(why) = crate::trust::config::cannot_enrol(&trust) {
        eprintln!("warning: {why}");
        tracing::warn!("{why}");
    }
    if trust.policy().allow_unverified {
        eprintln!("warning: [policy] allow_unverified = true: unverified documents are enrolled");
    }
    let services = Services { client: Arc::new(client), store: Arc::new(store) };
    let card = Box::new(PcscCardSource { reader: args.reader.clone() });
    let browser: Vec<String> = args.browser.split_whitespace().map(str::to_owned).collect();
    let sdk_dir = args.sdk_dir.clone();
    let (mut exec, inputs) =
        match Executor::with_services(card, services, ScanControl::Page { browser, sdk_dir }) {
            Ok(x) => x,
            Err(e) => return crate::cli::fail(&e),
        };
    let allowed = trust.policy().allow_sources;
    exec.set_trust_store(trust);
    // A photo source that cannot be opened (a camera unplugged, a folder gone) is not
    // offered; the chip path still opens, and the operator is told now.
    let (sources, warnings) = photo_sources(args.config.as_deref());
    for w in warnings {
        eprintln!("warning: {w}");
        tracing::warn!("{w}");
    }
    if let Err(e) = exec.set_photo_sources(sources) {
        return crate::cli::fail(&e);
    }
    let offer = offer_allowed(exec.photo_offer(), &allowed);
    let feed = ReaderFeed::Pcsc { configured: args.reader.clone() };
    if let Err(e) = exec.watch_status(feed, SERVICE_CHECK) {
        return crate::cli::fail(&e);
    }
    let status = Status {
        reader: ReaderStatus::Checking,
        service: ServiceStatus::checking(service),
        demo_mrz: None,
        demo_can: None,
        offer: crate::enrol::Offer::default(),
    };
    let idle = Duration::from_secs(args.window.idle_timeout_secs);
    let app = KioskApp::new(exec, inputs, status, None, idle).with_offer(offer);
    run_window(app, &args.window, launched)
}

/// The photo sources of the configuration's `[capture]` and `[selfie]` tables (each is
/// offered only when its table sets it up and it opens), and why any was left out.
fn photo_sources(config: Option<&std::path::Path>) -> (PhotoSources, Vec<String>) {
    let mut warnings = Vec::new();
    let Some(path) = config else { return (PhotoSources::default(), warnings) };
    let capture = match crate::capture::CaptureConfig::from_file(path) {
        Ok(Some(c)) => crate::capture::from_config(&c)
            .map_err(|e| warnings.push(format!("[capture]: the photo page is not offered: {e}")))
            .ok(),
        Ok(None) => None,
        Err(e) => {
            warnings.push(format!("the photo page is not offered: {e}"));
            None
        }
    };
    let on_file = match crate::selfie::SelfieConfig::from_file(path) {
        Ok(Some(c)) => crate::selfie::from_config(&c)
            .map_err(|e| warnings.push(format!("[selfie]: photos on file are not offered: {e}")))
            .ok()
            .flatten(),
        Ok(None) => None,
        Err(e) => {
            warnings.push(format!("photos on file are not offered: {e}"));
            None
        }
    };
    let reader: Option<Arc<dyn crate::enrol::PageReader>> =
        capture.is_some().then(|| Arc::new(OcrPageReader) as Arc<dyn crate::enrol::PageReader>);
    (PhotoSources { capture, on_file, reader }, warnings)
}

fn run_window(mut app: KioskApp, window: &WindowArgs, launched: Instant) -> ExitCode {
    app.launched = Some(launched);
    let viewport = egui::ViewportBuilder::default()
        .with_title("enrol-kiosk")
        .with_app_id("enrol-kiosk")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([900.0, 600.0])
        .with_fullscreen(window.fullscreen)
        .with_decorations(!window.fullscreen);
    let options = eframe::NativeOptions { viewport, ..eframe::NativeOptions::default() };
    match eframe::run_native("enrol-kiosk", options, Box::new(|_cc| Ok(Box::new(app)))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the kiosk window could not be opened: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_source_that_cannot_open_is_left_out_with_a_warning_and_a_good_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let photos = dir.path().join("photos");
        std::fs::create_dir(&photos).unwrap();
        let cfg = dir.path().join("kiosk.toml");
        let text = format!(
            "[capture]\nsource = \"folder\"\nfolder = \"{}\"\n\n[selfie]\nfolder = \"{}\"\n",
            dir.path().join("no-such-folder").display(),
            photos.display()
        );
        std::fs::write(&cfg, text).unwrap();
        let (sources, warnings) = photo_sources(Some(&cfg));
        assert!(sources.capture.is_none() && sources.reader.is_none());
        assert!(sources.on_file.is_some());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("photo page is not offered"), "{warnings:?}");
        let (none, w) = photo_sources(None);
        assert!(none.capture.is_none() && none.on_file.is_none() && w.is_empty());
    }
}
