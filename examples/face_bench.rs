//! Face benchmark: decode time of `face::decode` versus OpenJPEG's `opj_decompress` on the
//! same JPEG 2000 files (passport-sized 480×640 by default), plus encode time and size.
//!
//! `cargo run --release --example face_bench [FILE.jp2|FILE.j2k ...]`
//! Without files, a corpus is generated from tests/data/faces/astronaut.png with opj_compress.
//! OpenJPEG's figure is its own "decode time" line (decode only, one thread), so process
//! start-up and file output are not counted against it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use enrol_kiosk::face::{EncodePolicy, decode, encode, prepare};
use image::imageops::{FilterType, crop_imm, resize};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn opj_decode_ms(file: &Path, out: &Path) -> Option<f64> {
    let o = Command::new("opj_decompress")
        .args(["-i", file.to_str()?, "-o", out.to_str()?])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    text.lines()
        .find_map(|l| l.strip_prefix("decode time: "))
        .and_then(|v| v.trim_end_matches(" ms").trim().parse().ok())
}

fn generate(dir: &Path) -> Vec<PathBuf> {
    let src = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faces/astronaut.png"))
        .map(|i| i.into_rgb8())
        .unwrap_or_else(|e| {
            eprintln!("cannot read astronaut.png: {e}");
            std::process::exit(2)
        });
    let img = resize(&crop_imm(&src, 64, 0, 384, 512).to_image(), 480, 640, FilterType::Triangle);
    let ppm = dir.join("src.ppm");
    let mut v = b"P6\n480 640\n255\n".to_vec();
    v.extend_from_slice(img.as_raw());
    if std::fs::write(&ppm, v).is_err() {
        std::process::exit(2);
    }
    let cases: &[(&str, &[&str])] = &[
        ("lossless.jp2", &[]),
        ("lossy-20to1.jp2", &["-I", "-r", "20"]),
        ("lossy-layers.j2k", &["-I", "-r", "80,40,20"]),
        ("lossy-tiles.jp2", &["-I", "-r", "15", "-t", "128,128"]),
    ];
    let mut out = Vec::new();
    for (name, args) in cases {
        let p = dir.join(name);
        let ok = Command::new("opj_compress")
            .args(["-i", ppm.to_str().unwrap_or(""), "-o", p.to_str().unwrap_or("")])
            .args(*args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            out.push(p);
        } else {
            eprintln!("opj_compress failed for {name} (is libopenjp2-tools installed?)");
        }
    }
    out
}

fn main() {
    let tmp = tempfile::tempdir().unwrap_or_else(|_| std::process::exit(2));
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let files = if args.is_empty() { generate(tmp.path()) } else { args };
    let runs = 15;
    println!("{:22} {:>9} {:>9} {:>11} {:>7}", "file", "bytes", "ours ms", "opj ms", "ratio");
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            eprintln!("cannot read {}", f.display());
            continue;
        };
        let mut ours = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            last = decode(&bytes).ok();
            ours.push(t.elapsed());
        }
        let Some(decoded) = last else {
            eprintln!("{}: our decoder failed", f.display());
            continue;
        };
        let ours_ms = median(ours).as_secs_f64() * 1000.0;
        let out = tmp.path().join("o.ppm");
        let mut opj: Vec<f64> = (0..runs).filter_map(|_| opj_decode_ms(f, &out)).collect();
        opj.sort_by(f64::total_cmp);
        let opj_ms = opj.get(opj.len() / 2).copied();
        let name = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        match opj_ms {
            Some(o) => println!(
                "{name:22} {:>9} {ours_ms:>9.2} {o:>11.2} {:>7.2}",
                bytes.len(),
                ours_ms / o.max(0.001)
            ),
            None => {
                println!("{name:22} {:>9} {ours_ms:>9.2} {:>11} {:>7}", bytes.len(), "n/a", "n/a")
            }
        }
        let t = Instant::now();
        let png = encode::encode_png(&decoded.image).map(|b| b.len()).unwrap_or(0);
        let png_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let jpg = encode::encode_jpeg(&decoded.image, 95).map(|b| b.len()).unwrap_or(0);
        let jpg_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let prep = prepare(&bytes, None, &EncodePolicy::default());
        let prep_ms = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "  encode: PNG {png} bytes in {png_ms:.1} ms; JPEG q95 {jpg} bytes in {jpg_ms:.1} ms; \
             prepare() {prep_ms:.1} ms -> {}",
            prep.map(|p| format!(
                "{} {} bytes, eyes {:?}",
                p.encode_path,
                p.bytes.len(),
                p.eye_distance_px
            ))
            .unwrap_or_else(|e| e.to_string())
        );
    }
}
