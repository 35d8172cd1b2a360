//! `enrol-kiosk face INPUT --out FILE [--json]`: turn a chip face image (or a raw EF.DG2)
//! into the upload-ready image and report the API rule checks.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{EncodeMode, EncodePolicy, prepare};

/// Arguments of the `face` subcommand.
#[derive(Debug, clap::Args)]
pub struct FaceArgs {
    /// Image file (JPEG, JP2, J2K, PNG) or a raw EF.DG2 file as read from the chip.
    pub input: PathBuf,
    /// Where to write the upload-ready image.
    #[arg(long)]
    pub out: PathBuf,
    /// Print the report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Override the encode choice: auto, png, jpeg or original.
    #[arg(long, value_enum, default_value_t = CliEncodeMode::Auto)]
    pub encode: CliEncodeMode,
}

/// `--encode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CliEncodeMode {
    /// Original JPEG if it fits, else PNG, else JPEG q≥90.
    Auto,
    /// Always PNG.
    Png,
    /// Always JPEG.
    Jpeg,
    /// The chip's bytes unchanged when the API accepts their format.
    Original,
}

impl From<CliEncodeMode> for EncodeMode {
    fn from(m: CliEncodeMode) -> Self {
        match m {
            CliEncodeMode::Auto => EncodeMode::Auto,
            CliEncodeMode::Png => EncodeMode::Png,
            CliEncodeMode::Jpeg => EncodeMode::Jpeg,
            CliEncodeMode::Original => EncodeMode::Original,
        }
    }
}

/// Largest input file read (a DG2 is well under 1 MB; images under a few MB).
const MAX_INPUT_FILE: u64 = 32 * 1024 * 1024;

pub use super::source::input_image;

/// Do the work of the `face` command: read INPUT, write the upload image to `--out`,
/// return the report. `Err` is a plain message saying why the input cannot be used.
pub fn face_report(args: &FaceArgs) -> Result<super::FaceReport, String> {
    let meta = std::fs::metadata(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    if meta.len() > MAX_INPUT_FILE {
        return Err(format!(
            "{} is {} bytes, more than any face image or DG2 ({MAX_INPUT_FILE})",
            args.input.display(),
            meta.len()
        ));
    }
    let bytes = std::fs::read(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    let (image, eyes) = input_image(&bytes)?;
    let policy = EncodePolicy { mode: args.encode.into(), ..EncodePolicy::default() };
    let prepared = prepare(&image, eyes, &policy).map_err(|e| e.to_string())?;
    std::fs::write(&args.out, &prepared.bytes)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    Ok(prepared.report())
}

/// Run the `face` subcommand. Exit 0 whenever an output image was written (even if rules
/// fail; the report says which), 1 with a plain message when the input cannot be used.
pub fn run_face(args: FaceArgs) -> ExitCode {
    match face_report(&args) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => eprintln!("face: cannot format the report: {e}"),
                }
            } else {
                println!(
                    "{} {}x{} -> {} ({} bytes, {}), written to {}",
                    report.input_format.name(),
                    report.width,
                    report.height,
                    report.media_type,
                    report.bytes,
                    report.encode_path,
                    args.out.display()
                );
                match report.eye_distance_px {
                    Some(d) => {
                        println!("eye distance: {d:.1} px ({})", report.eye_distance_method_detail)
                    }
                    None => println!("eye distance: not measured"),
                }
                println!(
                    "meets the API's image rules: {}",
                    if report.meets_requirements { "yes" } else { "no" }
                );
                for p in &report.problems {
                    println!("- {p}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("face: {msg}");
            ExitCode::FAILURE
        }
    }
}
