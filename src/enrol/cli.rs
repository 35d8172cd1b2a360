//! `enrol-kiosk run`: one whole enrolment without a window: the chip through
//! PC/SC, the iProov calls with records, the face scan (opened with the browser command, or
//! completed on the fake service's `POST /control/scan/{token}` with `--fake-scan`),
//! validate, and the result printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::exec::{Executor, PcscCardSource, ScanControl, Services};
use super::headless;
use crate::iproov::{IproovClient, IproovConfig};

/// How the face scan ends in a headless run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FakeScan {
    Pass,
    Fail,
}

/// `enrol-kiosk run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// PC/SC reader name (default: the first reader).
    #[arg(long)]
    pub reader: Option<String>,
    /// The full MRZ (lines separated by newlines or spaces) or the TD3 second line.
    #[arg(long)]
    pub mrz: String,
    /// Configuration file (`[iproov]`, `[records]`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Records database (overrides the configuration).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The service is `enrol-kiosk fake-iproov`: complete the face scan there with this
    /// outcome instead of opening a browser.
    #[arg(long, value_enum)]
    pub fake_scan: Option<FakeScan>,
    /// Command that opens the face-scan page (the URL is appended); after it, press Enter
    /// when the customer's scan has finished.
    #[arg(long, default_value = "xdg-open")]
    pub browser: String,
    /// Trusted CSCA certificates, master lists, CRLs or folders (repeatable; added to the
    /// configuration's `[trust]` `csca` list). Without any, `run` refuses to start (unless
    /// `[policy] allow_unverified = true`).
    #[arg(long = "csca", value_name = "PATH")]
    pub csca: Vec<PathBuf>,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `enrol-kiosk run`; exit status 0 only for a passed enrolment.
pub fn run_headless(args: RunArgs) -> ExitCode {
    match run(&args) {
        Ok(out) => {
            if args.json {
                let v = serde_json::json!({
                    "passed": out.passed,
                    "reason": out.reason,
                    "user_id": out.user_id,
                    "stages": out.stages,
                    "overhead_us": out.overhead.as_micros() as u64,
                });
                println!("{v}");
            } else if out.passed {
                println!("enrolment passed: user_id {}", out.user_id);
            } else {
                let why = out.reason.as_deref().unwrap_or("no reason given");
                println!("enrolment failed ({why}): user_id {}", out.user_id);
            }
            if out.passed { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &RunArgs) -> Result<headless::Outcome, String> {
    let config = match &args.config {
        Some(p) => IproovConfig::from_file(p).map_err(|e| e.to_string())?,
        None => IproovConfig::default(),
    }
    .with_env();
    let fake_api = config.base_url.clone().unwrap_or_default();
    let client = IproovClient::new(config).map_err(|e| e.to_string())?;
    let store = crate::records::cli::open_store(args.db.as_ref(), args.config.as_ref())?;
    // Before any call: recovery under the records' lock, abandoned tokens invalidated.
    crate::iproov::settle::settle_before_start(&client, &store)?;
    let services = Services { client: Arc::new(client), store: Arc::new(store) };
    let card = Box::new(PcscCardSource { reader: args.reader.clone() });
    let scan = match args.fake_scan {
        Some(_) => ScanControl::Browser(Vec::new()),
        None => ScanControl::Browser(args.browser.split_whitespace().map(str::to_owned).collect()),
    };
    let trust = crate::trust::config::kiosk_trust_store(&args.csca, args.config.as_deref())
        .map_err(|e| format!("--csca: {e}"))?;
    if let Some(why) = crate::trust::config::cannot_enrol(&trust) {
        return Err(format!("enrolment refused: {why}"));
    }
    if trust.policy().allow_unverified {
        eprintln!("warning: [policy] allow_unverified = true: unverified documents are enrolled");
    }
    let (mut exec, inputs) =
        Executor::with_services(card, services, scan).map_err(|e| e.to_string())?;
    exec.set_trust_store(trust);
    eprintln!("place the passport on the reader…");
    let fake_scan = args.fake_scan;
    headless::run(
        &mut exec,
        &inputs,
        Zeroizing::new(args.mrz.clone()),
        |exec| {
            match fake_scan {
                Some(outcome) => {
                    if let Some(token) = exec.scan_token().map(str::to_owned)
                        && let Err(e) = complete_on_fake(&fake_api, &token, outcome)
                    {
                        eprintln!("warning: the fake service did not take the scan outcome: {e}");
                    }
                }
                None => {
                    eprintln!("face scan opened; press Enter when it has finished");
                    let mut line = String::new();
                    let _ = std::io::stdin().read_line(&mut line);
                }
            }
            exec.scan_ended();
        },
        Duration::from_secs(180),
    )
    .map_err(|e| e.to_string())
}

/// Completes a scan on `enrol-kiosk fake-iproov` through its scan page's control endpoint.
fn complete_on_fake(api_base: &str, token: &str, outcome: FakeScan) -> Result<(), String> {
    let origin = api_base.trim_end_matches('/').trim_end_matches("/api/v2");
    let body = match outcome {
        FakeScan::Pass => serde_json::json!({"outcome": "passed"}),
        FakeScan::Fail => serde_json::json!({"outcome": "failed", "reason": "ambiguous_outcome"}),
    };
    let url = format!("{origin}/control/scan/{token}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if resp.status().is_success() { Ok(()) } else { Err(format!("HTTP {}", resp.status())) }
    })
}
