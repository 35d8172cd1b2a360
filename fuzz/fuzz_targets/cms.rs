//! CMS SignedData (RFC 5652) as EF.SOD and master lists carry it: the parse, then the
//! signature check with the embedded signer certificate (signed attributes, digest, key).
#![no_main]

use enrol_kiosk::trust::sod_signature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // EF.SOD files (77 wrapper) are seeds too: also try what is inside the wrapper.
    let inner = enrol_kiosk::lds::sod::parse(data).map(|s| s.signed_data).ok();
    for bytes in [Some(data.to_vec()), inner].into_iter().flatten() {
        let _ = sod_signature::verify_sod(&bytes);
    }
});
