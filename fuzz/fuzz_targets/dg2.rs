//! DG2 (ICAO 9303 Part 10 §4.7.2) with ISO/IEC 19794-5 facial records and ISO/IEC 39794-5
//! face data: the whole file, and the same bytes as a bare 19794-5 record.
#![no_main]

use enrol_kiosk::lds::dg2::{self, record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = dg2::parse(data) {
        for face in &d.faces {
            let _ = face.eye_centres();
            assert!(face.data.len() <= data.len(), "a face cannot hold more bytes than the file");
        }
    }
    if let Ok(faces) = record::parse(data) {
        for face in &faces {
            assert!(face.data.len() <= data.len(), "a face cannot hold more bytes than the record");
        }
    }
});
