//! The eye locator against a labelled public face set (the Face Research Lab London Set, CC BY
//! 4.0; tests/data/faces/PROVENANCE.md), held to the targets it is built for: a median
//! distance error of at most 5 %, at most 10 % at the 95th percentile, and no face whose eyes are
//! 10 % or more below 85 px accepted. Every labelled face, at distances on both sides of the line,
//! under each degradation the kiosk meets: JPEG 2000 at 20:1 and 40:1, grey-scale, ±5° rotation
//! and spectacle frames. `enrol-kiosk bench-eyes` prints the same figures over more
//! distances.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use enrol_kiosk::face::bench::{Outcome, Variant, load, measure, parse_labels, summarise};

const SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faces/london");

/// True eye distances on each side of the line: 10 % below 85 px (where an overestimate turns
/// into a wrong "meets") and clearly large enough.
const DISTANCES: [f32; 2] = [76.0, 100.0];

fn outcomes(v: Variant) -> Vec<Outcome> {
    let labels =
        parse_labels(&std::fs::read_to_string(format!("{SET}/labels.csv")).unwrap()).unwrap();
    assert!(labels.len() >= 49, "the labelled set is incomplete: {}", labels.len());
    let mut out = Vec::new();
    for label in &labels {
        let img = load(Path::new(SET), label).unwrap();
        for t in DISTANCES {
            let mut o = measure(&img, label.eyes, t, v).unwrap();
            o.file.clone_from(&label.file);
            out.push(o);
        }
    }
    out
}

fn holds_the_targets(v: Variant) {
    let all = outcomes(v);
    let s = summarise(&all);
    let worst: Vec<String> = all
        .iter()
        .filter(|o| o.relative_error().is_none_or(|e| e > 0.10))
        .map(|o| format!("{} at {:.0} px: {:?}", o.file, o.truth_px, o.measured_px))
        .collect();
    eprintln!(
        "{}: n {} found {} median {:.1} % p95 {:.1} % max {:.1} % wrong meets {} wrong refusals {}\n{worst:#?}",
        v.name(),
        s.n,
        s.found,
        100.0 * s.median,
        100.0 * s.p95,
        100.0 * s.max,
        s.wrong_meets,
        s.wrong_refusals
    );
    assert_eq!(s.wrong_meets, 0, "{}: a face 10 % or more below 85 px was accepted", v.name());
    assert!(s.median <= 0.05, "{}: median error {:.3}", v.name(), s.median);
    assert!(s.p95 <= 0.10, "{}: 95th percentile error {:.3}", v.name(), s.p95);
    // Found on nearly every face: a locator that refuses everything would also meet the
    // targets above.
    assert!(s.found * 100 >= s.n * 97, "{}: eyes found on {} of {}", v.name(), s.found, s.n);
}

#[test]
fn jpeg_2000_at_20_to_1() {
    holds_the_targets(Variant::Jp2(20));
}

#[test]
fn jpeg_2000_at_40_to_1() {
    holds_the_targets(Variant::Jp2(40));
}

#[test]
fn grey_scale() {
    holds_the_targets(Variant::Grey);
}

#[test]
fn rotated_5_degrees_anticlockwise() {
    holds_the_targets(Variant::Rotate(5.0));
}

#[test]
fn rotated_5_degrees_clockwise() {
    holds_the_targets(Variant::Rotate(-5.0));
}

#[test]
fn spectacle_frames() {
    holds_the_targets(Variant::Glasses);
}
