//! Headless commands: `enrol`, `validate` and `fake-iproov` (the lead wires them into
//! `main.rs`). Plain messages on failure, `--json` for tools.

use crate::records::cli::FileArgs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use super::fake::{FAKE_API_KEY, FAKE_SECRET, FakeIproov, FakeOptions};
use super::journey;
use super::{ImageSource, IproovClient, IproovConfig, MAX_IMAGE_BYTES, UserId};
use crate::records::cli::open_store;
use crate::records::{DocumentFacts, Store};

/// `enrol-kiosk enrol --image FILE [--source eid|oid|selfie] [--user-id ID] [--json]`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnrolArgs {
    /// Upload-ready face image (PNG, JPEG or JP2, at most 2 MB).
    #[arg(long)]
    pub image: PathBuf,
    /// Where the image comes from.
    #[arg(long, value_enum, default_value_t = ImageSource::Eid)]
    pub source: ImageSource,
    /// Resume or use this user_id (default: a new random one).
    #[arg(long)]
    pub user_id: Option<String>,
    /// Print a JSON object with user_id, enrol_token, verify_token and scan_url.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub files: FileArgs,
}

/// `enrol-kiosk validate --user-id ID --token T [--json]`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    #[arg(long)]
    pub user_id: String,
    /// The verify token whose scan is to be validated.
    #[arg(long)]
    pub token: String,
    /// Print a JSON object with passed (true, false or null when unknown) and reason.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub files: FileArgs,
}

/// `enrol-kiosk fake-iproov --listen ADDR`.
#[derive(Debug, Clone, clap::Args)]
pub struct FakeIproovArgs {
    /// Address to listen on, e.g. 127.0.0.1:8089.
    #[arg(long)]
    pub listen: SocketAddr,
    /// Token lifetime in seconds (the service's is 120).
    #[arg(long, default_value_t = 120)]
    pub token_ttl_secs: u64,
}

fn load_config(path: Option<&Path>) -> Result<IproovConfig, String> {
    let base = match path {
        Some(p) => IproovConfig::from_file(p).map_err(|e| e.to_string())?,
        None => IproovConfig::default(),
    };
    Ok(base.with_env())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the async runtime: {e}"))
}

pub(super) fn setup(
    config: Option<&PathBuf>,
    db: Option<&PathBuf>,
) -> Result<(IproovClient, Store), String> {
    let cfg = load_config(config.map(PathBuf::as_path))?;
    let client = IproovClient::new(cfg).map_err(|e| e.to_string())?;
    let store = open_store(db, config)?;
    // Local recovery only (under the records' exclusive lock): the headless commands make
    // their own calls; the kiosk's start also settles with the service.
    let rec = store.recover_interrupted().map_err(|e| e.to_string())?;
    let report = super::settle::StartReport { recovery: rec, ..Default::default() };
    for note in report.notes() {
        eprintln!("note: {note}");
    }
    Ok((client, store))
}

fn read_image(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("image {}: {e}", path.display()))?;
    if meta.len() > MAX_IMAGE_BYTES as u64 {
        return Err(format!(
            "image {} is {} bytes; iProov accepts at most {MAX_IMAGE_BYTES} (2 MB): run `enrol-kiosk face` on it first",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("image {}: {e}", path.display()))
}

fn fail(cmd: &str, json: bool, user_id: Option<&str>, msg: &str, unknown: bool) -> ExitCode {
    if json {
        let v = serde_json::json!({
            "user_id": user_id,
            "error": msg,
            "outcome_unknown": unknown,
            "passed": null,
        });
        println!("{v}");
    }
    eprintln!("enrol-kiosk {cmd}: {msg}");
    ExitCode::FAILURE
}

/// The `enrol_policy` recorded for an image enrolled with `enrol-kiosk enrol`: no document was
/// read, no passive authentication and no enrolment policy decided about it — the operator
/// who ran the command vouches for the image, and the record says so.
pub const OPERATOR_CLI_POLICY: &str = "operator_cli";

/// Runs `enrol-kiosk enrol`: enrol token, image upload, verify token; records written.
pub fn run_enrol(args: EnrolArgs) -> ExitCode {
    let user_id = match args.user_id.as_deref().map(UserId::parse).transpose() {
        Ok(u) => u.unwrap_or_else(UserId::generate),
        Err(e) => return fail("enrol", args.json, None, &e, false),
    };
    let uid = user_id.as_str().to_owned();
    let image = match read_image(&args.image) {
        Ok(i) => i,
        Err(e) => return fail("enrol", args.json, Some(&uid), &e, false),
    };
    let (client, store) = match setup(args.files.config.as_ref(), args.files.db.as_ref()) {
        Ok(x) => x,
        Err(e) => return fail("enrol", args.json, Some(&uid), &e, false),
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail("enrol", args.json, Some(&uid), &e, false),
    };
    let res = rt.block_on(journey::enrol(
        &client,
        &store,
        &user_id,
        &image,
        args.source,
        &DocumentFacts {
            enrol_policy: Some(OPERATOR_CLI_POLICY.into()),
            ..DocumentFacts::default()
        },
    ));
    match res {
        Ok(out) => {
            if args.json {
                match serde_json::to_string(&out) {
                    Ok(s) => println!("{s}"),
                    Err(e) => return fail("enrol", true, Some(&uid), &e.to_string(), false),
                }
            } else {
                println!("enrolled: user_id {}", out.user_id);
                println!("verify token issued; run the face scan within 2 minutes at:");
                println!("  {}", out.scan_url);
                println!(
                    "then: enrol-kiosk validate --user-id {} --token {}",
                    out.user_id, out.verify_token
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail("enrol", args.json, Some(&uid), &e.to_string(), e.is_outcome_unknown()),
    }
}

/// Runs `enrol-kiosk validate`: validates once, records the outcome.
pub fn run_validate(args: ValidateArgs) -> ExitCode {
    let user_id = match UserId::parse(&args.user_id) {
        Ok(u) => u,
        Err(e) => return fail("validate", args.json, None, &e, false),
    };
    let (client, store) = match setup(args.files.config.as_ref(), args.files.db.as_ref()) {
        Ok(x) => x,
        Err(e) => return fail("validate", args.json, Some(user_id.as_str()), &e, false),
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail("validate", args.json, Some(user_id.as_str()), &e, false),
    };
    match rt.block_on(journey::validate(&client, &store, &user_id, &args.token)) {
        Ok(out) => {
            if args.json {
                let v = serde_json::json!({
                    "user_id": out.user_id,
                    "passed": out.passed,
                    "reason": out.reason,
                    "status": out.status,
                });
                println!("{v}");
            } else {
                match out.passed {
                    Some(true) => println!("passed: the face scan matched the passport photo"),
                    Some(false) => println!(
                        "failed: {}",
                        out.reason.as_deref().unwrap_or("no reason given by the service")
                    ),
                    None => println!("outcome unknown"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(
            "validate",
            args.json,
            Some(user_id.as_str()),
            &e.to_string(),
            e.is_outcome_unknown(),
        ),
    }
}

/// Runs `enrol-kiosk fake-iproov --listen ADDR` until interrupted. Credentials: the
/// environment's `IPROOV_API_KEY` / `IPROOV_SECRET`, else the fake's fixed demo pair.
pub fn run_fake_iproov(args: FakeIproovArgs) -> ExitCode {
    let env_or = |k: &str, d: &str| {
        std::env::var(k).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| d.to_owned())
    };
    let options = FakeOptions {
        api_key: env_or("IPROOV_API_KEY", FAKE_API_KEY),
        secret: env_or("IPROOV_SECRET", FAKE_SECRET),
        token_ttl: Duration::from_secs(args.token_ttl_secs.max(1)),
        ..FakeOptions::default()
    };
    let rt =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("enrol-kiosk fake-iproov: could not start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    rt.block_on(async {
        let handle = match FakeIproov::start_with(args.listen, options).await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("enrol-kiosk fake-iproov: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        if !args.listen.ip().is_loopback() {
            eprintln!("warning: the fake listens beyond loopback; the kiosk client only speaks plain HTTP to loopback");
        }
        println!("fake iProov listening: IPROOV_BASE_URL={}", handle.base_url());
        if std::env::var_os("IPROOV_API_KEY").is_none() {
            // The fake's built-in pair is public test data, not a secret: say it so the
            // headless commands can be pointed at the fake.
            println!("credentials: IPROOV_API_KEY={FAKE_API_KEY} IPROOV_SECRET={FAKE_SECRET}");
        }
        println!("scan page: http://{}/scan/<verify token>", handle.addr());
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
