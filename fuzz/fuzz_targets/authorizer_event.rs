//! Any bytes as a whole authorizer event: whatever JSON arrives, the
//! authorizer answers without panicking, and with `Unauthorized`, since no
//! input made here carries a pool signature.

#![no_main]

use authorizer::{Unauthorized, extract};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use studio_gate_fuzz::POOL_FIXTURE;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<Value>(data) else { return };
    let _ = extract::request(&event);
    let answer = POOL_FIXTURE.authorize(&event);
    assert_eq!(answer.err(), Some(Unauthorized), "an unsigned event was answered with a policy");
});
