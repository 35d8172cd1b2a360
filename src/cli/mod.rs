//! Command-line interface: the subcommands architecture.md names, parsed with clap.

mod bench;
pub(crate) mod read;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// enrol-kiosk: enrol a customer's face with iProov from the photo on their passport chip.
#[derive(Debug, Parser)]
#[command(name = "enrol-kiosk", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The kiosk with a USB NFC reader (PC/SC) and the configured iProov service.
    Gui(crate::kiosk::GuiArgs),
    /// The kiosk with a built-in simulated passport and a built-in fake iProov service.
    Demo(crate::kiosk::DemoArgs),
    /// A whole enrolment without a window: chip, image, iProov calls, scan, validate.
    Run(crate::enrol::cli::RunArgs),
    /// A simulated passport on the virtual reader, read through PC/SC (no window).
    ChipDemo(read::DemoArgs),
    /// List PC/SC readers and whether a card is present.
    Readers(read::ReadersArgs),
    /// Read a passport chip and write its files and report.json.
    Read(read::ReadArgs),
    /// Attach a simulated passport chip to pcscd through vsmartcard's vpcd.
    Simulate(crate::sim::cli::SimulateArgs),
    /// Make a simulated-passport profile from an MRZ and a face image.
    MakeProfile(crate::sim::cli::MakeProfileArgs),
    /// Turn a chip photo (an image or a raw EF.DG2) into an upload-ready image and check the
    /// API's image rules.
    Face(crate::face::cli::FaceArgs),
    /// Crop the portrait from a scanned passport photo page and read its MRZ by OCR (the
    /// `oid` source).
    Portrait(crate::page::cli::PortraitArgs),
    /// Run the photo-enrol calls for an image: enrol token, image upload, verify token.
    Enrol(crate::iproov::cli::EnrolArgs),
    /// Enrol many photos on file from a CSV manifest (token and upload per row, no face scan).
    EnrolBatch(crate::iproov::batch::cli::EnrolBatchArgs),
    /// Validate a verify token after the face scan.
    Validate(crate::iproov::cli::ValidateArgs),
    /// Run the local fake of the iProov API.
    FakeIproov(crate::iproov::cli::FakeIproovArgs),
    /// List or export the enrolment records.
    Records(crate::records::cli::RecordsArgs),
    /// Benchmark chip reading through pcscd + vpcd against simulated chips.
    BenchRead(bench::BenchArgs),
    /// Benchmark the eye locator on a labelled face set at several sizes and compressions.
    BenchEyes(crate::face::bench::cli::BenchEyesArgs),
}

/// `enrol-kiosk` with no subcommand runs `gui` with its defaults.
#[derive(Debug, Parser)]
struct DefaultGui {
    #[command(flatten)]
    args: crate::kiosk::GuiArgs,
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        None => crate::kiosk::run_gui(DefaultGui::parse_from(["enrol-kiosk"]).args),
        Some(Command::Gui(a)) => crate::kiosk::run_gui(a),
        Some(Command::Demo(a)) => crate::kiosk::run_demo(a),
        Some(Command::Run(a)) => crate::enrol::cli::run_headless(a),
        Some(Command::ChipDemo(a)) => read::run_demo(a),
        Some(Command::Readers(a)) => read::run_readers(a),
        Some(Command::Read(a)) => read::run_read(a),
        Some(Command::Simulate(a)) => match crate::sim::cli::run_simulate(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Some(Command::MakeProfile(a)) => match crate::sim::cli::run_make_profile(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Some(Command::Face(a)) => crate::face::cli::run_face(a),
        Some(Command::Portrait(a)) => crate::page::cli::run_portrait(a),
        Some(Command::Enrol(a)) => crate::iproov::cli::run_enrol(a),
        Some(Command::EnrolBatch(a)) => crate::iproov::batch::cli::run_enrol_batch(a),
        Some(Command::Validate(a)) => crate::iproov::cli::run_validate(a),
        Some(Command::FakeIproov(a)) => crate::iproov::cli::run_fake_iproov(a),
        Some(Command::Records(a)) => crate::records::cli::run_records(a),
        Some(Command::BenchRead(a)) => bench::run(a),
        Some(Command::BenchEyes(a)) => crate::face::bench::cli::run_bench_eyes(a),
    }
}

/// Prints an error and its causes for a person, and returns a failure status.
pub fn fail(e: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {e}");
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  because: {s}");
        source = s.source();
    }
    ExitCode::FAILURE
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ENROL_KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
