//! `bench-read`: reads a simulated passport through pcscd + vpcd on chips with different
//! length limits, with the adaptive reader and with a fixed 223-byte chunk reader — and, for
//! a profile that offers PACE and BAC, with each of them; short-length chips with a silent ATR
//! (the reader probes extended length) and with an ATR announcing their card capabilities —
//! and prints APDU counts and times.
//! A benchmark, not a test: it reports figures, it asserts nothing.

use crate::mrz::AccessKey;
use crate::reader::passport::{ReadOptions, read_passport};
use crate::sim::{Behaviour, Profile};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `bench-read --profile DIR [--latency-ms 37]`
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Simulated passport profile folder, or `demo`.
    #[arg(long, default_value = "tests/data/profiles/jp2")]
    pub profile: String,
    /// Latency the simulated chip adds to every APDU.
    #[arg(long, default_value_t = 37)]
    pub latency_ms: u64,
    /// vpcd port of the virtual reader used.
    #[arg(long, default_value = "127.0.0.1:35964")]
    pub vpcd: String,
    /// Name of that virtual reader.
    #[arg(long, default_value = "Virtual PCD 00 01")]
    pub reader: String,
    /// Repetitions per configuration (the best time is reported).
    #[arg(long, default_value_t = 1)]
    pub runs: u32,
}

struct Row {
    chip: &'static str,
    reader: &'static str,
    access: String,
    /// APDUs, bytes and final chunk size, or why the read failed.
    outcome: Result<(u64, usize, usize), String>,
    ms: u128,
}

/// Waits until pcscd has seen the simulated card leave, so the next run starts clean.
fn wait_absent(pcsc: &crate::card::pcsc::Pcsc, reader: &str) {
    for _ in 0..100 {
        let present = pcsc
            .readers()
            .map(|rs| rs.iter().any(|r| r.name == reader && r.card_present))
            .unwrap_or(false);
        if !present {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn run(args: BenchArgs) -> ExitCode {
    match bench(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e.as_ref()),
    }
}

fn bench(args: &BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let profile = if args.profile == "demo" {
        Profile::demo()?
    } else {
        Profile::load(&PathBuf::from(&args.profile))?
    };
    let key = AccessKey::from_mrz_text(profile.mrz_text())?;
    // (name, extended length, max Le, the ATR's card capabilities tell extended length).
    let chips: [(&str, bool, usize, bool); 5] = [
        ("extended length", true, 65_536, false),
        ("Le <= 256", false, 256, false),
        ("Le <= 256, ATR", false, 256, true),
        ("Le <= 192", false, 192, false),
        ("Le <= 192, ATR", false, 192, true),
    ];
    let mut readers: Vec<(&str, Option<usize>, bool)> =
        vec![("adaptive", None, false), ("fixed 223", Some(223), false)];
    if profile.pace().is_some() && profile.bac_allowed() {
        // The same chip read with BAC, to compare the access protocols.
        readers.push(("adaptive", None, true));
    }
    let mut rows = Vec::new();
    for (chip, extended, max_le, atr_capabilities) in chips {
        for &(reader, fixed, force_bac) in &readers {
            let behaviour = Behaviour {
                extended_length: Some(extended),
                max_le: Some(max_le),
                latency_ms: args.latency_ms,
                atr_capabilities,
                ..Behaviour::default()
            };
            let mut best: Option<Row> = None;
            for _ in 0..args.runs.max(1) {
                let sim = crate::sim::vpcd::spawn(&profile, behaviour.clone(), &args.vpcd)?;
                let pcsc = crate::card::pcsc::Pcsc::establish()?;
                pcsc.wait_for_card(&args.reader, Duration::from_secs(10))?;
                let card = pcsc.connect(&args.reader)?;
                let options =
                    ReadOptions { fixed_chunk: fixed, force_bac, ..ReadOptions::default() };
                let read = read_passport(card, &key, &options, &mut |_, _, _| {});
                let _ = sim.stop();
                wait_absent(&pcsc, &args.reader);
                let row = match read {
                    Ok(read) => Row {
                        chip,
                        reader,
                        access: read.access.clone(),
                        outcome: Ok((
                            read.apdus,
                            read.files.values().map(|f| f.len()).sum(),
                            read.chunk_size,
                        )),
                        ms: read.elapsed.as_millis(),
                    },
                    Err(e) => Row {
                        chip,
                        reader,
                        access: if force_bac { "BAC".into() } else { "-".into() },
                        outcome: Err(e.to_string()),
                        ms: u128::MAX,
                    },
                };
                if best.as_ref().is_none_or(|b| row.ms < b.ms) {
                    best = Some(row);
                }
            }
            rows.extend(best);
        }
    }
    println!("profile {} , {} ms per APDU", args.profile, args.latency_ms);
    println!(
        "{:<16} {:<10} {:<21} {:>6} {:>8} {:>8} {:>6}",
        "chip", "reader", "access", "APDUs", "bytes", "ms", "chunk"
    );
    for r in &rows {
        match &r.outcome {
            Ok((apdus, bytes, chunk)) => println!(
                "{:<16} {:<10} {:<21} {:>6} {:>8} {:>8} {:>6}",
                r.chip, r.reader, r.access, apdus, bytes, r.ms, chunk
            ),
            Err(e) => println!("{:<16} {:<10} {:<21} failed: {e}", r.chip, r.reader, r.access),
        }
    }
    Ok(())
}
