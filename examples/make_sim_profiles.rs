//! Builds the simulator's committed profiles from the synthetic demo faces:
//! assets/demo-passport (JPEG face), tests/data/profiles/jp2 (~15 KB JPEG 2000 face) and
//! tests/data/profiles/big (DG2 over 40 KB, so reads at offsets ≥ 32 768 are exercised).
//! The demo chip offers PACE (brainpoolP256r1, AES-128) with the MRZ or CAN 123456, and BAC,
//! so it also carries EF.DG14. Run by assets/make-demo-assets.sh (`-- demo` makes only the
//! demo passport); the MRZs are fictitious specimen-style data.

use enrol_kiosk::mrz::Can;
use enrol_kiosk::sim::{MakeOptions, PaceSettings, make_profile};
use std::path::Path;

const DEMO_MRZ: &str =
    "P<UTOSPECIMEN<<ALEX<SAMPLE<<<<<<<<<<<<<<<<<<\nD231458907UTO9003129F3104161<<<<<<<<<<<<<<<4";
const JP2_MRZ: &str =
    "P<UTOSPECIMEN<<JORDAN<JP<TWO<<<<<<<<<<<<<<<<\nJ200001523UTO8511205M3209011<<<<<<<<<<<<<<00";
const BIG_MRZ: &str =
    "P<UTOSPECIMEN<<BIG<FACE<<<<<<<<<<<<<<<<<<<<<\nB409603274UTO7807057X3002289<<<<<<<<<<<<<<00";

fn make(
    mrz: &str,
    face: &str,
    out: &str,
    eyes: ((u16, u16), (u16, u16)),
    pace: Option<(PaceSettings, Can)>,
) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(face)?;
    let (pace, can) = pace.map_or((None, None), |(p, c)| (Some(p), Some(c)));
    let options = MakeOptions { eye_centres: Some(eyes), pace, can, ..MakeOptions::default() };
    let made = make_profile(mrz, &bytes, Path::new(out), &options)?;
    let dg2 = made.files.get("EF.DG2").map_or(0, Vec::len);
    eprintln!("{out}: {} files, DG2 {dg2} bytes", made.files.len());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let eyes = ((160, 250), (260, 250));
    let pace = (PaceSettings::new(13, "AES-128", true)?, Can::new("123456")?);
    make(DEMO_MRZ, "assets/demo-face.jpg", "assets/demo-passport", eyes, Some(pace))?;
    if std::env::args().nth(1).as_deref() == Some("demo") {
        return Ok(());
    }
    make(JP2_MRZ, "assets/demo-face.jp2", "tests/data/profiles/jp2", eyes, None)?;
    let big_eyes = ((320, 500), (520, 500));
    make(BIG_MRZ, "target-big-face.jpg", "tests/data/profiles/big", big_eyes, None)?;
    Ok(())
}
