//! Shared helpers for the face tests: source images, PNM I/O and running OpenJPEG's tools.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;

use image::imageops::{FilterType, crop_imm, resize};
use image::{GrayImage, RgbImage};

pub const FACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faces");

pub fn astronaut() -> RgbImage {
    image::open(format!("{FACES}/astronaut.png")).unwrap().into_rgb8()
}

/// A passport-like 480×640 portrait made from the astronaut photo.
pub fn portrait(w: u32, h: u32) -> RgbImage {
    let a = astronaut();
    let c = crop_imm(&a, 64, 0, 384, 512).to_image();
    resize(&c, w, h, FilterType::Triangle)
}

pub fn write_ppm(path: &Path, img: &RgbImage) {
    let mut v = format!("P6\n{} {}\n255\n", img.width(), img.height()).into_bytes();
    v.extend_from_slice(img.as_raw());
    std::fs::write(path, v).unwrap();
}

pub fn write_pgm(path: &Path, img: &GrayImage) {
    let mut v = format!("P5\n{} {}\n255\n", img.width(), img.height()).into_bytes();
    v.extend_from_slice(img.as_raw());
    std::fs::write(path, v).unwrap();
}

/// Planar 8-bit Y, Cb, Cr with both chroma planes subsampled 2×2 (BT.601 full range), as
/// `opj_compress -F w,h,3,8,u@1x1:2x2:2x2` reads it.
pub fn write_yuv420_raw(path: &Path, img: &RgbImage) {
    let (w, h) = img.dimensions();
    let mut y = Vec::new();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut cb = vec![0f32; (cw * ch) as usize];
    let mut cr = vec![0f32; (cw * ch) as usize];
    let mut n = vec![0f32; (cw * ch) as usize];
    for (x, yy, p) in img.enumerate_pixels() {
        let [r, g, b] = p.0.map(f32::from);
        y.push((0.299 * r + 0.587 * g + 0.114 * b).round().clamp(0.0, 255.0) as u8);
        let i = ((yy / 2) * cw + x / 2) as usize;
        cb[i] += 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
        cr[i] += 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
        n[i] += 1.0;
    }
    let q = |v: &[f32]| -> Vec<u8> {
        v.iter().zip(&n).map(|(s, k)| (s / k).round().clamp(0.0, 255.0) as u8).collect()
    };
    let mut out = y;
    out.extend(q(&cb));
    out.extend(q(&cr));
    std::fs::write(path, out).unwrap();
}

/// Parse a binary PNM (P5 or P6, maxval 255) into (width, height, channels, samples).
pub fn read_pnm(path: &Path) -> (u32, u32, usize, Vec<u8>) {
    let b = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i] == b'#' {
            while b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let s = i;
        while !b[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8(b[s..i].to_vec()).unwrap());
    }
    i += 1;
    let ch = match fields[0].as_str() {
        "P5" => 1,
        "P6" => 3,
        m => panic!("unexpected PNM magic {m}"),
    };
    assert_eq!(fields[3], "255");
    let w: u32 = fields[1].parse().unwrap();
    let h: u32 = fields[2].parse().unwrap();
    let data = b[i..].to_vec();
    assert_eq!(data.len(), (w * h) as usize * ch);
    (w, h, ch, data)
}

pub fn run(tool: &str, args: &[&str]) {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} must be installed (Debian libopenjp2-tools): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn opj_compress(input: &Path, output: &Path, extra: &[&str]) {
    let mut args = vec!["-i", input.to_str().unwrap(), "-o", output.to_str().unwrap()];
    args.extend_from_slice(extra);
    run("opj_compress", &args);
}

/// Decode with `opj_decompress` to PNM; returns (w, h, channels, samples).
pub fn opj_decompress(input: &Path, dir: &Path, gray: bool) -> (u32, u32, usize, Vec<u8>) {
    let out: PathBuf = dir.join(if gray { "ref.pgm" } else { "ref.ppm" });
    run("opj_decompress", &["-i", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let r = read_pnm(&out);
    std::fs::remove_file(&out).unwrap();
    r
}
