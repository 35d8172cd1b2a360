//! BER-TLV (ISO/IEC 7816-4 §5.2.2): walks every object of the input, descending into
//! constructed ones, and checks that re-encoding each object reads back the same tag and value.
#![no_main]

use enrol_kiosk::iso7816::tlv::{self, Reader, Tlv};
use libfuzzer_sys::fuzz_target;

fn roundtrip(obj: &Tlv<'_>) {
    let again = tlv::tlv(obj.tag, obj.value);
    let mut r = Reader::new(&again);
    let back = r.read().expect("a re-encoded object reads back");
    assert_eq!((back.tag, back.value), (obj.tag, obj.value));
    assert!(r.finish().is_ok(), "nothing after a re-encoded object");
}

fuzz_target!(|data: &[u8]| {
    let _ = tlv::parse_header(data);
    // An explicit stack instead of recursion: the nesting depth is the input's to choose.
    let mut stack = vec![Reader::new(data)];
    let mut objects = 0usize;
    while let Some(mut r) = stack.pop() {
        let _ = r.peek_tag();
        match r.read() {
            Ok(obj) => {
                objects += 1;
                assert!(objects <= data.len(), "more objects than bytes");
                roundtrip(&obj);
                let rest = r.clone();
                if !rest.is_empty() {
                    stack.push(rest);
                }
                if tlv::is_constructed(obj.tag) {
                    stack.push(Reader::nested(&obj));
                }
            }
            Err(_) => {
                let _ = r.finish();
            }
        }
    }
    // The lookups a parser makes at one level.
    let mut r = Reader::new(data);
    let _ = r.find(0x5F1F);
    let mut r = Reader::new(data);
    let _ = r.expect(0x77);
});
