//! What the studio-gate fuzz targets share: one pool key made at start, an
//! authorizer that trusts only that key (pinned, so nothing is fetched), a
//! runtime to drive it, and the checks the targets judge answers by.
//!
//! The checks here are written apart from the code under test (no call into
//! `shared::profile` or `authorizer::verify`), so a bug there cannot hide itself.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use authorizer::jwks::KeySet;
use authorizer::{Authorizer, Jwks, Settings, Unauthorized};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerResponse;
use aws_lambda_events::iam::IamPolicyEffect;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The pool the authorizer is set up for.
pub const POOL: &str = "eu-west-1_AbC123xyZ";
/// Its issuer, the only `iss` accepted.
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ";
/// The app clients accepted.
pub const CLIENTS: [&str; 2] = ["client1", "client2"];
/// The `kid` of the pool key.
pub const KID: &str = "key-1";
/// The method ARN of the events built here.
pub const ARN: &str =
    "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";
/// The only resource an answer may name.
pub const STAGE_WIDE: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*";
/// Slack on clock comparisons, so a second ticking over between the
/// authorizer's check and this one is not a finding.
pub const CLOCK_SLACK: i128 = 2;

/// The pool key, the authorizer that trusts it and a runtime to drive it.
pub struct Pool {
    key: KeyPair,
    /// The authorizer under test, with the pool key pinned.
    pub authorizer: Authorizer,
    runtime: tokio::runtime::Runtime,
}

/// Made once per fuzzing process.
pub static POOL_FIXTURE: LazyLock<Pool> = LazyLock::new(|| {
    let key = KeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
    let PublicKeyComponents { n, e } = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
    let jwks = json!({"keys": [{
        "alg": "RS256", "kty": "RSA", "use": "sig", "kid": KID,
        "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e),
    }]});
    let vars: HashMap<&str, String> = HashMap::from([
        ("USER_POOL_ID", POOL.to_owned()),
        ("APP_CLIENT_IDS", CLIENTS.join(",")),
        ("JWKS_URL", "http://127.0.0.1:9/unused".to_owned()),
    ]);
    let settings = Settings::from_lookup(|name| vars.get(name).cloned()).expect("settings");
    let keys = KeySet::parse(jwks.to_string().as_bytes()).expect("the pool's key set");
    let authorizer = Authorizer::with_keys(settings.clone(), Jwks::pinned(keys, settings.jwks));
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    Pool { key, authorizer, runtime }
});

/// An authorizer answer.
pub type Answer = Result<ApiGatewayCustomAuthorizerResponse, Unauthorized>;

impl Pool {
    /// Answers `event` with the authorizer under test.
    pub fn authorize(&self, event: &Value) -> Answer {
        self.runtime.block_on(self.authorizer.authorize(event))
    }

    /// A JWT of exactly these header and payload bytes, signed with the pool key.
    pub fn sign(&self, header: &[u8], payload: &[u8]) -> String {
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature)
            .expect("signing");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// A REQUEST authorizer event carrying `authorization` in both header maps.
pub fn request_event(authorization: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"Authorization": authorization},
        "multiValueHeaders": {"Authorization": [authorization]},
        "requestContext": {"identity": {"sourceIp": "10.0.0.1", "vpceId": "vpce-0abc123"}}
    })
}

/// A TOKEN authorizer event carrying `authorization`.
pub fn token_event(authorization: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": ARN})
}

/// The effect of an answer's one statement, or `None` for `Unauthorized`.
/// Panics on a policy that is not one statement on [`STAGE_WIDE`].
pub fn effect(answer: &Answer) -> Option<IamPolicyEffect> {
    let policy = answer.as_ref().ok()?;
    let statements = &policy.policy_document.statement;
    assert_eq!(statements.len(), 1, "one statement");
    assert_eq!(statements[0].resource, [STAGE_WIDE], "the stage-wide resource only");
    Some(statements[0].effect.clone())
}

/// Seconds since the epoch.
pub fn now() -> i128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i128::from(d.as_secs()))
}

/// SageMaker's rule for profile names, `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`
/// with at most 63 characters, written out by hand.
pub fn is_profile_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}
