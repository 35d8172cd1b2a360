//! Ring 2: PACE Generic Mapping on the standardized curves beyond P-256/P-384 and brainpool
//! 256/384 (ICAO 9303-11 §9.5.1), a whole read with the simulated chip through the real PC/SC
//! stack (pcscd + vpcd); every chip is PACE-only, so it is never tried with BAC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use common::{attach, connect, data};
use enrol_kiosk::access::Password;
use enrol_kiosk::mrz::Can;
use enrol_kiosk::reader::passport::{ReadOptions, read_passport};
use enrol_kiosk::sim::{Behaviour, PaceSettings, Profile};

#[test]
fn pace_only_chips_on_brainpool_192_320_512_and_p192_p224_p521_are_read_whole() {
    // (parameterId, cipher): brainpoolP320r1 is the curve of Dutch PACE-only passports.
    let cases = [
        (14, "AES-128"),
        (9, "3DES"),
        (17, "AES-256"),
        (18, "AES-192"),
        (8, "AES-128"),
        (10, "3DES"),
        (11, "AES-256"),
    ];
    for (id, cipher) in cases {
        let pace = PaceSettings::new(id, cipher, false).unwrap();
        let profile = Profile::load(&data("profiles/jp2"))
            .unwrap()
            .with_pace(Some(pace), Some(Can::new("000042").unwrap()));
        assert!(!profile.bac_allowed());
        let _card = attach(&profile, Behaviour::default());
        let password: Password = Can::new("000042").unwrap().into();
        let read = read_passport(connect(), password, &ReadOptions::default(), &mut |_, _, _| {})
            .unwrap_or_else(|e| panic!("parameterId {id} {cipher}: {e}"));
        assert_eq!(read.access, format!("PACE-ECDH-GM-{cipher}"), "parameterId {id}");
        for name in profile.file_names() {
            let got = read.files.get(name).unwrap_or_else(|| panic!("{id}: {name} not read"));
            assert_eq!(got.as_slice(), profile.file(name).unwrap(), "{id}: {name} differs");
        }
    }
}
