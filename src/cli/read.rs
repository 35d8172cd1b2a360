//! `readers`, `read` and `demo`: the chip-reading commands.

use crate::access::{AccessError, Password};
use crate::card::CardError;
use crate::card::pcsc::Pcsc;
use crate::mrz::{AccessKey, Can};
use crate::reader::ReadError;
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};
use crate::report;
use crate::trust::TrustStore;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// `readers [--json]`
#[derive(Debug, Args)]
pub struct ReadersArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `read --reader NAME (--mrz MRZ | --doc N --dob YYMMDD --expiry YYMMDD | --can CAN) --out DIR`
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Reader name, or a unique part of it (see `enrol-kiosk readers`).
    #[arg(long)]
    pub reader: String,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Folder for the EF files, the face and report.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Trusted CSCAs for passive authentication: a certificate (DER or PEM), an ICAO master
    /// list (.ml), or a folder of them. Repeatable. Without it the result is "unverified".
    #[arg(long)]
    pub csca: Vec<PathBuf>,
    /// Also print the report.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for a passport on the reader.
    #[arg(long, default_value_t = 30)]
    pub wait: u64,
    /// Never try extended-length APDUs.
    #[arg(long)]
    pub no_extended_length: bool,
    /// Read in fixed chunks of this many bytes (for comparison).
    #[arg(long, hide = true)]
    pub fixed_chunk: Option<usize>,
    /// Use BAC even when the chip offers PACE (needs the MRZ).
    #[arg(long, conflicts_with = "can")]
    pub bac: bool,
}

/// The access key: the MRZ, its three fields, or the CAN.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct KeyArgs {
    /// The full MRZ (lines separated by newlines or spaces) or the TD3 second line.
    #[arg(long, conflicts_with_all = ["doc", "dob", "expiry", "can"])]
    pub mrz: Option<String>,
    /// Document number.
    #[arg(long, requires_all = ["dob", "expiry"])]
    pub doc: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long)]
    pub dob: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long)]
    pub expiry: Option<String>,
    /// Card access number, 6 digits (needs a chip with PACE).
    #[arg(long, conflicts_with_all = ["doc", "dob", "expiry"])]
    pub can: Option<String>,
}

/// `demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for what is read (default: a fresh temporary folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// vpcd address of the virtual reader to attach the demo passport to.
    #[arg(long, default_value = "127.0.0.1:35963")]
    pub vpcd: String,
    /// Name of that virtual reader.
    #[arg(long, default_value = "Virtual PCD 00 00")]
    pub reader: String,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Mrz(#[from] crate::mrz::MrzError),
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
}

fn access_key(k: &KeyArgs) -> Result<Password, CliError> {
    if let Some(mrz) = &k.mrz {
        return Ok(AccessKey::from_mrz_text(mrz)?.into());
    }
    if let Some(can) = &k.can {
        return Ok(Can::new(can)?.into());
    }
    match (&k.doc, &k.dob, &k.expiry) {
        (Some(d), Some(b), Some(e)) => Ok(AccessKey::from_parts(d, b, e)?.into()),
        _ => Err(CliError::Usage("give --mrz, --can, or --doc with --dob and --expiry".into())),
    }
}

/// Words a read failure for the person at the reader.
fn explain(e: &ReadError) -> String {
    match e {
        ReadError::Access(AccessError::Denied) => format!(
            "{e}\nThe chip refused the access key. The MRZ (document number, date of birth, \
             date of expiry) or the 6-digit CAN was most likely typed or scanned wrongly: check \
             it and try again."
        ),
        e if e.is_card_gone() => format!("{e}\nThe passport was moved: place it again and retry."),
        e => e.to_string(),
    }
}

pub fn run_readers(args: ReadersArgs) -> ExitCode {
    let readers = match Pcsc::establish().and_then(|p| p.readers()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    if args.json {
        match serde_json::to_string_pretty(&readers) {
            Ok(s) => println!("{s}"),
            Err(e) => return super::fail(&e),
        }
    } else if readers.is_empty() {
        println!("No card readers found. Plug in the NFC reader (see udev/ in the README).");
    } else {
        for r in &readers {
            let card = if r.card_present { "card present" } else { "no card" };
            println!("{}\t{card}", r.name);
        }
    }
    ExitCode::SUCCESS
}

fn read_from_reader(
    reader: &str,
    key: &Password,
    wait: Duration,
    options: &ReadOptions,
) -> Result<PassportRead, CliError> {
    let pcsc = Pcsc::establish()?;
    pcsc.wait_for_card(reader, wait)?;
    let card = pcsc.connect(reader)?;
    let mut last = String::new();
    let mut progress = |file: &str, done: usize, total: usize| {
        if file != last {
            tracing::info!(file, total, "reading");
            last = file.to_owned();
        }
        let _ = done;
    };
    Ok(read_passport(card, key, options, &mut progress)?)
}

/// Writes the EF files, the face and report.json; returns the report.
fn write_out(
    read: &PassportRead,
    out: &Path,
    store: &TrustStore,
) -> Result<report::Report, CliError> {
    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|source| CliError::Write { path, source })
    };
    std::fs::create_dir_all(out)
        .map_err(|source| CliError::Write { path: out.to_owned(), source })?;
    for (name, bytes) in &read.files {
        write(&format!("{name}.bin"), bytes)?;
    }
    if let Some((name, bytes)) = report::face_file(read) {
        write(&name, &bytes)?;
    }
    let report = report::build_with(read, store);
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    write("report.json", &json)?;
    Ok(report)
}

pub use crate::trust::config::load_trust_store;

pub fn run_read(args: ReadArgs) -> ExitCode {
    let store = match load_trust_store(&args.csca) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --csca: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = access_key(&args.key).and_then(|key| {
        let options = ReadOptions {
            no_extended_length: args.no_extended_length,
            fixed_chunk: args.fixed_chunk,
            cancel: None,
            force_bac: args.bac,
        };
        read_from_reader(&args.reader, &key, Duration::from_secs(args.wait), &options)
    });
    finish(result, &args.out, args.json, &store)
}

fn finish(
    result: Result<PassportRead, CliError>,
    out: &Path,
    json: bool,
    store: &TrustStore,
) -> ExitCode {
    let read = match result {
        Ok(r) => r,
        Err(CliError::Read(e)) => {
            eprintln!("error: {}", explain(&e));
            return ExitCode::FAILURE;
        }
        Err(e) => return super::fail(&e),
    };
    match write_out(&read, out, store) {
        Ok(report) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                println!(
                    "Read {} files ({} bytes) with {} in {} APDUs, {} ms; passive authentication: {}. Written to {}",
                    report.files.len(),
                    report.files.values().sum::<usize>(),
                    report.access,
                    report.apdus,
                    report.elapsed_ms,
                    report.passive_authentication.status,
                    out.display()
                );
                println!("{}", report.passive_authentication.summary);
                println!("{}", report.chip_authentication.summary);
                for check in &report.chip_authentication.checks {
                    println!(
                        "  {}: {}",
                        check.method.name(),
                        match check.result {
                            crate::authentication::Outcome::Passed => "passed",
                            crate::authentication::Outcome::Failed => "FAILED",
                            crate::authentication::Outcome::Unsupported => "not supported",
                        }
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(&e),
    }
}

pub fn run_demo(args: DemoArgs) -> ExitCode {
    let out = args.out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("enrol-kiosk-demo-{}", std::process::id()))
    });
    let result = (|| {
        let profile = crate::sim::Profile::demo()?;
        let key = Password::from(AccessKey::from_mrz_text(profile.mrz_text())?);
        println!("Demo passport attached to \"{}\" through vpcd at {}.", args.reader, args.vpcd);
        println!("Its MRZ (fictitious):\n{}\n", profile.mrz_text());
        let sim = crate::sim::vpcd::spawn(&profile, crate::sim::Behaviour::default(), &args.vpcd)?;
        let read =
            read_from_reader(&args.reader, &key, Duration::from_secs(10), &ReadOptions::default());
        let _ = sim.stop();
        read
    })();
    // The demo passport is signed under the built-in test CSCA.
    let store = TrustStore::demo().unwrap_or_default();
    finish(result, &out, true, &store)
}
