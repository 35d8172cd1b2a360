//! Certificate revocation lists (RFC 5280 §5): the parse, the accessors, a revocation lookup,
//! and the DER/PEM file loader.
#![no_main]

use enrol_kiosk::trust::TrustStore;
use enrol_kiosk::trust::crl::Crl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Crl::from_der(data, "fuzz") {
        let _ = (c.issuer(), c.this_update());
        let _ = c.revocation_of(&[0x01]);
        let _ = c.revocation_of(data.get(..data.len().min(20)).unwrap_or_default());
    }
    let mut store = TrustStore::new();
    let _ = store.add_crls(data, "fuzz");
});
