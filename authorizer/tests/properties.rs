//! Properties of the whole authorizer over generated inputs: whatever arrives as
//! an `Authorization` value or as an event, the answer is a refusal unless a
//! signature made with a key of the pool verified, and a verified token is
//! allowed exactly when every claim rule holds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::LazyLock;

use authorizer::verify::{self, MAX_TOKEN_BYTES};
use authorizer::{Authorizer, Unauthorized, extract};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerResponse;
use aws_lambda_events::iam::IamPolicyEffect;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use shared::StudioUserProfileName;
use standins::keys::{SigningKey, b64url};
use support::{ARN, ISSUER, STAGE_WIDE, id_claims, now, request_event, token_event};

const KID: &str = "key-1";

/// The pool's key, a stranger's key under the pool's `kid`, the authorizer
/// that trusts only the first, and one genuine token.
struct Fixture {
    key: SigningKey,
    forger: SigningKey,
    authorizer: Authorizer,
    token: String,
    runtime: tokio::runtime::Runtime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let key = SigningKey::generate(KID).unwrap();
    let forger = SigningKey::generate(KID).unwrap();
    let authorizer = support::pinned(&[&key]);
    let token = key.mint(&id_claims(0, 3600)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    Fixture { key, forger, authorizer, token, runtime }
});

type Answer = Result<ApiGatewayCustomAuthorizerResponse, Unauthorized>;

fn authorize(event: &Value) -> Answer {
    let fixture = &*FIXTURE;
    fixture.runtime.block_on(fixture.authorizer.authorize(event))
}

fn effect(answer: &Answer) -> Option<IamPolicyEffect> {
    answer.as_ref().ok().map(|policy| policy.policy_document.statement[0].effect.clone())
}

/// Whether `token` carries a valid RS256 signature by the pool's key, checked
/// here with aws-lc-rs directly and strict base64url, apart from the
/// authorizer's own code.
fn signature_verifies(token: &str) -> bool {
    let Some((input, signature)) = token.rsplit_once('.') else { return false };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else { return false };
    let jwk = FIXTURE.key.jwk();
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &signature)
        .is_ok()
}

/// A change to a token's text: a byte replaced, inserted or removed.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // JWT characters mostly, so the mutants get past the shape checks and
    // reach the decoder and the signature; any byte some of the time.
    let byte = prop_oneof![
        4 => select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Mutation::Replace(at, b)),
        (any::<usize>(), byte).prop_map(|(at, b)| Mutation::Insert(at, b)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

fn mutate(token: &str, mutations: &[Mutation]) -> String {
    let mut bytes = token.as_bytes().to_vec();
    for mutation in mutations {
        match *mutation {
            Mutation::Replace(at, b) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] = b;
            }
            Mutation::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Mutation::Remove(at) if !bytes.is_empty() => {
                bytes.remove(at % bytes.len());
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Arbitrary JSON, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        select(vec!["REQUEST", "TOKEN", "Authorization", "Bearer a.b.c", ARN])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::hash_map(
                prop_oneof![
                    select(vec![
                        "type",
                        "headers",
                        "multiValueHeaders",
                        "authorizationToken",
                        "methodArn",
                        "requestContext",
                        "identity",
                        "vpceId",
                        "Authorization",
                        "authorization",
                    ])
                    .prop_map(str::to_owned),
                    ".{0,10}",
                ],
                inner,
                0..6,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_as_the_authorization_value_are_unauthorized(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let value = String::from_utf8_lossy(&bytes);
        prop_assert_eq!(authorize(&request_event(&value)).err(), Some(Unauthorized));
        prop_assert_eq!(authorize(&token_event(&value)).err(), Some(Unauthorized));
        let bearer = format!("Bearer {value}");
        prop_assert_eq!(authorize(&request_event(&bearer)).err(), Some(Unauthorized));
        prop_assert_eq!(authorize(&token_event(&bearer)).err(), Some(Unauthorized));
    }

    #[test]
    fn any_string_as_the_authorization_value_is_unauthorized(value in any::<String>()) {
        prop_assert_eq!(authorize(&request_event(&value)).err(), Some(Unauthorized));
        prop_assert_eq!(authorize(&token_event(&value)).err(), Some(Unauthorized));
    }

    #[test]
    fn jwt_shaped_values_without_a_pool_signature_are_unauthorized(
        header in prop_oneof![
            Just(json!({"alg": "RS256", "kid": KID}).to_string()),
            Just(json!({"alg": "none", "kid": KID}).to_string()),
            Just(json!({"alg": "HS256", "kid": KID}).to_string()),
            ".{0,40}",
        ],
        payload in prop_oneof![Just(id_claims(0, 3600).to_string()), ".{0,80}"],
        signature in prop::collection::vec(any::<u8>(), 0..300),
        scheme in select(vec!["", "Bearer ", "bearer  ", "BEARER "]),
    ) {
        let token = format!("{}.{}.{}", b64url(&header), b64url(&payload), b64url(&signature));
        let value = format!("{scheme}{token}");
        prop_assert_eq!(authorize(&request_event(&value)).err(), Some(Unauthorized));
        prop_assert_eq!(authorize(&token_event(&value)).err(), Some(Unauthorized));
    }

    #[test]
    fn any_event_is_answered_without_panic_and_never_allowed(event in any_json()) {
        prop_assert_eq!(authorize(&event).err(), Some(Unauthorized));
    }

    #[test]
    fn bearer_gives_a_jwt_shaped_suffix_or_refuses(value in any::<String>()) {
        if let Ok(token) = extract::bearer(&value) {
            prop_assert!(value.ends_with(token));
            prop_assert!(token.len() <= MAX_TOKEN_BYTES);
            prop_assert!(token.contains('.'));
            prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        }
    }

    #[test]
    fn parse_accepts_only_three_strict_parts(value in "[A-Za-z0-9_.=+/-]{0,120}") {
        if let Ok(token) = verify::Token::new(&value)
            && let Ok(unverified) = verify::parse(&token)
        {
            prop_assert_eq!(value.split('.').count(), 3);
            prop_assert!(!unverified.kid().is_empty());
            for part in value.split('.') {
                prop_assert!(URL_SAFE_NO_PAD.decode(part).is_ok());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn mutated_tokens_are_allowed_only_if_they_still_verify(
        mutations in prop::collection::vec(mutation(), 1..4),
        scheme in select(vec!["Bearer ", ""]),
    ) {
        let fixture = &*FIXTURE;
        let mutant = mutate(&fixture.token, &mutations);
        let answer = authorize(&request_event(&format!("{scheme}{mutant}")));
        if mutant == fixture.token {
            prop_assert_eq!(effect(&answer), Some(IamPolicyEffect::Allow));
        } else {
            // A Deny is an answer for a verified caller too: neither may come
            // out of a token the pool did not sign.
            prop_assert!(
                answer.is_err() || signature_verifies(&mutant),
                "{mutant} was answered with a policy without a valid signature"
            );
            prop_assert_eq!(answer.err(), Some(Unauthorized), "{}", mutant);
        }
    }
}

/// Claims an attacker might choose: each rule's claim right most of the time,
/// so that about a quarter of the sets pass every rule.
fn chosen_claims() -> impl Strategy<Value = (Value, bool, Option<String>)> {
    let now = now();
    (
        prop_oneof![
            5 => Just(ISSUER),
            1 => select(vec!["https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other", ""]),
        ],
        prop_oneof![5 => Just("id"), 1 => select(vec!["access", "ID", ""])],
        prop_oneof![
            5 => select(vec!["client1", "client2"]).prop_map(|s| Some(json!(s))),
            1 => select(vec!["client3", ""]).prop_map(|s| Some(json!(s))),
            1 => Just(None),
            1 => Just(Some(json!(["client1"]))),
        ],
        prop_oneof![5 => select(vec![60_i64, 3600]), 1 => select(vec![-86_400_i64, -30])],
        prop_oneof![5 => Just(None), 1 => Just(Some(-60_i64)), 1 => Just(Some(3600_i64))],
        prop_oneof![5 => Just(-10_i64), 1 => Just(3600_i64)],
        prop_oneof![
            3 => "[a-zA-Z0-9](-{0,2}[a-zA-Z0-9]){0,30}".prop_map(|s| Some(json!(s))),
            1 => select(vec!["alice", "user--one", "USER-ONE", "first.last@example.com", "-x", ""])
                .prop_map(|s| Some(json!(s))),
            1 => "[a-zA-Z0-9._@-]{0,70}".prop_map(|s| Some(json!(s))),
            1 => Just(Some(json!(42))),
            1 => Just(None),
        ],
        "[ -~]{1,40}",
    )
        .prop_map(move |(iss, token_use, aud, exp, nbf, iat, profile, sub)| {
            let mut claims = json!({
                "sub": sub,
                "iss": iss,
                "token_use": token_use,
                "iat": now + iat,
                "exp": now + exp,
                "cognito:username": "someone",
            });
            if let Some(aud) = aud.clone() {
                claims["aud"] = aud;
            }
            if let Some(nbf) = nbf {
                claims["nbf"] = json!(now + nbf);
            }
            if let Some(profile) = profile.clone() {
                claims["custom:studio_user_profile"] = profile;
            }
            let verifies = iss == ISSUER
                && token_use == "id"
                && aud
                    .as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|a| a == "client1" || a == "client2")
                && exp > 0
                && nbf.is_none_or(|nbf| nbf < 0)
                && iat < 0;
            let valid_profile = profile
                .as_ref()
                .and_then(Value::as_str)
                .filter(|p| StudioUserProfileName::parse(p).is_ok())
                .map(str::to_owned);
            (claims, verifies, valid_profile)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_claims_signed_by_a_key_outside_the_set_are_unauthorized(
        (claims, _, _) in chosen_claims(),
        kid in prop_oneof![Just(KID.to_owned()), "[a-zA-Z0-9-]{1,20}"],
    ) {
        let header = json!({"alg": "RS256", "kid": kid}).to_string();
        let token = FIXTURE.forger.sign_parts(&header, &claims.to_string()).unwrap();
        prop_assert_eq!(authorize(&request_event(&format!("Bearer {token}"))).err(), Some(Unauthorized));
        prop_assert_eq!(authorize(&token_event(&token)).err(), Some(Unauthorized));
    }

    #[test]
    fn pool_signed_claims_are_allowed_exactly_when_every_rule_holds(
        (claims, verifies, profile) in chosen_claims(),
    ) {
        let token = FIXTURE.key.mint(&claims).unwrap();
        let answer = authorize(&request_event(&format!("Bearer {token}")));
        match (verifies, profile) {
            (false, _) => prop_assert_eq!(answer.err(), Some(Unauthorized), "{}", claims),
            (true, None) => prop_assert_eq!(effect(&answer), Some(IamPolicyEffect::Deny), "{}", claims),
            (true, Some(profile)) => {
                let policy = answer.unwrap();
                prop_assert_eq!(&policy.policy_document.statement[0].effect, &IamPolicyEffect::Allow);
                prop_assert_eq!(&policy.policy_document.statement[0].resource, &vec![STAGE_WIDE.to_owned()]);
                prop_assert_eq!(policy.principal_id.as_deref(), claims["sub"].as_str());
                prop_assert_eq!(policy.context["studioUserProfile"].as_str(), Some(profile.as_str()));
            }
        }
    }
}
