//! DG1 (ICAO 9303 Part 10 §4.7.1): parses the MRZ; what parses re-encodes to the same MRZ.
#![no_main]

use enrol_kiosk::lds::dg1;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mrz) = dg1::parse(data) {
        let again = dg1::parse(&dg1::encode(&mrz)).expect("an encoded DG1 parses");
        assert_eq!(again, mrz);
    }
});
