//! The demo kiosk's photo page (`assets/demo-page.jpg`): a synthetic TD3 data page printed
//! by the tests' page generator with the demo passport's fictitious MRZ. The committed asset
//! must read through the real page path (OCR and portrait) and agree with the demo passport.
//! `REMAKE_DEMO_PAGE=1 cargo test --test page_demo_asset` writes it again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "page_common/mod.rs"]
mod page_common;

use enrol_kiosk::mrz::Mrz;
use enrol_kiosk::page::process;
use enrol_kiosk::sim::Profile;
use page_common::{Doc, FaceSource, PageSpec, render};

const ASSET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-page.jpg");

fn demo_mrz() -> Mrz {
    Mrz::parse(Profile::demo().unwrap().mrz_text()).unwrap()
}

#[test]
fn the_demo_page_reads_as_the_demo_passport() {
    if std::env::var_os("REMAKE_DEMO_PAGE").is_some() {
        let spec = PageSpec {
            doc: Doc::Td3,
            dpi: 400,
            rotation_deg: 0.8,
            face: FaceSource::Astronaut,
            mrz: demo_mrz(),
        };
        let (page, _) = render(&spec);
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88)
            .encode_image(&page)
            .unwrap();
        std::fs::write(ASSET, out).unwrap();
    }
    let bytes = std::fs::read(ASSET).unwrap();
    let entered = demo_mrz();
    let page = process(&bytes, Some(&entered)).unwrap();
    assert!(page.mrz_valid(), "{:?}", page.problems());
    assert_eq!(page.matches_entered(), Some(true), "{:?}", page.problems());
    let face = page.upload().expect("the demo page's portrait meets the rules");
    assert!(face.eye_distance_px.unwrap() >= 85.0);
}
