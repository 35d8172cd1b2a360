//! X.509 certificates (RFC 5280, ICAO 9303 Part 12): the parse, every accessor, the key and
//! the signature algorithm, and the DER/PEM file loader. (Signatures are checked by the `cms`
//! and `master_list` targets: a generic-curve check here would take seconds per input.)
#![no_main]

use std::time::SystemTime;

use enrol_kiosk::trust::{Certificate, TrustStore};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Certificate::from_der(data) {
        let _ = (c.subject_text(), c.issuer_text(), c.common_name(), c.display_name());
        let _ = (c.country(), c.issuer_country(), c.serial(), c.subject_key_id());
        let _ = (c.authority_key_id(), c.key_usage(), c.validity_dates());
        let _ = c.validity_at(SystemTime::UNIX_EPOCH);
        if let Ok(k) = c.public_key() {
            let _ = k.describe();
        }
        if let Ok(a) = c.signature_algorithm() {
            let _ = a.name();
        }
    }
    let mut store = TrustStore::new();
    let _ = store.add_certificates(data, "fuzz");
});
