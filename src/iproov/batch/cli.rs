//! `enrol-kiosk enrol-batch MANIFEST.csv --source selfie|oid|eid [--concurrency N] [--json]
//! [--out RESULTS]`: the manifest is read and planned, the records recovered, the rows run
//! with a progress bar (rate, ETA) on stderr, one result line per row on stdout or in
//! RESULTS. Ctrl-C (or SIGTERM) stops starting rows and lets the running ones finish; a
//! second one ends at once (the records are recovered at the next start).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::{Semaphore, watch};

use super::results::{ResultWriter, RowResult};
use super::run::{Counters, Runner, Settings};
use super::{MAX_CONCURRENCY, manifest, plan};
use crate::iproov::ImageSource;
use crate::iproov::rate_limit::RateGate;
use crate::records::cli::FileArgs;

/// Exit status when some rows failed or were skipped (the batch itself ran).
pub const EXIT_SOME_ROWS_NOT_DONE: u8 = 2;
/// Exit status after Ctrl-C / SIGTERM.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Arguments of `enrol-kiosk enrol-batch`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnrolBatchArgs {
    /// CSV manifest with a header: `image` (path relative to the manifest's folder), optional
    /// `user_id` (empty: one is generated) and `reference`.
    pub manifest: PathBuf,
    /// Where the photos come from (sent as the upload's `source`).
    #[arg(long, value_enum)]
    pub source: ImageSource,
    /// Rows enrolled at once (1–32).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_CONCURRENCY)))]
    pub concurrency: u16,
    /// Result lines as JSON (one object per line) instead of CSV; no progress bar.
    #[arg(long)]
    pub json: bool,
    /// Write the result lines to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seconds after an upload's answer was lost before it is settled with the service: the
    /// service's token life (120). Lower it only for a fake service with shorter tokens.
    #[arg(long, default_value_t = 120)]
    pub settle_after_secs: u64,
    #[command(flatten)]
    pub files: FileArgs,
}

fn fatal(msg: &str) -> ExitCode {
    eprintln!("enrol-kiosk enrol-batch: {msg}");
    ExitCode::FAILURE
}

fn progress(len: usize, hidden: bool) -> ProgressBar {
    let target = if hidden { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
    let pb = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// Runs `enrol-kiosk enrol-batch`.
pub fn run_enrol_batch(args: EnrolBatchArgs) -> ExitCode {
    let started = Instant::now();
    let manifest = match manifest::read(&args.manifest) {
        Ok(m) => m,
        Err(e) => return fatal(&e.to_string()),
    };
    if !manifest.ignored_columns.is_empty() {
        eprintln!(
            "note: the manifest's columns {} are not used (only image, user_id, reference)",
            manifest.ignored_columns.join(", ")
        );
    }
    let folder = args
        .manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let (jobs, bad) = plan::plan(&manifest, &folder);
    let total = jobs.len() + bad.len();
    drop(manifest);
    let (client, store) =
        match crate::iproov::cli::setup(args.files.config.as_ref(), args.files.db.as_ref()) {
            Ok(x) => x,
            Err(e) => return fatal(&e),
        };
    let out: Box<dyn Write + Send> = match &args.out {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fatal(&format!("the results file cannot be written: {e}")),
        },
        None => Box::new(std::io::stdout()),
    };
    let mut writer = ResultWriter::new(out, args.json);
    let hidden = args.json || !std::io::stderr().is_terminal();
    let pb = progress(total, hidden);
    let mut write_failed = false;
    let mut emit = |r: RowResult| {
        if let Err(e) = writer.write(&r) {
            if !write_failed {
                pb.suspend(|| {
                    eprintln!("enrol-kiosk enrol-batch: a result line could not be written: {e}")
                });
            }
            write_failed = true;
        }
        pb.inc(1);
    };
    for r in bad {
        emit(r);
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fatal(&format!("could not start the async runtime: {e}")),
    };
    let gate = Arc::new(RateGate::new(
        Duration::from_millis(client.config().backoff_ms.max(50)),
        Duration::from_secs(30),
    ));
    let client = {
        let _guard = rt.enter();
        client.with_rate_gate(gate.clone())
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
    let runner = Runner {
        client: &client,
        store: &store,
        settings: Settings {
            source: args.source,
            concurrency: usize::from(args.concurrency),
            settle_after: Duration::from_secs(args.settle_after_secs),
        },
        stop: stop_rx,
        cpu: Semaphore::new(cores.max(1)),
        counters: Counters::default(),
    };
    let interrupted = rt.block_on(async {
        let signals = tokio::spawn(watch_signals(stop_tx, pb.clone()));
        runner.run(jobs, &mut emit).await;
        signals.abort();
        *runner.stop.borrow()
    });
    pb.finish_and_clear();
    let tally = writer.tally;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    eprintln!(
        "enrol-batch: {} rows in {secs:.1} s ({:.1} rows/s): {} enrolled, {} already done, {} failed, {} skipped; 429 answers: {}; lost upload answers settled: {}",
        tally.total(),
        tally.total() as f64 / secs,
        tally.enrolled,
        tally.already_done,
        tally.failed,
        tally.skipped,
        gate.total_429(),
        runner.counters.settled.load(std::sync::atomic::Ordering::Relaxed),
    );
    if write_failed {
        return fatal(
            "some result lines could not be written; the records hold every row's state (`enrol-kiosk records`)",
        );
    }
    if interrupted {
        eprintln!("enrol-batch: stopped; run the same manifest again to finish it");
        return ExitCode::from(EXIT_INTERRUPTED);
    }
    if tally.all_done() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_SOME_ROWS_NOT_DONE) }
}

/// First Ctrl-C / SIGTERM: no new rows; the second ends the process at once.
async fn watch_signals(stop: watch::Sender<bool>, pb: ProgressBar) {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let next = async |term: &mut Option<tokio::signal::unix::Signal>| match term {
        Some(t) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = t.recv() => {}
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    };
    next(&mut term).await;
    let _ = stop.send(true);
    pb.suspend(|| {
        eprintln!("enrol-batch: stopping — no new rows start; the running ones finish (again to quit at once)")
    });
    next(&mut term).await;
    eprintln!("enrol-batch: quit; the records are settled at the next start");
    std::process::exit(i32::from(EXIT_INTERRUPTED));
}
