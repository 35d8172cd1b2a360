//! `enrol-kiosk bench-eyes DIR --labels FILE`: the eye-locator benchmark over a labelled face
//! set (see tests/data/faces/PROVENANCE.md). A benchmark, not a test: it prints figures.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Outcome, TABLE_HEADER, Variant, format_row, load, measure, parse_labels, summarise};

/// Arguments of `bench-eyes`.
#[derive(Debug, clap::Args)]
pub struct BenchEyesArgs {
    /// Folder holding the labelled images.
    pub dir: PathBuf,
    /// Labels CSV: `file,left_x,left_y,right_x,right_y` (eye centres in the file's pixels).
    #[arg(long)]
    pub labels: PathBuf,
    /// True inter-eye distances to scale each face to, in pixels.
    #[arg(long, value_delimiter = ',', default_value = "60,76,85,100,150")]
    pub targets: Vec<f32>,
    /// Use only the first N labelled images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Also list every measurement off by more than 10 %.
    #[arg(long)]
    pub verbose: bool,
}

/// Runs `bench-eyes`.
pub fn run_bench_eyes(args: BenchEyesArgs) -> ExitCode {
    match bench(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => crate::cli::fail(&e),
    }
}

fn bench(args: &BenchEyesArgs) -> Result<(), super::BenchError> {
    let text = std::fs::read_to_string(&args.labels).map_err(|e| super::BenchError::Io {
        path: args.labels.display().to_string(),
        what: e.to_string(),
    })?;
    let mut labels = parse_labels(&text)?;
    labels.truncate(args.limit.unwrap_or(usize::MAX));
    let targets: Vec<f32> = args
        .targets
        .iter()
        .copied()
        .filter(|t| t.is_finite() && (20.0..=600.0).contains(t))
        .collect();
    let started = std::time::Instant::now();
    // The images are independent: one worker per core, each taking the next unmeasured image.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_worker: Vec<Result<Vec<Outcome>, super::BenchError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(label) = labels.get(i) else { return Ok(mine) };
                        let img = load(&args.dir, label)?;
                        for &t in &targets {
                            for v in Variant::ALL {
                                let mut o = measure(&img, label.eyes, t, v)?;
                                o.file.clone_from(&label.file);
                                mine.push(o);
                            }
                        }
                        eprintln!(
                            "{}/{} {} ({:.0?})",
                            i + 1,
                            labels.len(),
                            label.file,
                            started.elapsed()
                        );
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Ok(Vec::new()))).collect()
    });
    let mut all: Vec<Outcome> = Vec::new();
    for part in per_worker {
        all.extend(part?);
    }
    all.sort_by(|a, b| a.file.cmp(&b.file));
    println!(
        "{} images × {} distances × {} variants",
        labels.len(),
        targets.len(),
        Variant::ALL.len()
    );
    println!("{TABLE_HEADER}");
    for v in Variant::ALL {
        let of: Vec<Outcome> = all.iter().filter(|o| o.variant == v).cloned().collect();
        println!("{}", format_row(&v.name(), &summarise(&of)));
    }
    for &t in &targets {
        let of: Vec<Outcome> =
            all.iter().filter(|o| (o.truth_px - t).abs() < 0.05 * t).cloned().collect();
        println!("{}", format_row(&format!("{t} px"), &summarise(&of)));
    }
    println!("{}", format_row("all", &summarise(&all)));
    if args.verbose {
        for o in all.iter().filter(|o| o.relative_error().is_none_or(|e| e > 0.10)) {
            println!(
                "  {} {} truth {:.1} measured {:?} eyes {:.1?} found {:.1?}",
                o.file,
                o.variant.name(),
                o.truth_px,
                o.measured_px.map(|m| (m * 10.0).round() / 10.0),
                o.truth_eyes,
                o.measured_eyes,
            );
        }
    }
    Ok(())
}
