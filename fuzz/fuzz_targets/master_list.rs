//! CSCA master lists (ICAO 9303 Part 12 §9): CMS SignedData, its signature, the CscaMasterList
//! and every certificate in it, into a trust store.
#![no_main]

use enrol_kiosk::trust::TrustStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut store = TrustStore::new();
    if store.add_master_list(data, "fuzz").is_ok() {
        // One chain lookup (each is a walk over the whole store).
        if let Some(a) = store.anchors().first() {
            let _ = store.issuers_of(&a.cert);
        }
    }
});
