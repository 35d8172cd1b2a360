//! EF.CardAccess (ICAO 9303 Part 11 §9.2): parses the SecurityInfos; the PACEInfos found
//! re-encode to a file that parses to the same PACEInfos.
#![no_main]

use enrol_kiosk::lds::card_access::{self, CardAccess, PaceInfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ca) = card_access::parse(data) {
        let pace: Vec<PaceInfo> = ca.pace_infos().cloned().collect();
        for p in &pace {
            let _ = p.protocol.name();
        }
        let again =
            card_access::parse(&CardAccess::encode_pace(&pace)).expect("encoded PACEInfos parse");
        let back: Vec<PaceInfo> = again.pace_infos().cloned().collect();
        assert_eq!(back, pace);
    }
});
