//! Inter-eye distance: the bundled detector against hand-annotated eye centres on real
//! public-domain portraits (tests/data/faces/PROVENANCE.md) at several scales, within ±10 %,
//! and the 85-pixel verdict on both sides of the line; feature points take precedence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod face_common;

use enrol_kiosk::face::{EncodePolicy, EyeCentres, EyeDistanceMethod, prepare};
use face_common::*;
use image::imageops::{FilterType, resize};

struct Portrait {
    file: &'static str,
    left: (f32, f32),
    right: (f32, f32),
    scales: &'static [f32],
}

const PORTRAITS: &[Portrait] = &[
    Portrait {
        file: "astronaut.png",
        left: (203.5, 101.0),
        right: (246.5, 103.0),
        scales: &[1.0, 1.5, 2.5, 3.0],
    },
    Portrait {
        file: "grace_hopper.jpg",
        left: (222.0, 189.0),
        right: (306.0, 186.5),
        scales: &[0.6, 0.8, 1.0, 1.3, 1.6],
    },
];

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn eye_problem(problems: &[String]) -> bool {
    problems.iter().any(|p| p.contains("pixels apart"))
}

#[test]
fn detector_eye_distance_within_ten_percent_at_several_scales() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for p in PORTRAITS {
        let img = image::open(format!("{FACES}/{}", p.file)).unwrap().into_rgb8();
        let truth = dist(p.left, p.right);
        for &s in p.scales {
            let (w, h) = ((img.width() as f32 * s) as u32, (img.height() as f32 * s) as u32);
            let scaled = resize(&img, w, h, FilterType::CatmullRom);
            let mut jpg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 95)
                .encode_image(&scaled)
                .unwrap();
            let f = prepare(&jpg, None, &EncodePolicy::default()).unwrap();
            let expected = truth * s;
            let line = format!(
                "{} x{s}: annotated {expected:.1} px, measured {:?} ({:?})",
                p.file, f.eye_distance_px, f.eye_distance_method
            );
            report.push(line.clone());
            let Some(d) = f.eye_distance_px else {
                failures.push(format!("{line}: eyes not found"));
                continue;
            };
            assert_eq!(f.eye_distance_method, EyeDistanceMethod::Detector);
            if (d - expected).abs() > 0.10 * expected {
                failures.push(format!("{line}: off by more than 10 %"));
            }
            // Each measured centre lies near its annotated centre too.
            let (l, r) = f.eyes.unwrap();
            let tol = 0.15 * expected;
            let ok = dist(l, (p.left.0 * s, p.left.1 * s)) < tol
                && dist(r, (p.right.0 * s, p.right.1 * s)) < tol;
            if !ok {
                failures.push(format!("{line}: centres {l:?} {r:?} far from the annotation"));
            }
            // The verdict where the truth is clearly on one side of 85 px.
            if expected < 85.0 * 0.9 {
                assert!(eye_problem(&f.problems), "{line}: {:?}", f.problems);
                assert!(!f.meets_requirements, "{line}");
            } else if expected > 85.0 * 1.1 {
                assert!(!eye_problem(&f.problems), "{line}: {:?}", f.problems);
                assert!(f.meets_requirements, "{line}: {:?}", f.problems);
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The astronaut portrait enlarged so its annotated eyes are 85.2 px apart, PNG.
fn portrait_85() -> Vec<u8> {
    let img = portrait(760, 1013);
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

#[test]
fn feature_points_the_detector_confirms_are_used_and_decide_the_line() {
    let png = portrait_85();
    // The annotated centres (276.1, 199.9) and (361.2, 203.8), as a record would carry them.
    let at = |d: u16| EyeCentres { first: (276 + d, 201), second: (276, 201) };
    let pass = prepare(&png, Some(at(85)), &EncodePolicy::default()).unwrap();
    assert_eq!(pass.eye_distance_method, EyeDistanceMethod::FeaturePoints, "{:?}", pass.problems);
    assert_eq!(pass.eye_distance_px, Some(85.0));
    assert!(pass.meets_requirements, "{:?}", pass.problems);
    let fail = prepare(&png, Some(at(84)), &EncodePolicy::default()).unwrap();
    assert_eq!(fail.eye_distance_method, EyeDistanceMethod::FeaturePoints);
    assert_eq!(fail.eye_distance_px, Some(84.0));
    assert!(!fail.meets_requirements);
    assert!(eye_problem(&fail.problems));
}

#[test]
fn feature_points_that_disagree_with_the_detector_are_not_used_and_it_is_said() {
    let png = portrait_85();
    // A record claiming the eyes are 130 px apart on a face whose eyes are 85 px apart: taken
    // at its word it would pass a face the detector measures near the line.
    let eyes = EyeCentres { first: (255, 201), second: (385, 201) };
    let f = prepare(&png, Some(eyes), &EncodePolicy::default()).unwrap();
    assert_eq!(f.eye_distance_method, EyeDistanceMethod::Detector, "{:?}", f.problems);
    let d = f.eye_distance_px.unwrap();
    assert!((d - 85.2).abs() < 0.1 * 85.2, "{d}");
    assert!(f.problems.iter().any(|p| p.contains("disagree")), "{:?}", f.problems);
}

#[test]
fn unconfirmable_feature_points_are_used_and_said_so() {
    let img = image::RgbImage::from_pixel(300, 400, image::Rgb([120, 120, 120]));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let eyes = EyeCentres { first: (100, 150), second: (200, 150) };
    let f = prepare(&png, Some(eyes), &EncodePolicy::default()).unwrap();
    assert_eq!(f.eye_distance_method, EyeDistanceMethod::FeaturePoints);
    assert_eq!(f.eye_distance_px, Some(100.0));
    assert!(f.problems.iter().any(|p| p.contains("without a check")), "{:?}", f.problems);
}

#[test]
fn out_of_image_feature_points_fall_back_to_the_detector_and_say_so() {
    let img = portrait(480, 640);
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let eyes = EyeCentres { first: (5000, 10), second: (10, 10) };
    let f = prepare(&png, Some(eyes), &EncodePolicy::default()).unwrap();
    assert_ne!(f.eye_distance_method, EyeDistanceMethod::FeaturePoints);
    assert!(f.problems.iter().any(|p| p.contains("feature points")));
}

#[test]
fn no_face_is_said_plainly() {
    let img = image::RgbImage::from_fn(300, 400, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let f = prepare(&png, None, &EncodePolicy::default()).unwrap();
    assert_eq!(f.eye_distance_px, None);
    assert_eq!(f.eye_distance_method, EyeDistanceMethod::None);
    assert!(!f.meets_requirements);
    assert!(f.problems.iter().any(|p| p.contains("no frontal face")), "{:?}", f.problems);
}

/// The case the locator was rebuilt for: a lossily compressed JPEG 2000 portrait of a person
/// wearing glasses (Grace Hopper), at 20:1 and 40:1, was once measured 41 % too far apart.
#[test]
fn glasses_in_lossy_jpeg_2000_are_measured_within_ten_percent() {
    let p = &PORTRAITS[1];
    let img = image::open(format!("{FACES}/{}", p.file)).unwrap().into_rgb8();
    let dir = tempfile::tempdir().unwrap();
    let truth = dist(p.left, p.right);
    // Clearly below the line (59 px) and clearly above it (109 px).
    for s in [0.7f32, 1.3] {
        let (w, h) = ((img.width() as f32 * s) as u32, (img.height() as f32 * s) as u32);
        let src = dir.path().join(format!("hopper-{s}.ppm"));
        write_ppm(&src, &resize(&img, w, h, FilterType::CatmullRom));
        for ratio in ["20", "40"] {
            let out = dir.path().join(format!("hopper-{s}-{ratio}.jp2"));
            opj_compress(&src, &out, &["-r", ratio]);
            let f = prepare(&std::fs::read(&out).unwrap(), None, &EncodePolicy::default()).unwrap();
            let expected = truth * s;
            let d = f.eye_distance_px.unwrap_or_else(|| panic!("x{s} {ratio}:1: {:?}", f.problems));
            assert!((d - expected).abs() <= 0.10 * expected, "x{s} {ratio}:1: {d} vs {expected}");
            assert_eq!(
                f.meets_requirements,
                expected > 85.0,
                "x{s} {ratio}:1: {d} {:?}",
                f.problems
            );
        }
    }
}
