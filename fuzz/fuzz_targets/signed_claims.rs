//! Any bytes as the payload of a token the pool really signed: the claim
//! checks, with real signatures. An Allow must mean every rule holds (checked
//! here by hand), a Deny that every token rule holds but the profile claim is
//! missing or invalid.

#![no_main]

use aws_lambda_events::iam::IamPolicyEffect;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use studio_gate_fuzz::{
    CLIENTS, CLOCK_SLACK, ISSUER, KID, POOL_FIXTURE, effect, is_profile_name, now, request_event,
};

fuzz_target!(|data: &[u8]| {
    let header = format!(r#"{{"alg":"RS256","kid":"{KID}"}}"#);
    let token = POOL_FIXTURE.sign(header.as_bytes(), data);
    let answer = POOL_FIXTURE.authorize(&request_event(&format!("Bearer {token}")));
    let Some(effect) = effect(&answer) else { return };

    let claims: Value =
        serde_json::from_slice(data).expect("a policy for a payload that is not JSON");
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_u64).map(i128::from);
    let now = now();
    assert_eq!(text("iss"), Some(ISSUER), "iss");
    assert_eq!(text("token_use"), Some("id"), "token_use");
    assert!(text("aud").is_some_and(|aud| CLIENTS.contains(&aud)), "aud");
    assert!(number("exp").is_some_and(|exp| exp + CLOCK_SLACK >= now), "exp");
    assert!(number("iat").is_some_and(|iat| iat <= now + CLOCK_SLACK), "iat");
    assert!(
        claims
            .get("nbf")
            .is_none_or(|nbf| nbf.as_u64().is_some_and(|nbf| i128::from(nbf) <= now + CLOCK_SLACK)),
        "nbf"
    );
    let sub = text("sub").expect("sub");
    let policy = answer.as_ref().expect("a policy");
    assert_eq!(policy.principal_id.as_deref(), Some(sub), "principalId is sub");

    let profile = text("custom:studio_user_profile").filter(|p| is_profile_name(p));
    match effect {
        IamPolicyEffect::Allow => {
            let profile = profile.expect("an Allow without a valid profile claim");
            assert_eq!(policy.context["studioUserProfile"].as_str(), Some(profile));
            assert_eq!(policy.context["sub"].as_str(), Some(sub));
        }
        IamPolicyEffect::Deny => assert!(profile.is_none(), "a Deny for a valid profile"),
        other => panic!("an answer with effect {other:?}"),
    }
});
