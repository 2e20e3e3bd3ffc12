//! Any bytes as a JWKS document: parsed or refused without panicking, and the
//! keys held are exactly those this target judges usable by hand: an RSA key
//! for RS256 signatures (`use` sig and `alg` RS256 where present) with a
//! non-empty `kid`, a canonical base64url 2048 to 8192 bit modulus and a
//! non-empty exponent, whose `kid` no other usable key shares.

#![no_main]

use std::collections::HashMap;

use authorizer::jwks::KeySet;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn usable_kid(key: &Value) -> Option<&str> {
    let text = |name: &str| key.get(name).map(|value| value.as_str().ok_or(()));
    let optional_is = |name: &str, want: &str| match text(name) {
        None => Some(true),
        Some(Ok(value)) => Some(value == want),
        Some(Err(())) => None,
    };
    if text("kty")? != Ok("RSA") || !optional_is("use", "sig")? || !optional_is("alg", "RS256")? {
        return None;
    }
    let kid = text("kid")?.ok()?;
    let n = URL_SAFE_NO_PAD.decode(text("n")?.ok()?).ok()?;
    let e = URL_SAFE_NO_PAD.decode(text("e")?.ok()?).ok()?;
    let significant = n.len() - n.iter().take_while(|b| **b == 0).count();
    (!kid.is_empty() && (256..=1024).contains(&significant) && !e.is_empty()).then_some(kid)
}

fuzz_target!(|data: &[u8]| {
    let parsed = KeySet::parse(data);
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        assert!(parsed.is_err(), "a key set from bytes that are not JSON");
        return;
    };
    let Ok(set) = parsed else { return };

    let keys = document["keys"].as_array().expect("an accepted set has a keys array");
    let mut usable: HashMap<&str, usize> = HashMap::new();
    for kid in keys.iter().filter_map(usable_kid) {
        *usable.entry(kid).or_default() += 1;
    }
    let expected: Vec<&str> =
        usable.iter().filter(|(_, count)| **count == 1).map(|(kid, _)| *kid).collect();
    assert!(!expected.is_empty(), "a set accepted without a usable key");
    assert_eq!(set.len(), expected.len(), "held {set:?}, usable {usable:?}");
    for kid in expected {
        assert!(set.get(kid).is_some(), "usable key {kid:?} not held");
    }
});
