//! Any bytes as the `Authorization` value of a REQUEST event and the token of a
//! TOKEN event: extraction, strict parsing and the whole authorizer. No input
//! made here carries a pool signature, so every answer must be `Unauthorized`.

#![no_main]

use authorizer::verify::{self, MAX_TOKEN_BYTES};
use authorizer::{Unauthorized, extract};
use libfuzzer_sys::fuzz_target;
use studio_gate_fuzz::{POOL_FIXTURE, request_event, token_event};

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);

    if let Ok(token) = extract::bearer(&value) {
        assert!(value.ends_with(token), "the token is the end of the value");
        assert!(token.len() <= MAX_TOKEN_BYTES);
        if let Ok(parts) = verify::Token::new(token)
            && let Ok(unverified) = verify::parse(&parts)
        {
            assert_eq!(token.split('.').count(), 3, "three parts");
            assert!(!unverified.kid().is_empty(), "a kid");
        }
    }
    if let Ok(token) = verify::Token::new(&value) {
        let _ = verify::parse(&token);
    }

    for event in [request_event(&value), token_event(&value)] {
        let answer = POOL_FIXTURE.authorize(&event);
        assert_eq!(answer.err(), Some(Unauthorized), "{value:?} was answered with a policy");
    }
});
