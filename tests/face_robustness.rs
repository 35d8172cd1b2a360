//! Hostile input: thousands of truncated, bit-flipped, byte-smashed and forged-header
//! images (JP2, J2K, JPEG, PNG) decode or fail with an error — no panic, no abort, no hang,
//! and the process's peak memory stays bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod face_common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use enrol_kiosk::face::{FaceError, decode};
use face_common::*;

/// Small xorshift generator so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let img = portrait(60, 80);
    let ppm = dir.path().join("s.ppm");
    write_ppm(&ppm, &img);
    let yuv = dir.path().join("s.raw");
    write_yuv420_raw(&yuv, &img);
    let mut out = Vec::new();
    let mut make = |name: &'static str, src: &std::path::Path, ext: &str, args: &[&str]| {
        let p = dir.path().join(format!("{name}.{ext}"));
        opj_compress(src, &p, args);
        out.push((name, std::fs::read(&p).unwrap()));
    };
    make("jp2-lossless", &ppm, "jp2", &[]);
    make("j2k-lossy-layers", &ppm, "j2k", &["-I", "-r", "40,20,10"]);
    make("j2k-tiles-rpcl", &ppm, "j2k", &["-t", "32,32", "-p", "RPCL", "-SOP", "-EPH"]);
    make("j2k-420", &yuv, "j2k", &["-F", "60,80,3,8,u@1x1:2x2:2x2", "-r", "10"]);
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 85).encode_image(&img).unwrap();
    out.push(("jpeg", jpg));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    out.push(("png", png));
    out
}

/// SIZ fields start at byte 8 of a raw codestream (after SOC, SIZ, Lsiz, Rsiz).
fn forge_siz(j2k: &[u8], field: usize, value: u32) -> Vec<u8> {
    let mut v = j2k.to_vec();
    let at = 8 + 4 * field;
    v[at..at + 4].copy_from_slice(&value.to_be_bytes());
    v
}

fn forged(seeds: &[(&'static str, Vec<u8>)]) -> Vec<Vec<u8>> {
    let j2k = &seeds[1].1;
    let jp2 = &seeds[0].1;
    let jpg = &seeds[4].1;
    let mut v = Vec::new();
    // Xsiz, Ysiz huge; tiny tiles; offsets past the image.
    for (field, value) in [
        (0, u32::MAX),
        (1, u32::MAX),
        (0, 1 << 20),
        (1, 1 << 16),
        (4, 1),
        (5, 1),
        (4, 0),
        (2, 59),
        (2, 1000),
        (6, 1),
    ] {
        v.push(forge_siz(j2k, field, value));
    }
    // Csiz = 16384 components.
    let mut c = j2k.clone();
    c[40..42].copy_from_slice(&16384u16.to_be_bytes());
    v.push(c);
    // The same forgeries inside a JP2: find the codestream and patch Xsiz/Ysiz.
    if let Some(pos) = jp2.windows(4).position(|w| w == [0xFF, 0x4F, 0xFF, 0x51]) {
        for value in [u32::MAX, 65_535, 100_000] {
            let mut f = jp2.clone();
            f[pos + 8..pos + 12].copy_from_slice(&value.to_be_bytes());
            f[pos + 12..pos + 16].copy_from_slice(&value.to_be_bytes());
            v.push(f);
        }
    }
    // JP2 box lengths: huge, zero-length, XL length.
    for lbox in [u32::MAX, 0, 1, 7] {
        let mut f = jp2.clone();
        f[12..16].copy_from_slice(&lbox.to_be_bytes());
        v.push(f);
    }
    // JPEG SOF claiming 65535×65535 and 0 height.
    if let Some(pos) = jpg.windows(2).position(|w| w == [0xFF, 0xC0]) {
        for (h, w) in [(65_535u16, 65_535u16), (0, 60), (60_000, 60_000)] {
            let mut f = jpg.clone();
            f[pos + 5..pos + 7].copy_from_slice(&h.to_be_bytes());
            f[pos + 7..pos + 9].copy_from_slice(&w.to_be_bytes());
            v.push(f);
        }
    }
    v
}

fn corpus() -> Vec<Vec<u8>> {
    let seeds = seeds();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut all = forged(&seeds);
    for (_, s) in &seeds {
        // Truncations at 150 points spread over the file (and every byte of the header).
        for n in 0..s.len().min(200) {
            all.push(s[..n].to_vec());
        }
        for k in 0..150 {
            all.push(s[..s.len() * k / 150].to_vec());
        }
        // Single bit flips.
        for _ in 0..250 {
            let mut f = s.clone();
            let i = rng.below(f.len());
            f[i] ^= 1 << rng.below(8);
            all.push(f);
        }
        // Bursts of random bytes.
        for _ in 0..100 {
            let mut f = s.clone();
            let i = rng.below(f.len());
            for b in f.iter_mut().skip(i).take(1 + rng.below(16)) {
                *b = rng.next() as u8;
            }
            all.push(f);
        }
    }
    all
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

#[test]
fn hostile_images_fail_cleanly() {
    let corpus = corpus();
    assert!(corpus.len() >= 3000, "corpus has {} files", corpus.len());
    let (tx, rx) = mpsc::channel();
    let total = corpus.len();
    let worker = std::thread::spawn(move || {
        for (i, bytes) in corpus.into_iter().enumerate() {
            let t = Instant::now();
            let r = decode(&bytes);
            tx.send((i, r.map(|_| ()), t.elapsed())).unwrap();
        }
    });
    let (mut ok, mut err, mut too_large, mut caught) = (0, 0, 0, 0);
    let mut slowest = Duration::ZERO;
    for _ in 0..total {
        let (i, r, took) = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a decode hung for 20 s (or the worker died)");
        slowest = slowest.max(took);
        match r {
            Ok(()) => ok += 1,
            Err(FaceError::TooLarge { .. }) => too_large += 1,
            Err(FaceError::Decode { what, .. }) if what.contains("internal check") => {
                caught += 1;
                eprintln!("file {i}: decoder panic turned into an error");
            }
            Err(_) => err += 1,
        }
    }
    worker.join().unwrap();
    let peak = peak_rss_kib();
    eprintln!(
        "{total} files: {ok} decoded, {err} errors, {too_large} refused as too large, \
         {caught} decoder panics caught; slowest {slowest:?}; peak RSS {peak} KiB"
    );
    assert!(too_large >= 10, "forged sizes must be refused before decoding");
    assert!(err > 1000);
    assert!(slowest < Duration::from_secs(5), "slowest decode took {slowest:?}");
    assert!(peak < 1024 * 1024, "peak RSS {peak} KiB exceeds 1 GiB");
}

/// The whole pipeline (decode, detector, encode, rules) on degenerate but valid images.
#[test]
fn prepare_survives_degenerate_sizes() {
    use enrol_kiosk::face::{EncodePolicy, prepare};
    for (w, h) in [(1, 1), (2, 3), (19, 19), (20, 20), (41, 40), (1, 4000), (4000, 1), (3000, 40)] {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 31 % 256) as u8, (y * 17 % 256) as u8, ((x ^ y) % 256) as u8])
        });
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let f = prepare(&png, None, &EncodePolicy::default()).unwrap();
        assert_eq!((f.width, f.height), (w, h));
        assert!(!f.meets_requirements, "{w}x{h}");
        assert!(f.eye_distance_px.is_none(), "{w}x{h}");
    }
}
