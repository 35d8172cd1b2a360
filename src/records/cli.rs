//! `enrol-kiosk records [--json]`: lists the enrolment records, or exports them as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use super::config::resolve_key_path;
use super::{DocumentKey, RecordsConfig, Store, resolve_db_path};

/// Arguments of `enrol-kiosk records`.
#[derive(Debug, Clone, clap::Args)]
pub struct RecordsArgs {
    /// Print a JSON array, one object per enrolment.
    #[arg(long)]
    pub json: bool,
    /// Also print the audit events (with --json: an object {"enrolments", "audit"}).
    #[arg(long)]
    pub audit: bool,
    /// First settle what faults left, as `gui` and `run` do at start: recovery (only when
    /// no other enrol-kiosk process has the records open), the tokens of abandoned
    /// enrolments invalidated, validates of unknown outcome asked again (2 minutes after
    /// they became unknown). Uses the `[iproov]` configuration.
    #[arg(long)]
    pub settle: bool,
    #[command(flatten)]
    pub files: FileArgs,
}

/// Where the configuration and the records database are (shared by the headless commands).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FileArgs {
    /// Kiosk configuration file (its `[iproov]` and `[records]` tables).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Records database (overrides ENROL_KIOSK_DB and the configuration).
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// Opens the records database named by `--db`, `ENROL_KIOSK_DB`, the configuration file or
/// the default, in that order.
/// The document-number key comes from `ENROL_KIOSK_DOCUMENT_KEY`, the configuration or the
/// default (`records::config::resolve_key_path`), and is made on first use.
pub fn open_store(db: Option<&PathBuf>, config: Option<&PathBuf>) -> Result<Store, String> {
    let cfg = match config {
        Some(c) => Some(RecordsConfig::from_file(c).map_err(|e| e.to_string())?),
        None => None,
    };
    let path = match db {
        Some(p) => p.clone(),
        None => resolve_db_path(cfg.as_ref()),
    };
    let key_path = resolve_key_path(cfg.as_ref(), &path);
    let key = DocumentKey::load_or_create(&key_path).map_err(|e| e.to_string())?;
    Store::open_keyed(&path, key).map_err(|e| e.to_string())
}

/// Runs `enrol-kiosk records`.
pub fn run_records(args: RecordsArgs) -> ExitCode {
    match records_report(&args) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("enrol-kiosk records: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// What `enrol-kiosk records` prints: a table, or with `--json` an array with one object
/// per enrolment (`user_id`, `status`, `passed`, `reason`, `enrol_token`, `verify_token`,
/// the step timestamps, …).
pub fn records_report(args: &RecordsArgs) -> Result<String, String> {
    let store = open_store(args.files.db.as_ref(), args.files.config.as_ref())?;
    if args.settle {
        let config = match &args.files.config {
            Some(p) => crate::iproov::IproovConfig::from_file(p).map_err(|e| e.to_string())?,
            None => crate::iproov::IproovConfig::default(),
        }
        .with_env();
        let client = crate::iproov::IproovClient::new(config).map_err(|e| e.to_string())?;
        crate::iproov::settle::settle_before_start(&client, &store)?;
    }
    let rows = store.list().map_err(|e| e.to_string())?;
    if args.json {
        let value = if args.audit {
            let audit = store.audit_events(None).map_err(|e| e.to_string())?;
            serde_json::json!({ "enrolments": rows, "audit": audit })
        } else {
            serde_json::to_value(&rows).map_err(|e| e.to_string())?
        };
        return serde_json::to_string_pretty(&value).map_err(|e| e.to_string());
    }
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no enrolments recorded");
    }
    for r in &rows {
        let passed = match r.passed {
            Some(true) => "passed",
            Some(false) => "failed",
            None => "-",
        };
        out.push_str(&format!(
            "{}  {}  {:<22} {:<7} {}\n",
            r.created_at,
            r.user_id,
            r.status.as_str(),
            passed,
            r.reason.as_deref().unwrap_or("")
        ));
    }
    if args.audit {
        for a in store.audit_events(None).map_err(|e| e.to_string())? {
            out.push_str(&format!(
                "{}  #{}  {}  {}  {}\n",
                a.at,
                a.id,
                a.user_id.as_deref().unwrap_or("-"),
                a.event,
                a.detail
            ));
        }
    }
    Ok(out.trim_end().to_owned())
}
