//! Decisions of the whole authorizer, one rule at a time, with tokens signed by
//! keys made here and the keys pinned (the fetching is tested in `tests/`).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use standins::keys::{SigningKey, b64url, jwks};

use super::*;
use crate::jwks::KeySet;

const POOL: &str = "eu-west-1_AbC123xyZ";
const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ";
const CLIENT: &str = "client1";
const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";
const STAGE_WIDE: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*";
const SUB: &str = "5f1c6d0e-0000-4000-8000-000000000001";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

struct Fixture {
    key: SigningKey,
    other: SigningKey,
    authorizer: Authorizer,
}

fn fixture(extra: &[(&str, &str)]) -> Fixture {
    let key = SigningKey::generate("key-1").unwrap();
    let other = SigningKey::generate("key-2").unwrap();
    let mut vars: HashMap<String, String> =
        [("USER_POOL_ID", POOL), ("APP_CLIENT_IDS", "client1,client2")]
            .iter()
            .chain(extra)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
    vars.insert("JWKS_URL".into(), "http://127.0.0.1:9/unused".into());
    let settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let keys = KeySet::parse(jwks(&[&key]).to_string().as_bytes()).unwrap();
    let jwks = Jwks::pinned(keys, settings.jwks.clone());
    Fixture { key, other, authorizer: Authorizer::with_keys(settings, jwks) }
}

fn id_claims() -> Value {
    let now = now();
    json!({
        "sub": SUB,
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "auth_time": now - 10,
        "iat": now - 10,
        "exp": now + 3600,
        "cognito:username": "alice",
        "cognito:groups": ["studio-users"],
        "custom:studio_user_profile": "alice",
        "jti": "j1",
        "origin_jti": "o1"
    })
}

fn access_claims() -> Value {
    let now = now();
    json!({
        "sub": SUB,
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now - 10,
        "iat": now - 10,
        "exp": now + 3600,
        "username": "alice",
        "cognito:groups": ["studio-users"],
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn request_event(authorization: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"Authorization": authorization},
        "multiValueHeaders": {"Authorization": [authorization]},
        "requestContext": {"identity": {"sourceIp": "10.0.0.1", "vpceId": "vpce-0abc123"}}
    })
}

impl Fixture {
    fn token(&self, claims: &Value) -> String {
        self.key.mint(claims).unwrap()
    }

    async fn decide(
        &self,
        event: &Value,
    ) -> (Result<ApiGatewayCustomAuthorizerResponse, Unauthorized>, Decision) {
        let mut log = Decision::default();
        let answer = self.authorizer.decide(event, &mut log).await;
        (answer, log)
    }

    async fn bearer(
        &self,
        token: &str,
    ) -> (Result<ApiGatewayCustomAuthorizerResponse, Unauthorized>, Decision) {
        self.decide(&request_event(&format!("Bearer {token}"))).await
    }

    async fn assert_unauthorized(&self, token: &str, reason: Reason) {
        let (answer, log) = self.bearer(token).await;
        assert_eq!(answer.err(), Some(Unauthorized), "want {reason}");
        assert_eq!(log.reason, Some(reason));
    }

    async fn assert_denied(&self, token: &str, reason: Reason) {
        let (answer, log) = self.bearer(token).await;
        let answer = serde_json::to_value(answer.expect("a policy")).unwrap();
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Deny", "want {reason}");
        assert_eq!(answer["principalId"], SUB);
        assert_eq!(answer["context"], json!({}));
        assert_eq!(log.reason, Some(reason));
    }

    async fn assert_allowed(&self, token: &str) -> Value {
        let (answer, log) = self.bearer(token).await;
        assert_eq!(log.reason, None);
        let answer = serde_json::to_value(answer.expect("a policy")).unwrap();
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Allow");
        answer
    }
}

#[tokio::test]
async fn valid_id_token_is_allowed_on_the_whole_stage_with_its_context() {
    let f = fixture(&[]);
    let answer = f.assert_allowed(&f.token(&id_claims())).await;
    assert_eq!(answer["principalId"], SUB);
    assert_eq!(
        answer["policyDocument"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [STAGE_WIDE]}]
        })
    );
    assert_eq!(
        answer["context"],
        json!({"studioUserProfile": "alice", "sub": SUB, "username": "alice", "groups": "studio-users"})
    );
}

#[tokio::test]
async fn valid_access_token_is_allowed_when_access_tokens_are_configured() {
    let f = fixture(&[("TOKEN_USE", "access"), ("PROFILE_CLAIM", "username")]);
    let answer = f.assert_allowed(&f.token(&access_claims())).await;
    assert_eq!(answer["context"]["studioUserProfile"], "alice");
    assert_eq!(answer["context"]["username"], "alice");
}

#[tokio::test]
async fn id_token_where_access_tokens_are_configured_is_unauthorized_for_token_use() {
    let f = fixture(&[("TOKEN_USE", "access")]);
    f.assert_unauthorized(&f.token(&id_claims()), Reason::WrongTokenUse).await;
}

#[tokio::test]
async fn access_token_where_id_tokens_are_configured_is_unauthorized_for_token_use() {
    let f = fixture(&[]);
    f.assert_unauthorized(&f.token(&access_claims()), Reason::WrongTokenUse).await;
}

#[tokio::test]
async fn access_token_of_another_app_is_unauthorized() {
    let f = fixture(&[("TOKEN_USE", "access")]);
    let other_app = with(access_claims(), "client_id", json!("another-app"));
    f.assert_unauthorized(&f.token(&other_app), Reason::WrongClient).await;
}

#[tokio::test]
async fn access_token_with_aud_but_no_client_id_is_unauthorized() {
    let f = fixture(&[("TOKEN_USE", "access")]);
    let claims = with(without(access_claims(), "client_id"), "aud", json!(CLIENT));
    f.assert_unauthorized(&f.token(&claims), Reason::WrongClient).await;
}

#[tokio::test]
async fn id_token_with_client_id_but_no_aud_is_unauthorized() {
    let f = fixture(&[]);
    let claims = with(without(id_claims(), "aud"), "client_id", json!(CLIENT));
    f.assert_unauthorized(&f.token(&claims), Reason::WrongClient).await;
}

#[tokio::test]
async fn id_token_for_another_app_is_unauthorized() {
    let f = fixture(&[]);
    f.assert_unauthorized(&f.token(&with(id_claims(), "aud", json!("x"))), Reason::WrongClient)
        .await;
    f.assert_unauthorized(&f.token(&with(id_claims(), "aud", json!([CLIENT]))), Reason::BadClaims)
        .await;
}

#[tokio::test]
async fn token_of_another_pool_is_unauthorized() {
    let f = fixture(&[]);
    let foreign = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other";
    f.assert_unauthorized(&f.token(&with(id_claims(), "iss", json!(foreign))), Reason::WrongIssuer)
        .await;
    f.assert_unauthorized(&f.token(&without(id_claims(), "iss")), Reason::BadClaims).await;
}

#[tokio::test]
async fn alg_none_in_any_case_is_unauthorized_before_any_key_lookup() {
    let f = fixture(&[]);
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "kid": "key-1"}).to_string();
        let token = format!("{}.{}.", b64url(header), b64url(id_claims().to_string()));
        let (answer, log) = f.bearer(&token).await;
        assert_eq!(answer.err(), Some(Unauthorized));
        assert_eq!(log.reason, Some(Reason::BadAlg), "{alg}");
        assert_eq!(log.kid, None, "no key was looked up");
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_unauthorized() {
    let f = fixture(&[]);
    let pem = f.key.public_pem().unwrap();
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("key-1".into());
    let token = jsonwebtoken::encode(
        &header,
        &id_claims(),
        &EncodingKey::from_secret(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    f.assert_unauthorized(&token, Reason::BadAlg).await;
}

#[tokio::test]
async fn other_algorithms_are_unauthorized() {
    let f = fixture(&[]);
    for alg in ["RS384", "RS512", "PS256", "ES256", "rs256", "HS256", ""] {
        let header = json!({"alg": alg, "kid": "key-1"}).to_string();
        let token = f.key.sign_parts(&header, &id_claims().to_string()).unwrap();
        f.assert_unauthorized(&token, Reason::BadAlg).await;
    }
}

#[tokio::test]
async fn header_naming_a_key_elsewhere_signed_with_another_key_is_unauthorized() {
    let f = fixture(&[]);
    let elsewhere = json!({
        "alg": "RS256",
        "kid": "key-1",
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
        "jwk": f.other.jwk()
    });
    let token = f.other.sign_parts(&elsewhere.to_string(), &id_claims().to_string()).unwrap();
    f.assert_unauthorized(&token, Reason::BadSignature).await;

    let mut unknown = elsewhere;
    unknown["kid"] = json!("key-2");
    let token = f.other.sign_parts(&unknown.to_string(), &id_claims().to_string()).unwrap();
    f.assert_unauthorized(&token, Reason::UnknownKid).await;
}

#[tokio::test]
async fn kid_is_an_exact_lookup_key() {
    let f = fixture(&[]);
    for kid in [json!("KEY-1"), json!("key-1 "), json!("key-"), json!(""), json!(1), json!(null)] {
        let header = json!({"alg": "RS256", "kid": kid}).to_string();
        let token = f.key.sign_parts(&header, &id_claims().to_string()).unwrap();
        let (answer, log) = f.bearer(&token).await;
        assert_eq!(answer.err(), Some(Unauthorized), "{kid}");
        assert!(matches!(log.reason, Some(Reason::UnknownKid | Reason::NoKid | Reason::Malformed)));
    }
    let header = json!({"alg": "RS256"}).to_string();
    let token = f.key.sign_parts(&header, &id_claims().to_string()).unwrap();
    f.assert_unauthorized(&token, Reason::NoKid).await;
}

#[tokio::test]
async fn crit_header_is_unauthorized() {
    let f = fixture(&[]);
    let header = json!({"alg": "RS256", "kid": "key-1", "crit": ["exp"]}).to_string();
    let token = f.key.sign_parts(&header, &id_claims().to_string()).unwrap();
    f.assert_unauthorized(&token, Reason::CritHeader).await;
}

#[tokio::test]
async fn tampered_payload_or_signature_is_unauthorized() {
    let f = fixture(&[]);
    let token = f.token(&id_claims());
    let (header, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged =
        b64url(with(id_claims(), "custom:studio_user_profile", json!("admin")).to_string());
    f.assert_unauthorized(&format!("{header}.{forged}.{signature}"), Reason::BadSignature).await;

    let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
    sig[10] ^= 1;
    let (input, _) = token.rsplit_once('.').unwrap();
    f.assert_unauthorized(&format!("{input}.{}", b64url(sig)), Reason::BadSignature).await;
    f.assert_unauthorized(&format!("{input}.{}", b64url([0u8; 10])), Reason::BadSignature).await;
}

#[tokio::test]
async fn expiry_thirty_seconds_ago_is_unauthorized_by_default() {
    let f = fixture(&[]);
    f.assert_unauthorized(&f.token(&with(id_claims(), "exp", json!(now() - 30))), Reason::Expired)
        .await;
    f.assert_unauthorized(&f.token(&with(id_claims(), "exp", json!(now() - 1))), Reason::Expired)
        .await;
}

#[tokio::test]
async fn clock_skew_setting_is_the_leeway() {
    let f = fixture(&[("CLOCK_SKEW_SECONDS", "60")]);
    f.assert_allowed(&f.token(&with(id_claims(), "exp", json!(now() - 30)))).await;
    f.assert_unauthorized(&f.token(&with(id_claims(), "exp", json!(now() - 90))), Reason::Expired)
        .await;
}

#[tokio::test]
async fn not_before_an_hour_ahead_is_unauthorized() {
    let f = fixture(&[]);
    let claims = with(id_claims(), "nbf", json!(now() + 3600));
    f.assert_unauthorized(&f.token(&claims), Reason::NotYetValid).await;
}

#[tokio::test]
async fn issued_in_the_future_is_unauthorized() {
    let f = fixture(&[]);
    let claims = with(id_claims(), "iat", json!(now() + 600));
    f.assert_unauthorized(&f.token(&claims), Reason::IssuedInFuture).await;
}

#[tokio::test]
async fn missing_or_malformed_expiry_is_unauthorized_without_panic() {
    let f = fixture(&[]);
    f.assert_unauthorized(&f.token(&without(id_claims(), "exp")), Reason::BadClaims).await;
    for exp in
        [json!("4102444800"), json!(1e300), json!(-1), json!(null), json!(1.5), json!(u64::MAX)]
    {
        let (answer, log) = f.bearer(&f.token(&with(id_claims(), "exp", exp.clone()))).await;
        if exp == json!(u64::MAX) {
            // A valid u64 far ahead: a genuine, long-lived token.
            assert!(answer.is_ok());
            continue;
        }
        assert_eq!(answer.err(), Some(Unauthorized), "exp = {exp}");
        assert_eq!(log.reason, Some(Reason::BadClaims), "exp = {exp}");
    }
}

#[tokio::test]
async fn strictly_encoded_parts_only() {
    let f = fixture(&[]);
    let token = f.token(&id_claims());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();

    let extra = format!("{token}.{}", parts[2]);
    f.assert_unauthorized(&extra, Reason::Malformed).await;
    f.assert_unauthorized(&format!("{}.{}", parts[0], parts[1]), Reason::Malformed).await;

    let claims = id_claims().to_string();
    let padded = [" ", "  ", "   "]
        .iter()
        .map(|pad| URL_SAFE.encode(format!("{claims}{pad}")))
        .find(|encoded| encoded.ends_with('='))
        .unwrap();
    let token = format!("{}.{padded}.{}", parts[0], parts[2]);
    f.assert_unauthorized(&token, Reason::BadScheme).await;

    let standard = STANDARD.encode(format!("{claims}\u{fff}\u{fbf}>>"));
    assert!(standard.contains('+') || standard.contains('/'));
    let token = format!("{}.{}.{}", parts[0], standard.trim_end_matches('='), parts[2]);
    f.assert_unauthorized(&token, Reason::BadScheme).await;

    parts[1] = format!("{}A", parts[1]);
    f.assert_unauthorized(&parts.join("."), Reason::Malformed).await;
}

#[tokio::test]
async fn duplicate_member_names_are_unauthorized() {
    let f = fixture(&[]);
    let claims = id_claims().to_string();
    let doubled = claims.replacen('{', r#"{"custom:studio_user_profile":"admin","#, 1);
    let token = f.key.sign_parts(r#"{"kid":"key-1","alg":"RS256"}"#, &doubled).unwrap();
    f.assert_unauthorized(&token, Reason::Malformed).await;
    for doubled in [
        claims.replacen('{', r#"{"sub":"someone-else","#, 1),
        claims.replacen('{', r#"{"exp":1,"#, 1),
        claims.replacen('{', r#"{"\u0061ud":"client2","#, 1),
    ] {
        let token = f.key.sign_parts(r#"{"kid":"key-1","alg":"RS256"}"#, &doubled).unwrap();
        f.assert_unauthorized(&token, Reason::Malformed).await;
    }
    let header = r#"{"kid":"key-1","alg":"RS256","k\u0069d":"key-2"}"#;
    let token = f.key.sign_parts(header, &claims).unwrap();
    f.assert_unauthorized(&token, Reason::Malformed).await;

    let header = r#"{"kid":"key-1","alg":"RS256","alg":"none"}"#;
    let token = f.key.sign_parts(header, &claims).unwrap();
    f.assert_unauthorized(&token, Reason::Malformed).await;
}

#[tokio::test]
async fn payloads_that_are_not_objects_are_unauthorized() {
    let f = fixture(&[]);
    for payload in ["[]", "\"x\"", "null", "{", "{} {}", "{\"a\":1}x"] {
        let token = f.key.sign_parts(r#"{"kid":"key-1","alg":"RS256"}"#, payload).unwrap();
        f.assert_unauthorized(&token, Reason::Malformed).await;
    }
}

#[tokio::test]
async fn bearer_with_two_spaces_and_any_header_case_is_allowed() {
    let f = fixture(&[]);
    let token = f.token(&id_claims());
    for (name, value) in [
        ("Authorization", format!("Bearer  {token}")),
        ("authorization", format!("bearer {token}")),
        ("AUTHORIZATION", token.clone()),
    ] {
        let event = json!({
            "type": "REQUEST",
            "methodArn": ARN,
            "headers": { name: value },
            "requestContext": {"identity": {}}
        });
        let (answer, log) = f.decide(&event).await;
        assert!(answer.is_ok() && log.reason.is_none(), "{name}");
    }
}

#[tokio::test]
async fn token_event_is_answered_like_a_request_event() {
    let f = fixture(&[]);
    let event = json!({"type": "TOKEN", "authorizationToken": format!("Bearer {}", f.token(&id_claims())), "methodArn": ARN});
    let (answer, _) = f.decide(&event).await;
    assert_eq!(answer.unwrap().principal_id.as_deref(), Some(SUB));
}

#[tokio::test]
async fn two_hundred_kilobyte_header_is_unauthorized() {
    let f = fixture(&[]);
    let huge = format!("Bearer {}", "a".repeat(200 * 1024));
    let (answer, log) = f.decide(&request_event(&huge)).await;
    assert_eq!(answer.err(), Some(Unauthorized));
    assert_eq!(log.reason, Some(Reason::TooLong));
}

#[tokio::test]
async fn schemes_other_than_bearer_are_unauthorized() {
    let f = fixture(&[]);
    let token = f.token(&id_claims());
    for value in ["Basic dXNlcjpwYXNz".to_owned(), "Bearer".to_owned(), format!("Bearer {token} x")]
    {
        let (answer, log) = f.decide(&request_event(&value)).await;
        assert_eq!(answer.err(), Some(Unauthorized));
        assert_eq!(log.reason, Some(Reason::BadScheme));
    }
}

#[tokio::test]
async fn profile_names_sagemaker_accepts_are_allowed() {
    let f = fixture(&[]);
    for profile in ["user--one", "USER-ONE", "a", &"b".repeat(63)] {
        let token = f.token(&with(id_claims(), "custom:studio_user_profile", json!(profile)));
        let answer = f.assert_allowed(&token).await;
        assert_eq!(answer["context"]["studioUserProfile"], profile);
    }
}

#[tokio::test]
async fn profile_names_sagemaker_refuses_are_denied() {
    let f = fixture(&[]);
    for profile in ["first.last@example.com", "first_last", "-user", &"c".repeat(64), ""] {
        let token = f.token(&with(id_claims(), "custom:studio_user_profile", json!(profile)));
        f.assert_denied(&token, Reason::InvalidProfile).await;
    }
    let token = f.token(&with(id_claims(), "custom:studio_user_profile", json!(["alice"])));
    f.assert_denied(&token, Reason::NoProfile).await;
}

#[tokio::test]
async fn user_without_a_profile_is_denied() {
    let f = fixture(&[]);
    f.assert_denied(
        &f.token(&without(id_claims(), "custom:studio_user_profile")),
        Reason::NoProfile,
    )
    .await;
}

#[tokio::test]
async fn required_groups_deny_callers_outside_them() {
    let f = fixture(&[("REQUIRED_GROUPS", "admins, studio-users")]);
    f.assert_allowed(&f.token(&id_claims())).await;
    f.assert_denied(
        &f.token(&with(id_claims(), "cognito:groups", json!(["others"]))),
        Reason::GroupNotAllowed,
    )
    .await;
    f.assert_denied(&f.token(&without(id_claims(), "cognito:groups")), Reason::GroupNotAllowed)
        .await;
}

#[tokio::test]
async fn allowed_vpc_endpoints_deny_other_routes_in() {
    let f = fixture(&[("ALLOWED_VPCE_IDS", "vpce-0abc123")]);
    let token = f.token(&id_claims());
    f.assert_allowed(&token).await;

    let f = fixture(&[("ALLOWED_VPCE_IDS", "vpce-0def456")]);
    let token = f.token(&id_claims());
    f.assert_denied(&token, Reason::VpceNotAllowed).await;
    let event = json!({"type": "TOKEN", "authorizationToken": token, "methodArn": ARN});
    let (answer, log) = f.decide(&event).await;
    assert!(answer.is_ok());
    assert_eq!(log.reason, Some(Reason::VpceNotAllowed), "a TOKEN event proves no endpoint");
}

#[tokio::test]
async fn deep_method_arn_is_allowed_on_its_stage_only() {
    let f = fixture(&[]);
    let deep = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url/a/b/2024-01-01T00:00:00Z";
    let mut event = request_event(&format!("Bearer {}", f.token(&id_claims())));
    event["methodArn"] = json!(deep);
    let (answer, _) = f.decide(&event).await;
    let statement = &answer.unwrap().policy_document.statement[0];
    assert_eq!(statement.resource, [STAGE_WIDE]);
}

#[tokio::test]
async fn bad_method_arn_is_unauthorized() {
    let f = fixture(&[]);
    for arn in
        [json!("arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/x"), json!(null), json!("x")]
    {
        let mut event = request_event(&format!("Bearer {}", f.token(&id_claims())));
        event["methodArn"] = arn;
        let (answer, log) = f.decide(&event).await;
        assert_eq!(answer.err(), Some(Unauthorized));
        assert_eq!(log.reason, Some(Reason::BadMethodArn));
    }
}

#[tokio::test]
async fn events_of_other_shapes_are_unauthorized() {
    let f = fixture(&[]);
    for event in [json!({}), json!(null), json!({"type": "REQUEST", "headers": 5}), json!([])] {
        let (answer, _) = f.decide(&event).await;
        assert_eq!(answer.err(), Some(Unauthorized), "{event}");
    }
}

#[test]
fn unauthorized_is_the_exact_lambda_error_api_gateway_expects() {
    let diagnostic = Diagnostic::from(Unauthorized);
    assert_eq!(diagnostic.error_message, "Unauthorized");
}

#[tokio::test]
async fn repeat_token_is_answered_from_the_verified_cache() {
    let f = fixture(&[]);
    let token = f.token(&id_claims());
    let (first, log) = f.bearer(&token).await;
    assert!(!log.cached);
    let (second, log) = f.bearer(&token).await;
    assert!(log.cached);
    assert_eq!(log.kid.as_deref(), Some("key-1"));
    assert_eq!(first.unwrap(), second.unwrap());
}

#[tokio::test]
async fn cached_token_is_still_refused_where_the_request_differs() {
    let f = fixture(&[("ALLOWED_VPCE_IDS", "vpce-0abc123")]);
    let token = f.token(&id_claims());
    f.assert_allowed(&token).await;
    let mut elsewhere = request_event(&format!("Bearer {token}"));
    elsewhere["requestContext"]["identity"]["vpceId"] = json!("vpce-0ffff");
    let (answer, log) = f.decide(&elsewhere).await;
    assert!(log.cached);
    assert_eq!(log.reason, Some(Reason::VpceNotAllowed));
    assert_eq!(
        answer.unwrap().policy_document.statement[0].effect,
        aws_lambda_events::iam::IamPolicyEffect::Deny
    );
}

#[tokio::test]
async fn cached_token_is_refused_once_it_expires() {
    let f = fixture(&[]);
    let token = f.token(&with(id_claims(), "exp", json!(now() + 1)));
    f.assert_allowed(&token).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (answer, log) = f.bearer(&token).await;
    assert_eq!(answer.err(), Some(Unauthorized));
    assert_eq!(log.reason, Some(Reason::Expired));
    assert!(!log.cached);
}

#[tokio::test]
async fn refused_tokens_are_not_cached() {
    let f = fixture(&[]);
    let token = f.token(&with(id_claims(), "aud", json!("someone-else")));
    for _ in 0..2 {
        let (_, log) = f.bearer(&token).await;
        assert_eq!(log.reason, Some(Reason::WrongClient));
        assert!(!log.cached);
    }
}
