//! The header guard read before any image decode (JPEG 2000 codestream and JP2 boxes, JPEG
//! and PNG): dimensions from the header only, never a panic or unbounded walk.
#![no_main]

use enrol_kiosk::face::{InputFormat, read_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sniffed = InputFormat::sniff(data);
    match read_header(data) {
        Ok(h) => assert_eq!(Some(h.format), sniffed, "the header names the sniffed format"),
        Err(_) => {}
    }
});
