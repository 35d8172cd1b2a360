//! EF.SOD (ICAO 9303 Part 10 §4.6.2): the 77 wrapper, the CMS SignedData structure and the
//! LDSSecurityObject, and hash checks against the data groups it lists.
#![no_main]

use std::collections::BTreeMap;

use enrol_kiosk::lds::sod;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = sod::parse(data) {
        let files: BTreeMap<u8, Vec<u8>> = s.dg_hashes.keys().map(|n| (*n, vec![*n])).collect();
        let lso = sod::parse_lds_security_object(&s.lds_security_object)
            .expect("the LDSSecurityObject parse returned parses again");
        assert_eq!(lso.dg_hashes, s.dg_hashes);
        let _ = s.check_all(&files);
    }
    // The same bytes as a bare LDSSecurityObject.
    let _ = sod::parse_lds_security_object(data);
});
