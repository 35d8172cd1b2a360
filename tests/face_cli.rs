//! The `face` command on real chip data (DG2 samples with JPEG 2000 faces, a bare ISO/IEC
//! 19794-5 record), on plain image files, and on unusable input; the JSON report's fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod face_common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use enrol_kiosk::face::cli::{CliEncodeMode, FaceArgs, face_report, input_image, run_face};
use enrol_kiosk::face::decode;
use face_common::*;

const LDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lds");

fn args(input: PathBuf, out: PathBuf) -> FaceArgs {
    FaceArgs { input, out, json: true, encode: CliEncodeMode::Auto }
}

#[test]
fn dg2_samples_give_an_upload_image_and_a_full_report() {
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("jmrtd-bsi2008/DG2.bin", "jp2"),
        ("jmrtd-nl-specimen2006/DG2.bin", "jp2"),
        ("gmrtd-iso39794/ICAO_39794_5_AP_DG2_AllFields.dat", "jp2"),
        ("gmrtd-iso19794/ISO19794_Test1_Data.bin", "jpeg"),
    ] {
        let out = dir.path().join("out.img");
        let a = args(Path::new(LDS).join(name), out.clone());
        let report = face_report(&a).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = serde_json::to_value(&report).unwrap();
        for key in [
            "input_format",
            "output_format",
            "width",
            "height",
            "bytes",
            "eye_distance_px",
            "eye_distance_method",
            "meets_requirements",
            "problems",
        ] {
            assert!(json.get(key).is_some(), "{name}: JSON lacks {key}: {json}");
        }
        assert_eq!(json["input_format"], format, "{name}");
        let written = std::fs::read(&out).unwrap();
        assert_eq!(json["bytes"], written.len(), "{name}");
        // The written image decodes to the reported size.
        let back = decode(&written).unwrap();
        assert_eq!(json["width"], back.image.width(), "{name}");
        assert_eq!(json["height"], back.image.height(), "{name}");
        // A JPEG or JP2 chip image within 2 MB is uploaded unchanged (the API takes both);
        // a raw J2K codestream is re-encoded as PNG.
        if format == "jpeg" || format == "jp2" {
            assert_eq!(json["encode_path"], "original", "{name}");
            assert_eq!(json["output_format"], format, "{name}");
        } else {
            assert_eq!(json["output_format"], "png", "{name}");
        }
        // Passport-sized JPEG 2000 specimens: eyes found, clearly over 85 px. The tiny
        // 148×70 JPEG has no detectable face, and the report must say so.
        if format == "jp2" {
            let d = json["eye_distance_px"].as_f64().unwrap_or(0.0);
            assert!(d > 100.0 && d < 250.0, "{name}: {d}");
            assert_eq!(json["meets_requirements"], true, "{name}: {json}");
        } else {
            assert!(json["eye_distance_px"].is_null(), "{name}");
            assert_eq!(json["meets_requirements"], false, "{name}");
            assert!(!json["problems"].as_array().unwrap().is_empty(), "{name}");
        }
        eprintln!("{name}: {json}");
        assert_eq!(run_face(a), ExitCode::SUCCESS, "{name}");
    }
}

/// The chip images decode like OpenJPEG decodes them (±1 per sample).
#[test]
fn chip_jpeg2000_faces_match_opj_decompress() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "jmrtd-bsi2008/DG2.bin",
        "jmrtd-nl-specimen2006/DG2.bin",
        "gmrtd-iso39794/ICAO_39794_5_AP_DG2_AllFields.dat",
    ] {
        let (image, _) = input_image(&std::fs::read(Path::new(LDS).join(name)).unwrap()).unwrap();
        let f = dir.path().join("face.jp2");
        std::fs::write(&f, &image).unwrap();
        let ours = decode(&image).unwrap();
        let gray = ours.image.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]);
        let (w, h, ch, reference) = opj_decompress(&f, dir.path(), false);
        assert_eq!((w, h), ours.image.dimensions(), "{name}");
        let mut max = 0u8;
        for (i, px) in ours.image.pixels().enumerate() {
            for c in 0..ch {
                max = max.max(px.0[c].abs_diff(reference[i * ch + c]));
            }
        }
        eprintln!("{name}: {w}x{h}, {ch} channels (ours gray: {gray}), max |diff| {max}");
        assert!(max <= 1, "{name}: max diff {max}");
    }
}

#[test]
fn plain_image_input_and_encode_override() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jpg");
    let mut a = args(Path::new(FACES).join("astronaut.png"), out.clone());
    a.encode = CliEncodeMode::Jpeg;
    let r = face_report(&a).unwrap();
    assert_eq!(r.output_format.extension(), "jpg");
    assert!(std::fs::read(&out).unwrap().starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!((r.width, r.height), (512, 512));
}

#[test]
fn unusable_input_fails_with_a_plain_message_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, b"this is not an image at all").unwrap();
    let out = dir.path().join("out.png");
    let e = face_report(&args(bad.clone(), out.clone())).unwrap_err();
    assert!(e.contains("not a JPEG"), "{e}");
    assert!(!out.exists());
    assert_eq!(run_face(args(bad, out.clone())), ExitCode::FAILURE);
    // A DG2 whose image header claims an absurd size.
    let mut forged = std::fs::read(Path::new(LDS).join("jmrtd-bsi2008/DG2.bin")).unwrap();
    let pos = forged.windows(4).position(|w| w == [0xFF, 0x4F, 0xFF, 0x51]).unwrap();
    forged[pos + 8..pos + 12].copy_from_slice(&u32::MAX.to_be_bytes());
    let f = dir.path().join("forged.bin");
    std::fs::write(&f, forged).unwrap();
    let e = face_report(&args(f, out.clone())).unwrap_err();
    assert!(e.contains("too large"), "{e}");
    assert!(!out.exists());
    assert_eq!(run_face(args(dir.path().join("missing.jp2"), out)), ExitCode::FAILURE);
}

/// The demo passport's DG2 carries eye feature points: they are used, and the bundled
/// detector, run on the same picture without them, agrees within 10 %.
#[test]
fn demo_passport_dg2_uses_feature_points_and_the_detector_agrees() {
    use enrol_kiosk::face::{EncodePolicy, EyeDistanceMethod, prepare};
    let dg2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-passport/EF.DG2.bin");
    let dir = tempfile::tempdir().unwrap();
    let r = face_report(&args(dg2.clone(), dir.path().join("o"))).unwrap();
    assert_eq!(r.eye_distance_method, EyeDistanceMethod::FeaturePoints);
    let fp = r.eye_distance_px.unwrap();
    let (image, eyes) = input_image(&std::fs::read(&dg2).unwrap()).unwrap();
    assert!(eyes.is_some());
    let det = prepare(&image, None, &EncodePolicy::default()).unwrap();
    assert_eq!(det.eye_distance_method, EyeDistanceMethod::Detector);
    let d = f64::from(det.eye_distance_px.unwrap());
    assert!((d - fp).abs() <= 0.1 * fp, "feature points {fp}, detector {d}");
}
