//! Ring 3: a real passport on a real reader. Ignored by default; run with
//! `ENROL_KIOSK_READER="ACS ACR1252" ENROL_KIOSK_MRZ="<full MRZ or TD3 line 2>" \
//!  cargo test --test real_passport -- --ignored --nocapture`
//! (or `ENROL_KIOSK_CAN=123456` instead of the MRZ, for a chip with PACE).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use enrol_kiosk::access::Password;
use enrol_kiosk::card::pcsc::Pcsc;
use enrol_kiosk::mrz::{AccessKey, Can};
use enrol_kiosk::reader::passport::{ReadOptions, read_passport};
use enrol_kiosk::report;
use std::time::Duration;

#[test]
#[ignore = "needs a real passport: set ENROL_KIOSK_READER and ENROL_KIOSK_MRZ (or _CAN)"]
fn reads_a_real_passport() {
    let reader = std::env::var("ENROL_KIOSK_READER").expect("ENROL_KIOSK_READER");
    let key: Password = match std::env::var("ENROL_KIOSK_CAN") {
        Ok(can) => Can::new(&can).unwrap().into(),
        Err(_) => AccessKey::from_mrz_text(
            &std::env::var("ENROL_KIOSK_MRZ").expect("ENROL_KIOSK_MRZ or ENROL_KIOSK_CAN"),
        )
        .unwrap()
        .into(),
    };
    let pcsc = Pcsc::establish().unwrap();
    pcsc.wait_for_card(&reader, Duration::from_secs(30)).unwrap();
    let read = read_passport(
        pcsc.connect(&reader).unwrap(),
        &key,
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    let report = report::build(&read);
    // Figures only: no personal data is printed.
    println!(
        "{}: {} APDUs, {} bytes, {} ms, chunk {}, PA {}",
        report.access,
        report.apdus,
        report.bytes_read,
        report.elapsed_ms,
        report.chunk_size,
        report.passive_authentication.status
    );
    assert!(report.mrz.is_some() && report.face.is_some());
    assert_ne!(report.passive_authentication.status, "invalid");
}
