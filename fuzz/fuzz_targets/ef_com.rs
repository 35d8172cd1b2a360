//! EF.COM (ICAO 9303 Part 10 §4.6.1): parses, and what parses re-encodes to an equal EF.COM.
#![no_main]

use enrol_kiosk::lds::com;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = com::parse(data) {
        let again = com::parse(&c.encode()).expect("an encoded EF.COM parses");
        assert_eq!(again, c);
    }
});
