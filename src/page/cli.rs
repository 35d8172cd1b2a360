//! `enrol-kiosk portrait PAGE_IMAGE --out FILE [--mrz MRZ | --mrz - | --mrz-file FILE]
//! [--json]`: the photo-page path (iProov's `oid` source) from a scanned page — the MRZ by
//! OCR, the portrait crop written to FILE, and the report.
//!
//! Exit status: 0 when FILE was written (the report may still list problems, e.g. an MRZ that
//! does not match); 2 when the page was read but no crop was written — no face, or the eyes
//! under 85 px at the scan's resolution ("scan the page at 600 dpi"); 1 when the page or the
//! entered MRZ cannot be used at all. An MRZ on the command line is visible to other users of
//! the machine (process list, shell history): prefer `--mrz -` (standard input) or
//! `--mrz-file`. MRZ text is never logged.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use zeroize::Zeroizing;

use crate::mrz::Mrz;
use crate::report::MrzReport;

use super::process::{PhotoPage, process};

/// Largest page file read (a 600 dpi A4 scan as PNG is well under this).
const MAX_PAGE_FILE: u64 = 64 * 1024 * 1024;
/// Largest entered-MRZ input (three lines of 30 or two of 44, with line ends and spaces).
const MAX_MRZ_INPUT: u64 = 1024;

/// Arguments of the `portrait` subcommand.
#[derive(Debug, clap::Args)]
pub struct PortraitArgs {
    /// The scanned photo page (JPEG, PNG or JPEG 2000).
    pub page_image: PathBuf,
    /// Where to write the portrait crop (upload-ready).
    #[arg(long)]
    pub out: PathBuf,
    /// The MRZ staff entered, to compare with the page's ("-" reads it from standard input;
    /// on the command line it is visible to other users of the machine).
    #[arg(long, conflicts_with = "mrz_file")]
    pub mrz: Option<String>,
    /// A file holding the entered MRZ (lines as printed).
    #[arg(long)]
    pub mrz_file: Option<PathBuf>,
    /// Print the report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// The `portrait` command's JSON report.
#[derive(Debug, serde::Serialize)]
pub struct PortraitReport {
    /// Always "oid": the photo page is iProov's OCR'd-document source.
    pub source: &'static str,
    /// The MRZ as read.
    pub mrz: MrzRead,
    /// Inter-eye distance in the crop, pixels (one decimal), or null without a face.
    pub eye_distance_px: Option<f64>,
    /// Output pixels per page pixel: 1.0 unless the 2 MB limit forced a downscale.
    pub scale: Option<f64>,
    /// Crop width, pixels.
    pub width: Option<u32>,
    /// Crop height, pixels.
    pub height: Option<u32>,
    /// Bytes written to FILE; null when nothing was written.
    pub bytes: Option<usize>,
    /// "jpeg" | "png"; null when nothing was written.
    pub output_format: Option<crate::face::OutputFormat>,
    /// The crop meets every API image rule (2 MB, 85 px between the eyes).
    pub meets_requirements: bool,
    /// Plain sentences for staff.
    pub problems: Vec<String>,
}

/// The `mrz` object of the report.
#[derive(Debug, serde::Serialize)]
pub struct MrzRead {
    /// The OCR'd lines (empty when no MRZ was found).
    pub lines: Vec<String>,
    /// The parsed fields, when every check digit verified.
    pub fields: Option<MrzReport>,
    /// Every check digit verified.
    pub mrz_valid: bool,
    /// Present when an MRZ was entered: the page's MRZ equals it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches_entered: Option<bool>,
}

/// The report of a processed page; `written` is the byte count when FILE was written.
pub fn report(page: &PhotoPage, written: Option<usize>) -> PortraitReport {
    let mrz = MrzRead {
        lines: page.mrz.as_ref().map(|m| m.lines.to_vec()).unwrap_or_default(),
        fields: page.mrz.as_ref().ok().and_then(|m| m.parsed.as_ref()).map(MrzReport::from),
        mrz_valid: page.mrz_valid(),
        matches_entered: page.matches_entered(),
    };
    let p = page.portrait.as_ref().ok();
    let round = |v: f32| (f64::from(v) * 10.0).round() / 10.0;
    PortraitReport {
        source: "oid",
        mrz,
        eye_distance_px: p.and_then(|p| p.face.eye_distance_px).map(round),
        scale: p.map(|p| (f64::from(p.scale) * 1000.0).round() / 1000.0),
        width: p.map(|p| p.face.width),
        height: p.map(|p| p.face.height),
        bytes: written,
        output_format: written.and(p.map(|p| p.face.output_format)),
        meets_requirements: p.is_some_and(|p| p.face.meets_requirements && !p.too_small),
        problems: page.problems(),
    }
}

fn read_bounded(mut r: impl Read, limit: u64, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut buf = Zeroizing::new(Vec::new());
    r.by_ref()
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!("{what} is longer than {limit} bytes"));
    }
    Ok(buf)
}

/// The entered MRZ from `--mrz`, `--mrz -` or `--mrz-file`; the error never quotes it.
fn entered_mrz(args: &PortraitArgs) -> Result<Option<Mrz>, String> {
    let text: Zeroizing<Vec<u8>> = match (&args.mrz, &args.mrz_file) {
        (None, None) => return Ok(None),
        (Some(s), _) if s == "-" => read_bounded(std::io::stdin(), MAX_MRZ_INPUT, "the MRZ")?,
        (Some(s), _) => Zeroizing::new(s.as_bytes().to_vec()),
        (None, Some(path)) => {
            let f = std::fs::File::open(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            read_bounded(f, MAX_MRZ_INPUT, "the MRZ file")?
        }
    };
    let text = std::str::from_utf8(&text).map_err(|_| "the entered MRZ is not text".to_string())?;
    Mrz::parse(text).map(Some).map_err(|e| format!("the entered MRZ is not valid: {e}"))
}

/// What the command did.
#[derive(Debug)]
pub enum Outcome {
    /// FILE was written.
    Written(PortraitReport),
    /// The page was read but no crop written (no face, or too small).
    Refused(PortraitReport),
}

/// Do the work of the `portrait` command. `Err` is a plain message: the page or the entered
/// MRZ cannot be used.
pub fn portrait_report(args: &PortraitArgs) -> Result<Outcome, String> {
    let entered = entered_mrz(args)?;
    let meta = std::fs::metadata(&args.page_image)
        .map_err(|e| format!("cannot read {}: {e}", args.page_image.display()))?;
    if meta.len() > MAX_PAGE_FILE {
        return Err(format!(
            "{} is {} bytes, more than any page scan ({MAX_PAGE_FILE})",
            args.page_image.display(),
            meta.len()
        ));
    }
    let f = std::fs::File::open(&args.page_image)
        .map_err(|e| format!("cannot read {}: {e}", args.page_image.display()))?;
    let bytes = read_bounded(f, MAX_PAGE_FILE, "the page image")?;
    let page = process(&bytes, entered.as_ref()).map_err(|e| e.to_string())?;
    let writable = page.portrait.as_ref().ok().filter(|p| !p.too_small);
    match writable {
        Some(p) => {
            std::fs::write(&args.out, &p.face.bytes)
                .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
            Ok(Outcome::Written(report(&page, Some(p.face.bytes.len()))))
        }
        None => Ok(Outcome::Refused(report(&page, None))),
    }
}

/// Run the `portrait` subcommand (exit status as the module says).
pub fn run_portrait(args: PortraitArgs) -> ExitCode {
    let (report, code) = match portrait_report(&args) {
        Ok(Outcome::Written(r)) => (r, ExitCode::SUCCESS),
        Ok(Outcome::Refused(r)) => (r, ExitCode::from(2)),
        Err(msg) => {
            eprintln!("portrait: {msg}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("portrait: cannot format the report: {e}"),
        }
    } else {
        print_plain(&report, &args);
    }
    code
}

fn print_plain(r: &PortraitReport, args: &PortraitArgs) {
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!(
        "MRZ: {} line(s) read, check digits {}",
        r.mrz.lines.len(),
        if r.mrz.mrz_valid { "valid" } else { "not valid" }
    );
    if let Some(m) = r.mrz.matches_entered {
        println!("matches the MRZ entered: {}", yes(m));
    }
    match (r.bytes, r.width, r.height) {
        (Some(b), Some(w), Some(h)) => {
            println!("portrait {w}x{h} ({b} bytes) written to {}", args.out.display())
        }
        _ => println!("no portrait written"),
    }
    if let Some(d) = r.eye_distance_px {
        println!("eye distance: {d:.1} px");
    }
    println!("meets the API's image rules: {}", yes(r.meets_requirements));
    for p in &r.problems {
        println!("- {p}");
    }
}
