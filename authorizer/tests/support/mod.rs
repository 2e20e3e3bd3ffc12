//! What the authorizer's property and fault tests share: one pool, its
//! settings, Cognito-shaped claims and the events API Gateway sends.

// Each test binary uses its own part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use authorizer::jwks::KeySet;
use authorizer::settings::JwksPolicy;
use authorizer::{Authorizer, Jwks, Settings, Unauthorized};
use aws_lambda_events::iam::IamPolicyEffect;
use serde_json::{Value, json};
use standins::keys::{SigningKey, jwks};

/// The pool every test authorizer is set up for.
pub const POOL: &str = "eu-west-1_AbC123xyZ";
/// Its issuer.
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ";
/// The app clients accepted.
pub const CLIENTS: &str = "client1,client2";
/// The method ARN of every event built here.
pub const ARN: &str =
    "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";
/// The resource an answer for [`ARN`] names.
pub const STAGE_WIDE: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*";

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Settings for [`POOL`] with keys at `jwks_url`.
pub fn settings(jwks_url: &str) -> Settings {
    let vars: HashMap<&str, &str> = HashMap::from([
        ("USER_POOL_ID", POOL),
        ("APP_CLIENT_IDS", CLIENTS),
        ("JWKS_URL", jwks_url),
    ]);
    Settings::from_lookup(|name| vars.get(name).map(|value| (*value).to_owned())).unwrap()
}

/// An authorizer that fetches its keys from `url` under `policy`.
pub fn fetching(url: &str, policy: JwksPolicy) -> Arc<Authorizer> {
    let mut settings = settings(url);
    settings.jwks = policy;
    let http = authorizer::http_client(&settings.jwks).unwrap();
    Arc::new(Authorizer::new(settings, http).unwrap())
}

/// An authorizer that trusts exactly `keys`, pinned, never fetching.
pub fn pinned(keys: &[&SigningKey]) -> Authorizer {
    let settings = settings("http://127.0.0.1:9/unused");
    let keys = KeySet::parse(jwks(keys).to_string().as_bytes()).unwrap();
    let jwks = Jwks::pinned(keys, settings.jwks.clone());
    Authorizer::with_keys(settings, jwks)
}

/// The claims of a genuine ID token for user `n`, expiring `exp_offset`
/// seconds from now.
pub fn id_claims(n: usize, exp_offset: i64) -> Value {
    let now = now();
    json!({
        "sub": format!("sub-{n}"),
        "iss": ISSUER,
        "aud": "client1",
        "token_use": "id",
        "iat": now - 60,
        "auth_time": now - 60,
        "exp": now + exp_offset,
        "cognito:username": format!("user{n}"),
        "custom:studio_user_profile": format!("user{n}"),
    })
}

/// A REQUEST event with `authorization` in both header maps, through a VPC endpoint.
pub fn request_event(authorization: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"Authorization": authorization},
        "multiValueHeaders": {"Authorization": [authorization]},
        "requestContext": {"identity": {"sourceIp": "10.0.0.1", "vpceId": "vpce-0abc123"}}
    })
}

/// A TOKEN event carrying `authorization`.
pub fn token_event(authorization: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": ARN})
}

/// Whether `authorizer` answers `Bearer <token>` with an Allow.
pub async fn allowed(authorizer: &Authorizer, token: &str) -> bool {
    match authorizer.authorize(&request_event(&format!("Bearer {token}"))).await {
        Ok(answer) => answer.policy_document.statement[0].effect == IamPolicyEffect::Allow,
        Err(Unauthorized) => false,
    }
}
