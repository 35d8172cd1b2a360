//! JPEG 2000 decode agrees with OpenJPEG's `opj_decompress` within ±1 per sample on a corpus
//! generated here with `opj_compress`: lossless and lossy, JP2 and raw J2K, tiles, all five
//! progression orders, quality layers, precincts, code-block modes, grayscale and YCbCr 4:2:0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod face_common;

use std::path::Path;

use enrol_kiosk::face::{InputFormat, decode};
use face_common::*;
use image::DynamicImage;

enum Src {
    Rgb,
    Gray,
}

struct Case {
    name: &'static str,
    src: Src,
    ext: &'static str,
    args: &'static [&'static str],
}

/// YCbCr 4:2:0 codestreams (as some chips store them), checked separately below.
const YUV420_CASES: &[(&str, &[&str])] = &[
    ("ycbcr420-lossless", &[]),
    ("ycbcr420-lossy", &["-I", "-r", "20"]),
    ("ycbcr420-lossy-5-3", &["-r", "12"]),
    ("ycbcr420-tiles-layers", &["-t", "240,320", "-r", "40,20,10"]),
    ("ycbcr420-cprl-precincts", &["-p", "CPRL", "-c", "[64,64]", "-I", "-r", "30"]),
];

const CASES: &[Case] = &[
    Case { name: "lossless-jp2", src: Src::Rgb, ext: "jp2", args: &[] },
    Case { name: "lossless-j2k", src: Src::Rgb, ext: "j2k", args: &[] },
    Case { name: "lossy-9-7-jp2", src: Src::Rgb, ext: "jp2", args: &["-I", "-r", "20"] },
    Case { name: "lossy-5-3-j2k", src: Src::Rgb, ext: "j2k", args: &["-r", "30"] },
    Case { name: "lossy-psnr-j2k", src: Src::Rgb, ext: "j2k", args: &["-I", "-q", "36"] },
    Case {
        name: "tiles-128",
        src: Src::Rgb,
        ext: "jp2",
        args: &["-t", "128,128", "-I", "-r", "15"],
    },
    Case { name: "tiles-odd-lossless", src: Src::Rgb, ext: "j2k", args: &["-t", "100,150"] },
    Case { name: "prog-LRCP", src: Src::Rgb, ext: "jp2", args: &["-p", "LRCP", "-r", "40,10,1"] },
    Case { name: "prog-RLCP", src: Src::Rgb, ext: "jp2", args: &["-p", "RLCP", "-r", "40,10,1"] },
    Case {
        name: "prog-RPCL",
        src: Src::Rgb,
        ext: "jp2",
        args: &["-p", "RPCL", "-c", "[64,64]", "-r", "40,10,1"],
    },
    Case {
        name: "prog-PCRL",
        src: Src::Rgb,
        ext: "j2k",
        args: &["-p", "PCRL", "-c", "[64,64]", "-r", "40,10,1"],
    },
    Case {
        name: "prog-CPRL",
        src: Src::Rgb,
        ext: "j2k",
        args: &["-p", "CPRL", "-c", "[128,128],[64,64]", "-r", "40,10,1"],
    },
    Case { name: "layers-5", src: Src::Rgb, ext: "jp2", args: &["-I", "-r", "80,40,20,10,5"] },
    Case {
        name: "resolutions-3-cblk-16",
        src: Src::Rgb,
        ext: "j2k",
        args: &["-n", "3", "-b", "16,16", "-r", "12"],
    },
    Case {
        name: "sop-eph-modes",
        src: Src::Rgb,
        ext: "j2k",
        args: &["-SOP", "-EPH", "-M", "63", "-r", "10"],
    },
    Case { name: "gray-lossless", src: Src::Gray, ext: "j2k", args: &[] },
    Case { name: "gray-lossy-jp2", src: Src::Gray, ext: "jp2", args: &["-I", "-r", "25"] },
];

fn check_case(dir: &Path, case: &Case, w: u32, h: u32) -> (u8, usize) {
    let img = portrait(w, h);
    let (src, mut args): (_, Vec<String>) = match case.src {
        Src::Rgb => {
            let p = dir.join("src.ppm");
            write_ppm(&p, &img);
            (p, vec![])
        }
        Src::Gray => {
            let p = dir.join("src.pgm");
            write_pgm(&p, &DynamicImage::ImageRgb8(img).into_luma8());
            (p, vec![])
        }
    };
    args.extend(case.args.iter().map(|s| s.to_string()));
    let out = dir.join(format!("{}.{}", case.name, case.ext));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    opj_compress(&src, &out, &argv);
    let bytes = std::fs::read(&out).unwrap();
    let gray = matches!(case.src, Src::Gray);
    let (rw, rh, ch, reference) = opj_decompress(&out, dir, gray);
    let ours = decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let expected_format = if case.ext == "jp2" { InputFormat::Jp2 } else { InputFormat::J2k };
    assert_eq!(ours.format, expected_format, "{}", case.name);
    assert_eq!((ours.image.width(), ours.image.height()), (rw, rh), "{}", case.name);
    let mut max = 0u8;
    let mut off_by_one = 0usize;
    for (i, px) in ours.image.pixels().enumerate() {
        for c in 0..ch {
            let a = px.0[c];
            let b = reference[i * ch + c];
            let d = a.abs_diff(b);
            max = max.max(d);
            if d == 1 {
                off_by_one += 1;
            }
        }
        if gray {
            assert!(px.0[0] == px.0[1] && px.0[1] == px.0[2], "{}: gray expands to RGB", case.name);
        }
    }
    (max, off_by_one)
}

#[test]
fn jpeg2000_matches_opj_decompress_within_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in CASES {
        let (max, n1) = check_case(dir.path(), case, 480, 640);
        eprintln!("{:24} max |diff| {max}, samples off by one: {n1}", case.name);
        if max > 1 {
            failures.push(format!("{} (max diff {max})", case.name));
        }
    }
    assert!(failures.is_empty(), "differ from opj_decompress by more than 1: {failures:?}");
}

#[test]
fn lossless_jpeg2000_is_exact_against_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let img = portrait(241, 321); // odd sizes
    let p = dir.path().join("src.ppm");
    write_ppm(&p, &img);
    let out = dir.path().join("odd.jp2");
    opj_compress(&p, &out, &[]);
    let ours = decode(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(ours.image, img);
}

/// Wrap a codestream in a minimal JP2 (ISO/IEC 15444-1 Annex I) whose colour box says sRGB,
/// so the decoder returns the (upsampled) component samples without colour conversion.
fn jp2_without_colour_conversion(cs: &[u8], w: u32, h: u32) -> Vec<u8> {
    fn boxed(t: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(t);
        v.extend_from_slice(body);
        v
    }
    let mut ihdr = h.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&[0, 3, 7, 7, 0, 0]);
    let colr = [1, 0, 0, 0, 0, 0, 16];
    let mut jp2h = boxed(b"ihdr", &ihdr);
    jp2h.extend(boxed(b"colr", &colr));
    let mut v = vec![0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
    v.extend(boxed(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    v.extend(boxed(b"jp2h", &jp2h));
    v.extend(boxed(b"jp2c", cs));
    v
}

fn opj_component(file: &Path, dir: &Path, c: usize) -> (u32, u32, Vec<u8>) {
    let out = dir.join(format!("c{c}.pgm"));
    run(
        "opj_decompress",
        &["-i", file.to_str().unwrap(), "-o", out.to_str().unwrap(), "-c", &c.to_string()],
    );
    let (w, h, ch, data) = read_pnm(&out);
    assert_eq!(ch, 1);
    (w, h, data)
}

/// 4:2:0: (1) every decoded component sample within ±1 of OpenJPEG's (chroma upsampled by
/// replication, as OpenJPEG does); (2) after sYCC→RGB, within ±2 of `opj_decompress`'s RGB
/// wherever OpenJPEG did not clamp a decoded sample before converting (OpenJPEG converts
/// with truncating integer arithmetic from clamped samples; hayro converts in floating point
/// from unclamped ones, so the two legitimately differ by up to 2, and more at the clamps).
#[test]
fn ycbcr_420_matches_opj_decompress() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (w, h) = (480u32, 640u32);
    let img = portrait(w, h);
    let raw = d.join("src.raw");
    write_yuv420_raw(&raw, &img);
    let mut failures = Vec::new();
    for (name, extra) in YUV420_CASES {
        let out = d.join(format!("{name}.j2k"));
        let f = format!("{w},{h},3,8,u@1x1:2x2:2x2");
        let mut args = vec!["-F", f.as_str()];
        args.extend_from_slice(extra);
        opj_compress(&raw, &out, &args);
        let cs = std::fs::read(&out).unwrap();
        let planes: Vec<(u32, u32, Vec<u8>)> = (0..3).map(|c| opj_component(&out, d, c)).collect();
        assert_eq!((planes[0].0, planes[1].0), (w, w / 2), "{name}: chroma is subsampled");
        // (1) component samples.
        let raw_ours = decode(&jp2_without_colour_conversion(&cs, w, h)).unwrap();
        let mut max_sample = 0u8;
        for (x, y, px) in raw_ours.image.enumerate_pixels() {
            for (c, (pw, _, data)) in planes.iter().enumerate() {
                let (sx, sy) = if c == 0 { (x, y) } else { (x / 2, y / 2) };
                let r = data[(sy * pw + sx) as usize];
                max_sample = max_sample.max(px.0[c].abs_diff(r));
            }
        }
        // (2) RGB after colour conversion.
        let ours = decode(&cs).unwrap();
        assert_eq!(ours.format, InputFormat::J2k);
        let (_, _, _, rgb) = opj_decompress(&out, d, false);
        let (mut max_rgb, mut max_unclamped) = (0u8, 0u8);
        for (x, y, px) in ours.image.enumerate_pixels() {
            let i = (y * w + x) as usize;
            let ci = ((y / 2) * (w / 2) + x / 2) as usize;
            let clamped = [planes[0].2[i], planes[1].2[ci], planes[2].2[ci]]
                .iter()
                .any(|&v| v == 0 || v == 255);
            for c in 0..3 {
                let diff = px.0[c].abs_diff(rgb[i * 3 + c]);
                max_rgb = max_rgb.max(diff);
                if !clamped {
                    max_unclamped = max_unclamped.max(diff);
                }
            }
        }
        eprintln!(
            "{name:26} samples max |diff| {max_sample}; RGB max |diff| {max_unclamped} \
             (unclamped), {max_rgb} (all)"
        );
        if max_sample > 1 || max_unclamped > 2 {
            failures.push(format!("{name}: samples {max_sample}, RGB {max_unclamped}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
