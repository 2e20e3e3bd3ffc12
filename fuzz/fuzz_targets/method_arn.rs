//! Any bytes as a method ARN: parsed or refused without panicking; an accepted
//! ARN prints back as it was read, and its stage-wide resource is its own API
//! and stage, free of wildcards, followed by `/*/*`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::MethodArn;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(arn) = MethodArn::parse(text) else { return };
    assert_eq!(arn.to_string(), text, "prints back as read");

    let resource = arn.stage_wide();
    let stage = resource.strip_suffix("/*/*").expect("ends with /*/*");
    assert!(!stage.contains(['*', '?']), "no wildcard before /*/*: {resource}");
    assert_eq!(stage.matches(':').count(), 5, "{resource}");
    assert_eq!(stage.matches('/').count(), 1, "{resource}");
    let prefix = format!("{}/{}/{}", arn.api_id(), arn.stage(), arn.verb());
    assert!(text.contains(&prefix), "{text} holds {prefix}");
    assert!(text.starts_with(stage), "{text} starts with {stage}");
    assert!(text[stage.len()..].starts_with('/'), "{text}");
});
