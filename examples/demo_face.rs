//! Generates the SYNTHETIC demo face (not a real person) for assets/: a cartoon-like frontal
//! portrait drawn procedurally, written as a binary PPM. `assets/make-demo-assets.sh` turns
//! it into assets/demo-face.jpg (ImageMagick) and assets/demo-face.jp2 (opj_compress).
//!
//! Usage: `cargo run --example demo_face -- OUT.ppm [SCALE]` (SCALE 1 = 420×540 px).
//! Eye centres at scale 1: (160, 250) and (260, 250), 100 px apart.

use std::io::Write;

type Rgb = [f32; 3];

/// Inside an axis-aligned ellipse, with a soft edge one pixel wide (for anti-aliasing).
fn ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    let d = ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
    let edge = 1.0 / rx.min(ry);
    ((1.0 - d.sqrt()) / edge + 0.5).clamp(0.0, 1.0)
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// The colour at (x, y) in scale-1 coordinates.
fn shade(x: f32, y: f32) -> Rgb {
    let background: Rgb = [228.0, 232.0, 238.0];
    let skin: Rgb = [226.0, 184.0, 152.0];
    let skin_dark: Rgb = [196.0, 150.0, 120.0];
    let hair: Rgb = [74.0, 50.0, 36.0];
    let shirt: Rgb = [58.0, 92.0, 140.0];
    let mut c = mix(background, [210.0, 216.0, 226.0], (y / 540.0).clamp(0.0, 1.0));
    // Shoulders and neck.
    c = mix(c, shirt, ellipse(x, y, 210.0, 600.0, 200.0, 120.0));
    c = mix(c, skin_dark, ellipse(x, y, 210.0, 430.0, 52.0, 80.0) * (y > 380.0) as u8 as f32);
    // Hair behind the head.
    c = mix(c, hair, ellipse(x, y, 210.0, 230.0, 138.0, 160.0));
    // Ears.
    c = mix(c, skin_dark, ellipse(x, y, 92.0, 275.0, 18.0, 32.0));
    c = mix(c, skin_dark, ellipse(x, y, 328.0, 275.0, 18.0, 32.0));
    // Face with a little shading towards the edge.
    let face = ellipse(x, y, 210.0, 285.0, 118.0, 150.0);
    let rim = (((x - 210.0) / 118.0).powi(2) + ((y - 285.0) / 150.0).powi(2)).sqrt();
    c = mix(c, mix(skin, skin_dark, (rim - 0.6).clamp(0.0, 0.4) * 1.5), face);
    // Fringe.
    c = mix(c, hair, ellipse(x, y, 210.0, 150.0, 120.0, 48.0) * (y < 175.0) as u8 as f32);
    // Eyes: white, iris, pupil, highlight; brows above.
    for ex in [160.0, 260.0] {
        c = mix(c, [250.0, 250.0, 248.0], ellipse(x, y, ex, 250.0, 24.0, 12.0));
        c = mix(
            c,
            [92.0, 64.0, 40.0],
            ellipse(x, y, ex, 250.0, 10.0, 10.0) * ellipse(x, y, ex, 250.0, 24.0, 12.0),
        );
        c = mix(c, [20.0, 16.0, 14.0], ellipse(x, y, ex, 250.0, 4.5, 4.5));
        c = mix(c, [255.0, 255.0, 255.0], ellipse(x, y, ex + 3.0, 247.0, 1.8, 1.8));
        c = mix(c, hair, ellipse(x, y, ex, 222.0, 28.0, 5.0));
    }
    // Nose: a soft shadow and nostrils.
    c = mix(c, skin_dark, ellipse(x, y, 214.0, 300.0, 6.0, 32.0) * 0.45);
    c = mix(c, skin_dark, ellipse(x, y, 210.0, 330.0, 20.0, 8.0) * 0.6);
    c = mix(c, [120.0, 80.0, 70.0], ellipse(x, y, 200.0, 332.0, 4.0, 2.5));
    c = mix(c, [120.0, 80.0, 70.0], ellipse(x, y, 220.0, 332.0, 4.0, 2.5));
    // Mouth: a gentle smile (lower half of a thin ring).
    let lips =
        ellipse(x, y, 210.0, 362.0, 40.0, 16.0) * (1.0 - ellipse(x, y, 210.0, 358.0, 38.0, 12.0));
    c = mix(c, [176.0, 86.0, 86.0], lips * (y > 362.0) as u8 as f32);
    c
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "demo-face.ppm".into());
    let scale: f32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let (w, h) = ((420.0 * scale) as usize, (540.0 * scale) as usize);
    let mut pixels = Vec::with_capacity(w * h * 3);
    const SS: usize = 3;
    for py in 0..h {
        for px in 0..w {
            let mut acc = [0.0f32; 3];
            for sy in 0..SS {
                for sx in 0..SS {
                    let x = (px as f32 + (sx as f32 + 0.5) / SS as f32) / scale;
                    let y = (py as f32 + (sy as f32 + 0.5) / SS as f32) / scale;
                    let c = shade(x, y);
                    for k in 0..3 {
                        acc[k] += c[k];
                    }
                }
            }
            for a in acc {
                pixels.push((a / (SS * SS) as f32).round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    let mut f = std::fs::File::create(&out)?;
    write!(f, "P6\n{w} {h}\n255\n")?;
    f.write_all(&pixels)?;
    eprintln!(
        "wrote {out} ({w}x{h}); eye centres ({}, {}) and ({}, {})",
        160.0 * scale,
        250.0 * scale,
        260.0 * scale,
        250.0 * scale
    );
    Ok(())
}
