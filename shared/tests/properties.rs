//! Properties of the shared types over generated inputs: method ARNs print back
//! as they were read and their stage-wide resource never leaves the ARN's API
//! and stage; profile names are valid exactly when SageMaker's pattern says so;
//! the authorizer context reads back what was written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::LazyLock;

use proptest::prelude::*;
use regex::Regex;
use serde_json::Value;
use shared::profile::MAX_LEN;
use shared::{AuthorizerContext, MethodArn, StudioUserProfileName};

/// SageMaker's pattern for `UserProfileName` and `SpaceName`. The API also caps
/// the length at 63, which the pattern alone does not (`-*` is unbounded).
static PROFILE_PATTERN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$").unwrap());

fn sagemaker_accepts(name: &str) -> bool {
    PROFILE_PATTERN.is_match(name) && name.len() <= MAX_LEN
}

/// The parts of a method ARN that API Gateway can send.
#[derive(Debug, Clone)]
struct ArnParts {
    partition: String,
    region: String,
    account: String,
    api_id: String,
    stage: String,
    verb: String,
    path: String,
}

impl ArnParts {
    fn text(&self) -> String {
        format!(
            "arn:{}:execute-api:{}:{}:{}/{}/{}/{}",
            self.partition,
            self.region,
            self.account,
            self.api_id,
            self.stage,
            self.verb,
            self.path
        )
    }

    fn stage_prefix(&self) -> String {
        format!(
            "arn:{}:execute-api:{}:{}:{}/{}/",
            self.partition, self.region, self.account, self.api_id, self.stage
        )
    }
}

fn arn_parts() -> impl Strategy<Value = ArnParts> {
    (
        prop_oneof![Just("aws".to_owned()), Just("aws-cn".to_owned()), "[a-z][a-z-]{0,12}"],
        prop_oneof![Just("eu-west-1".to_owned()), "[a-z0-9-]{1,20}"],
        "[0-9]{12}",
        "[a-zA-Z0-9]{1,12}",
        "[a-zA-Z0-9_-]{1,20}",
        prop_oneof![
            Just("GET".to_owned()),
            Just("POST".to_owned()),
            Just("*".to_owned()),
            "[A-Z]{1,7}"
        ],
        // Any printable path, `:` and `/` included; it may be empty (the root).
        "[ -~]{0,60}",
    )
        .prop_map(|(partition, region, account, api_id, stage, verb, path)| ArnParts {
            partition,
            region,
            account,
            api_id,
            stage,
            verb,
            path,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_method_arn_prints_back_as_it_was_read(parts in arn_parts()) {
        let text = parts.text();
        let arn = MethodArn::parse(&text).unwrap();
        prop_assert_eq!(arn.to_string(), text.clone());
        prop_assert_eq!(text.parse::<MethodArn>().unwrap(), arn.clone());
        prop_assert_eq!(arn.region(), parts.region.as_str());
        prop_assert_eq!(arn.account(), parts.account.as_str());
        prop_assert_eq!(arn.api_id(), parts.api_id.as_str());
        prop_assert_eq!(arn.stage(), parts.stage.as_str());
        prop_assert_eq!(arn.verb(), parts.verb.as_str());
        prop_assert_eq!(arn.path(), parts.path.as_str());
    }

    #[test]
    fn stage_wide_resource_is_this_api_and_stage_then_wildcards(parts in arn_parts()) {
        let arn = MethodArn::parse(&parts.text()).unwrap();
        let resource = arn.stage_wide();
        let prefix = parts.stage_prefix();
        prop_assert!(resource.starts_with(&prefix), "{resource} does not start with {prefix}");
        prop_assert_eq!(&resource[prefix.len()..], "*/*");
    }

    #[test]
    fn any_string_is_parsed_or_refused_and_what_parses_prints_back(text in any::<String>()) {
        if let Ok(arn) = MethodArn::parse(&text) {
            prop_assert_eq!(arn.to_string(), text);
            let resource = arn.stage_wide();
            let stage_part = resource.strip_suffix("/*/*").unwrap();
            prop_assert!(!stage_part.contains(['*', '?']), "{resource}");
        }
    }

    #[test]
    fn arn_shaped_strings_with_any_parts_keep_wildcards_out_of_the_stage(
        partition in "[a-z*?-]{0,6}",
        region in "[a-z0-9*?:/-]{0,12}",
        account in "[0-9*?:]{0,13}",
        api_id in "[a-zA-Z0-9*?:/]{0,8}",
        stage in "[a-zA-Z0-9_*?/-]{0,8}",
        route in "[ -~]{0,20}",
    ) {
        let text = format!("arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/{route}");
        if let Ok(arn) = MethodArn::parse(&text) {
            prop_assert_eq!(arn.to_string(), text.clone());
            let resource = arn.stage_wide();
            let stage_part = resource.strip_suffix("/*/*").unwrap();
            prop_assert!(!stage_part.contains(['*', '?']), "{text} gave {resource}");
            prop_assert_eq!(stage_part.matches(':').count(), 5, "{}", resource);
            prop_assert_eq!(stage_part.matches('/').count(), 1, "{}", resource);
        }
    }

    #[test]
    fn profile_name_is_valid_exactly_when_sagemaker_accepts_it(name in any::<String>()) {
        prop_assert_eq!(StudioUserProfileName::parse(&name).is_ok(), sagemaker_accepts(&name));
    }

    #[test]
    fn profile_shaped_names_are_valid_exactly_when_sagemaker_accepts_them(
        name in "[a-zA-Z0-9-]{0,70}",
    ) {
        prop_assert_eq!(
            StudioUserProfileName::parse(&name).is_ok(),
            sagemaker_accepts(&name),
            "{:?}",
            name
        );
    }

    #[test]
    fn names_drawn_from_the_pattern_are_valid_when_short_enough(
        name in "[a-zA-Z0-9](-{0,3}[a-zA-Z0-9]){0,62}",
    ) {
        let parsed = StudioUserProfileName::parse(&name);
        prop_assert_eq!(parsed.is_ok(), name.len() <= MAX_LEN, "{:?}", name);
        if let Ok(profile) = parsed {
            prop_assert_eq!(profile.as_str(), name.as_str());
        }
    }

    #[test]
    fn context_reads_back_what_the_authorizer_wrote(
        profile in "[a-zA-Z0-9](-?[a-zA-Z0-9]){0,30}",
        sub in "[ -~]{0,40}",
        username in any::<String>(),
        groups in prop::collection::vec("[^,]{1,12}", 0..5),
    ) {
        let written = AuthorizerContext {
            profile: StudioUserProfileName::parse(&profile).unwrap(),
            sub,
            username,
            groups,
        };
        let fields = written.to_fields();
        prop_assert!(fields.values().all(Value::is_string));
        let mut received: HashMap<String, Value> = fields.into_iter().collect();
        received.insert("principalId".into(), Value::String(written.sub.clone()));
        prop_assert_eq!(AuthorizerContext::from_fields(&received), Ok(written));
    }
}

#[test]
fn long_hyphen_runs_match_the_pattern_but_exceed_the_length_cap() {
    // The pattern alone would accept this 66-character name; SageMaker's length
    // cap does not, and neither does the profile type.
    let name = format!("a{}b", "-".repeat(64));
    assert!(PROFILE_PATTERN.is_match(&name));
    assert!(StudioUserProfileName::parse(&name).is_err());
}
