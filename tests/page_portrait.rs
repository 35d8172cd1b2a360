//! The photo page's portrait (`page::portrait`, `page::process`) and the `enrol-kiosk portrait`
//! command on synthetic TD3 and TD1 pages (tests/page_common: the ICAO specimens' MRZ in OCR-B
//! and a public-domain face, at 600/400/300/150 dpi with small rotations), measured against
//! the generator's truth: the MRZ read and verified, the eye distance within 10 %, the 150 dpi
//! page refused for size, a wrong entered MRZ reported as not matching.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "page_common/mod.rs"]
mod page_common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use enrol_kiosk::face::{EncodePolicy, InputFormat, decode};
use enrol_kiosk::mrz::MrzFormat;
use enrol_kiosk::page::MrzBand;
use enrol_kiosk::page::portrait::{Located, crop_portrait};
use page_common::{Doc, PageSpec, PageTruth, png_bytes, render};

const KIOSK: &str = env!("CARGO_BIN_EXE_enrol-kiosk");

/// The pages of the issue: both documents at four resolutions, each with a small rotation.
const CASES: [(Doc, u32, f32); 8] = [
    (Doc::Td3, 600, 1.5),
    (Doc::Td3, 400, -2.0),
    (Doc::Td3, 300, 3.0),
    (Doc::Td3, 150, -1.0),
    (Doc::Td1, 600, -1.5),
    (Doc::Td1, 400, 2.0),
    (Doc::Td1, 300, -3.0),
    (Doc::Td1, 150, 1.0),
];

fn band_of(t: &PageTruth) -> MrzBand {
    let (s, e) = (t.mrz_first_line_start, t.mrz_first_line_end);
    MrzBand {
        format: if t.doc == Doc::Td3 { MrzFormat::Td3 } else { MrzFormat::Td1 },
        first_line_start: s,
        first_line_end: e,
        line_pitch: t.mrz_line_pitch,
        angle_deg: t.rotation_deg,
    }
}

fn run(args: &[&str], stdin: Option<&str>) -> (i32, serde_json::Value, String) {
    let mut child = Command::new(KIOSK)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut i = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            i.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// The crop from the page geometry alone (the truth's MRZ band, no OCR): the face is found in
/// the zone (TD3) or on the card's front (TD1), the eye distance within 10 % of the truth at
/// every resolution, the page's rotation corrected, the 150 dpi portrait refused.
#[test]
fn portrait_from_the_band_geometry_matches_the_truth() {
    eprintln!("doc  dpi  rot   truth_px  measured_px  error   crop_ms");
    for (doc, dpi, angle) in CASES {
        let (img, truth) = render(&PageSpec::specimen(doc, dpi, angle));
        let band = band_of(&truth);
        let t0 = Instant::now();
        let got = crop_portrait(&img, Some(&band), InputFormat::Png, &EncodePolicy::default())
            .unwrap_or_else(|e| panic!("{doc:?} {dpi}: {e}"));
        let ms = t0.elapsed().as_millis();
        let want = if doc == Doc::Td3 { Located::PortraitZone } else { Located::CardFront };
        assert_eq!(got.located, want, "{doc:?} {dpi}: {:?}", got.face.problems);
        let d = got.face.eye_distance_px.unwrap();
        let err = (d - truth.eye_distance) / truth.eye_distance;
        eprintln!(
            "{doc:?}  {dpi:>3}  {angle:>4.1}  {:>8.1}  {d:>11.1}  {:>+5.1} %  {ms}",
            truth.eye_distance,
            err * 100.0
        );
        assert!(err.abs() < 0.10, "{doc:?} {dpi}: {d} vs {}", truth.eye_distance);
        assert!((got.rotation_deg - angle).abs() < 0.1, "{doc:?} {dpi}: {}", got.rotation_deg);
        assert_eq!(got.too_small, truth.eye_distance < 85.0, "{doc:?} {dpi}");
        assert_eq!(got.too_small, dpi == 150, "{doc:?} {dpi}: truth {}", truth.eye_distance);
    }
}

/// The command on every page: the eye distance within 10 % of the truth, FILE written at
/// 600/400/300 dpi (exit 0) and refused at 150 dpi (exit 2, nothing written, "600 dpi" in the
/// problems), never enlarged. Prints the per-page figures (whole command, OCR included).
#[test]
fn portrait_command_crops_and_refuses_small_scans() {
    let dir = tempfile::tempdir().unwrap();
    eprintln!("doc  dpi  rot   truth_px  measured_px  error   ms");
    for (doc, dpi, angle) in CASES {
        let (img, truth) = render(&PageSpec::specimen(doc, dpi, angle));
        let page = dir.path().join(format!("{doc:?}-{dpi}.png"));
        std::fs::write(&page, png_bytes(&img)).unwrap();
        let out = dir.path().join(format!("{doc:?}-{dpi}-portrait.img"));
        let t0 = Instant::now();
        let (code, json, stderr) = run(
            &["portrait", page.to_str().unwrap(), "--out", out.to_str().unwrap(), "--json"],
            None,
        );
        let ms = t0.elapsed().as_millis();
        let name = format!("{doc:?} {dpi} dpi");
        assert_eq!(json["source"], "oid", "{name}: {json} {stderr}");
        assert!(json["mrz"].get("matches_entered").is_none(), "{name}: no --mrz given");
        // The MRZ read by OCR and every check digit verified.
        assert_eq!(json["mrz"]["mrz_valid"], true, "{name}: {json}");
        let lines: Vec<&str> =
            json["mrz"]["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(lines, truth.mrz_lines, "{name}");
        assert_eq!(json["mrz"]["fields"]["primary_identifier"], "ERIKSSON", "{name}");
        let d = json["eye_distance_px"].as_f64().unwrap() as f32;
        let err = (d - truth.eye_distance) / truth.eye_distance;
        eprintln!(
            "{:?}  {dpi:>3}  {angle:>4.1}  {:>8.1}  {d:>11.1}  {:>+5.1} %  {ms}",
            doc,
            truth.eye_distance,
            err * 100.0
        );
        assert!(err.abs() < 0.10, "{name}: {d} vs {}", truth.eye_distance);
        assert_eq!(json["scale"], 1.0, "{name}");
        if dpi == 150 {
            assert_eq!(code, 2, "{name}: refused: {json}");
            assert!(!out.exists(), "{name}: nothing written");
            assert!(json["bytes"].is_null() && json["output_format"].is_null(), "{name}");
            assert_eq!(json["meets_requirements"], false, "{name}");
            let problems = json["problems"].to_string();
            // The resolution the MRZ gave is named.
            assert!(problems.contains("600 dpi") && problems.contains("150 dpi"), "{problems}");
        } else {
            assert_eq!(code, 0, "{name}: {json} {stderr}");
            let written = std::fs::read(&out).unwrap();
            assert_eq!(json["bytes"], written.len(), "{name}");
            assert!(written.len() <= 2_000_000, "{name}");
            let back = decode(&written).unwrap();
            assert_eq!(json["width"], back.image.width(), "{name}");
            assert_eq!(json["height"], back.image.height(), "{name}");
            // Token proportions at the page's resolution: about 4 eye distances wide.
            let w = back.image.width() as f32;
            assert!(w >= 3.2 * d - 2.0 && w <= 4.0 * d + 2.0, "{name}: {w} for {d}");
            assert_eq!(json["meets_requirements"], true, "{name}: {json}");
        }
        // Nothing of the MRZ on standard error.
        assert!(!stderr.contains("ERIKSSON") && !stderr.contains("L898902C3"), "{stderr}");
    }
}

/// Not an image: exit 1 with a plain message, nothing written.
#[test]
fn unusable_page_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.png");
    std::fs::write(&page, b"not an image at all").unwrap();
    let out = dir.path().join("out.img");
    let (code, _, stderr) =
        run(&["portrait", page.to_str().unwrap(), "--out", out.to_str().unwrap()], None);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("portrait:"), "{stderr}");
    assert!(!Path::new(&out).exists());
}

/// `page::process_with` with the page's MRZ as OCR would give it (the generator's lines and
/// band): the entered MRZ matches when it is the same document; another document number
/// does not, with a plain sentence naming the field and never a value, and nothing to upload.
#[test]
fn process_compares_the_page_with_the_entered_mrz() {
    use enrol_kiosk::mrz::Mrz;
    use enrol_kiosk::page::PageMrz;
    use enrol_kiosk::page::process::{OcrOutcome, process_with};
    let (img, truth) = render(&PageSpec::specimen(Doc::Td3, 300, 1.0));
    let bytes = png_bytes(&img);
    let right = page_common::specimen_td3();
    let mut other = right.clone();
    other.document_number = "X12345678".to_string();
    let ocr = |_: &image::GrayImage| -> OcrOutcome {
        let refs: Vec<&str> = truth.mrz_lines.iter().map(String::as_str).collect();
        Ok(PageMrz {
            lines: zeroize::Zeroizing::new(truth.mrz_lines.clone()),
            parsed: Some(Mrz::from_lines(MrzFormat::Td3, &refs).unwrap()),
            problems: Vec::new(),
            band: band_of(&truth),
        })
    };
    let policy = EncodePolicy::default();
    let same = process_with(&bytes, Some(&right), &policy, ocr).unwrap();
    assert_eq!(same.matches_entered(), Some(true));
    assert!(same.upload().is_some(), "{:?}", same.problems());
    let p = same.portrait.as_ref().unwrap();
    assert_eq!(p.located, Located::PortraitZone);
    assert!(p.dpi.is_some_and(|d| (d - 300.0).abs() < 3.0), "{:?}", p.dpi);

    let differs = process_with(&bytes, Some(&other), &policy, ocr).unwrap();
    assert_eq!(differs.matches_entered(), Some(false));
    assert!(differs.upload().is_none(), "a mismatch stops the path");
    let problems = differs.problems().join(" ");
    assert!(problems.contains("document number differs"), "{problems}");
    assert!(!problems.contains("X12345678") && !problems.contains("L898902C3"), "{problems}");
}

/// The entered MRZ's ways in: standard input (`--mrz -`) and `--mrz-file` (a different
/// document: not a match, the crop still written); an entered text that is no MRZ is exit 1
/// and the message does not quote it.
#[test]
fn entered_mrz_ways_in() {
    let dir = tempfile::tempdir().unwrap();
    let (img, _) = render(&PageSpec::specimen(Doc::Td3, 300, 1.0));
    let page = dir.path().join("page.png");
    std::fs::write(&page, png_bytes(&img)).unwrap();
    let out = dir.path().join("portrait.img");
    let (page, out) = (page.to_str().unwrap(), out.to_str().unwrap());
    let mut other = page_common::specimen_td3();
    other.document_number = "X12345678".to_string();
    let wrong = other.lines().join("\n");

    let right = page_common::specimen_td3().lines().join("\n");
    let (code, json, _) =
        run(&["portrait", page, "--out", out, "--json", "--mrz", "-"], Some(&right));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["mrz"]["matches_entered"], true, "{json}");
    let (code, json, stderr) =
        run(&["portrait", page, "--out", out, "--json", "--mrz", "-"], Some(&wrong));
    assert_eq!(code, 0, "the crop is still written: {json} {stderr}");
    assert_eq!(json["mrz"]["matches_entered"], false, "{json}");
    assert!(json["problems"].to_string().contains("document number"), "{json}");
    assert!(!json.to_string().contains("X12345678"), "{json}");

    let file = dir.path().join("entered.txt");
    std::fs::write(&file, &wrong).unwrap();
    let (code, json, _) = run(
        &["portrait", page, "--out", out, "--json", "--mrz-file", file.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(json["mrz"]["matches_entered"], false, "{json}");

    let (code, _, stderr) =
        run(&["portrait", page, "--out", out, "--mrz", "P<UTOSECRETNAME<<X"], None);
    assert_eq!(code, 1);
    assert!(!stderr.contains("SECRETNAME"), "{stderr}");
}
