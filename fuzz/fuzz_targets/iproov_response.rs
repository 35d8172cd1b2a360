//! The iProov service's answers (docs: iproov-api.md): token grants, image acceptance,
//! validation results (both shapes), invalidate/availability flags and error bodies with
//! every status class.
#![no_main]

use enrol_kiosk::iproov::client::api_error;
use enrol_kiosk::iproov::{Call, ImageAccepted, TokenGrant, Validation};
use libfuzzer_sys::fuzz_target;

const CALLS: [Call; 6] = [
    Call::EnrolToken,
    Call::EnrolImage,
    Call::VerifyToken,
    Call::Validate,
    Call::Invalidate,
    Call::Availability,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let _ = serde_json::from_slice::<TokenGrant>(body);
    let _ = serde_json::from_slice::<ImageAccepted>(body);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let _ = Validation::from_json(&v);
        let _ = v.get("claim_aborted").and_then(serde_json::Value::as_bool);
    }
    let call = CALLS[usize::from(pick) % CALLS.len()];
    let status = [400u16, 401, 403, 404, 429, 500, 502, 503][usize::from(pick >> 3) % 8];
    let e = api_error(call, status, body);
    let _ = (e.to_string(), e.record_code(), e.code().map(|c| c.staff_message()));
});
