//! Eye-locator benchmark: the bundled locator ([`super::measure_eyes`] without feature points)
//! over a labelled face set at several true eye distances and degradations, scored by the
//! relative error of the inter-eye distance and by the API's 85-pixel verdict.

pub mod cli;
pub mod variant;

use std::path::Path;

use image::RgbImage;

pub use variant::{Eyes, Variant};

use super::{FaceError, MIN_EYE_DISTANCE_PX, decode, rules};

/// Errors of the benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The labels file is malformed.
    #[error("labels line {line}: {what}")]
    Labels {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// A file could not be read.
    #[error("{path}: {what}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        what: String,
    },
    /// An image could not be decoded or encoded.
    #[error(transparent)]
    Face(#[from] FaceError),
    /// An external tool (opj_compress) failed.
    #[error("{0}")]
    Tool(String),
}

/// One labelled image: its file name and its two eye centres (left-most first).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// File name inside the set's folder.
    pub file: String,
    /// Eye centres in the file's pixels.
    pub eyes: Eyes,
}

/// Parse `file,left_x,left_y,right_x,right_y` lines (a header line starting `file` and blank
/// or `#` lines are skipped). File names must be plain names (no folders).
pub fn parse_labels(text: &str) -> Result<Vec<Label>, BenchError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("file,") {
            continue;
        }
        let bad = |what: &str| BenchError::Labels { line: i + 1, what: what.to_string() };
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [file, v @ ..] = cols.as_slice() else { return Err(bad("empty line")) };
        if v.len() != 4 {
            return Err(bad("expected 5 columns: file,left_x,left_y,right_x,right_y"));
        }
        if file.is_empty() || file.contains('/') || file.contains('\\') || file.starts_with('.') {
            return Err(bad("file must be a plain file name"));
        }
        let mut n = [0f32; 4];
        for (slot, s) in n.iter_mut().zip(v) {
            *slot = s.parse::<f32>().map_err(|_| bad("coordinate is not a number"))?;
            if !slot.is_finite() || *slot < 0.0 || *slot > 100_000.0 {
                return Err(bad("coordinate out of range"));
            }
        }
        let (a, b) = ((n[0], n[1]), (n[2], n[3]));
        if rules::distance(a, b) < 4.0 {
            return Err(bad("the two eyes coincide"));
        }
        let eyes = if a.0 <= b.0 { (a, b) } else { (b, a) };
        out.push(Label { file: file.to_string(), eyes });
    }
    Ok(out)
}

/// One measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The image's file name.
    pub file: String,
    /// The degradation.
    pub variant: Variant,
    /// The true eye distance after scaling, in pixels.
    pub truth_px: f32,
    /// The measured distance, or `None` when the locator said it found no eyes.
    pub measured_px: Option<f32>,
    /// The true eye centres in the degraded image.
    pub truth_eyes: Eyes,
    /// The measured eye centres.
    pub measured_eyes: Option<Eyes>,
}

impl Outcome {
    /// |measured − truth| / truth, when measured.
    pub fn relative_error(&self) -> Option<f32> {
        self.measured_px.map(|m| (m - self.truth_px).abs() / self.truth_px)
    }
    /// The kiosk would accept the face's size.
    pub fn meets(&self) -> bool {
        self.measured_px.is_some_and(|m| m >= MIN_EYE_DISTANCE_PX)
    }
}

/// Measure one labelled image at one true eye distance and degradation.
pub fn measure(
    img: &RgbImage,
    eyes: Eyes,
    target_px: f32,
    v: Variant,
) -> Result<Outcome, BenchError> {
    let (scaled, eyes) = variant::scale_to(img, eyes, target_px);
    let (seen, eyes) = variant::apply(&scaled, eyes, v)?;
    let mut problems = Vec::new();
    let (found, _) = super::measure_eyes(&seen, None, &mut problems);
    Ok(Outcome {
        file: String::new(),
        variant: v,
        truth_px: rules::distance(eyes.0, eyes.1),
        measured_px: found.map(|(a, b)| rules::distance(a, b)),
        truth_eyes: eyes,
        measured_eyes: found,
    })
}

/// Read and decode one labelled image from `dir`.
pub fn load(dir: &Path, label: &Label) -> Result<RgbImage, BenchError> {
    let path = dir.join(&label.file);
    let bytes = std::fs::read(&path)
        .map_err(|e| BenchError::Io { path: path.display().to_string(), what: e.to_string() })?;
    Ok(std::mem::take(&mut decode(&bytes)?.image))
}

/// Figures over a set of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Measurements.
    pub n: usize,
    /// Of which the locator gave a distance.
    pub found: usize,
    /// Median relative error of the found ones.
    pub median: f32,
    /// 95th percentile relative error of the found ones.
    pub p95: f32,
    /// Largest relative error.
    pub max: f32,
    /// Clear cases (truth ≥ 10 % away from 85 px) whose verdict was right; a face refused
    /// because no eyes were found counts as right when the truth is below the line.
    pub verdict_right: usize,
    /// Clear cases.
    pub verdict_cases: usize,
    /// Faces 10 % or more below 85 px that were wrongly accepted.
    pub wrong_meets: usize,
    /// Faces 10 % or more above 85 px refused (too small a measure, or no eyes found).
    pub wrong_refusals: usize,
}

/// Summarise outcomes.
pub fn summarise(outcomes: &[Outcome]) -> Summary {
    let mut errs: Vec<f32> = outcomes.iter().filter_map(Outcome::relative_error).collect();
    errs.sort_by(f32::total_cmp);
    let pct = |p: f32| -> f32 {
        if errs.is_empty() {
            return f32::NAN;
        }
        let i = ((errs.len() as f32 * p).ceil() as usize).clamp(1, errs.len()) - 1;
        errs[i]
    };
    let mut s = Summary {
        n: outcomes.len(),
        found: errs.len(),
        median: pct(0.5),
        p95: pct(0.95),
        max: errs.last().copied().unwrap_or(f32::NAN),
        ..Summary::default()
    };
    for o in outcomes {
        let below = o.truth_px <= 0.9 * MIN_EYE_DISTANCE_PX;
        let above = o.truth_px >= 1.1 * MIN_EYE_DISTANCE_PX;
        if below || above {
            s.verdict_cases += 1;
            if o.meets() == above {
                s.verdict_right += 1;
            }
        }
        if below && o.meets() {
            s.wrong_meets += 1;
        }
        if above && !o.meets() {
            s.wrong_refusals += 1;
        }
    }
    s
}

/// One table line for `name`.
pub fn format_row(name: &str, s: &Summary) -> String {
    format!(
        "{name:<14} {:>5} {:>6.1}% {:>6.1}% {:>6.1}% {:>6.1}% {:>6.1}% {:>5} {:>5}",
        s.n,
        100.0 * s.found as f32 / s.n.max(1) as f32,
        100.0 * s.median,
        100.0 * s.p95,
        100.0 * s.max,
        100.0 * s.verdict_right as f32 / s.verdict_cases.max(1) as f32,
        s.wrong_meets,
        s.wrong_refusals,
    )
}

/// The table's header line.
pub const TABLE_HEADER: &str =
    "variant            n  found  median    p95    max verdict wrong-meets wrong-refusals";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_hostile_lines_are_refused() {
        let l = parse_labels("file,left_x,left_y,right_x,right_y\na.jpg,30,40,10,41\n").unwrap();
        assert_eq!(l[0].eyes, ((10.0, 41.0), (30.0, 40.0)));
        for bad in ["../x.jpg,1,2,30,4", "a.jpg,1,2,3", "a.jpg,1,2,NaN,4", "a.jpg,1,1,1,1"] {
            assert!(parse_labels(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn summary_counts_wrong_meets_and_refusals() {
        let o = |truth: f32, m: Option<f32>| Outcome {
            file: String::new(),
            variant: Variant::Grey,
            truth_px: truth,
            measured_px: m,
            truth_eyes: ((0.0, 0.0), (truth, 0.0)),
            measured_eyes: None,
        };
        let s =
            summarise(&[o(70.0, Some(90.0)), o(70.0, None), o(100.0, Some(101.0)), o(100.0, None)]);
        assert_eq!((s.n, s.found, s.verdict_cases, s.verdict_right), (4, 2, 4, 2));
        assert_eq!((s.wrong_meets, s.wrong_refusals), (1, 1));
        assert!((s.max - 20.0 / 70.0).abs() < 1e-6);
    }
}
