//! The built `authorizer` binary under a Lambda Runtime API on 127.0.0.1: the
//! same answers as the library, settings checked at cold start, JSON logs that
//! never hold the token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use standins::jwks_server::JwksServer;
use standins::keys::{SigningKey, jwks};
use standins::runtime_api::{FunctionProcess, Invocation, RuntimeApi};

const POOL: &str = "eu-west-1_AbC123xyZ";
const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";

fn claims(profile: Option<&str>, exp_offset: i64) -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut claims = json!({
        "sub": "sub-1",
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "aud": "client1",
        "token_use": "id",
        "iat": now - 60,
        "auth_time": now - 60,
        "exp": now + exp_offset,
        "cognito:username": "alice",
    });
    if let Some(profile) = profile {
        claims["custom:studio_user_profile"] = json!(profile);
    }
    claims
}

fn event(token: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"Authorization": format!("Bearer {token}")},
        "requestContext": {"identity": {"vpceId": "vpce-0abc"}}
    })
}

fn spawn(runtime: &RuntimeApi, env: &[(&str, &str)]) -> FunctionProcess {
    let mut all = vec![("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("RUST_LOG", "trace")];
    all.extend_from_slice(env);
    runtime.spawn_function(env!("CARGO_BIN_EXE_authorizer"), "authorizer", all).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_binary_allows_denies_and_refuses_without_logging_tokens() {
    let key = SigningKey::generate("k1").unwrap();
    let server = JwksServer::start(jwks(&[&key])).await.unwrap();
    let runtime = RuntimeApi::start().await.unwrap();
    let url = server.url();
    let mut function = spawn(
        &runtime,
        &[("USER_POOL_ID", POOL), ("APP_CLIENT_IDS", "client1"), ("JWKS_URL", &url)],
    );

    let good = key.mint(&claims(Some("alice"), 600)).unwrap();
    let Invocation::Response(allow) = runtime.invoke(event(&good)).await.unwrap() else {
        panic!("an allow policy")
    };
    assert_eq!(allow["principalId"], "sub-1");
    assert_eq!(allow["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(
        allow["policyDocument"]["Statement"][0]["Resource"],
        json!(["arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*"])
    );
    assert_eq!(allow["context"]["studioUserProfile"], "alice");

    let no_profile = key.mint(&claims(None, 600)).unwrap();
    let Invocation::Response(deny) = runtime.invoke(event(&no_profile)).await.unwrap() else {
        panic!("a deny policy")
    };
    assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");

    let expired = key.mint(&claims(Some("alice"), -30)).unwrap();
    assert_eq!(
        runtime.invoke(event(&expired)).await.unwrap(),
        Invocation::Error {
            error_type: "Unauthorized".into(),
            error_message: "Unauthorized".into()
        }
    );
    assert_eq!(server.fetches(), 1, "keys fetched once, at init");

    function.kill().await;
    let logs = function.logs();
    let decisions: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "authorizer decision")
        .collect();
    let outcomes: Vec<(&str, &str)> = decisions
        .iter()
        .map(|d| {
            (d["fields"]["decision"].as_str().unwrap(), d["fields"]["reason"].as_str().unwrap())
        })
        .collect();
    assert_eq!(outcomes, [("allow", "ok"), ("deny", "no_profile"), ("unauthorized", "expired")]);
    for token in [&good, &no_profile, &expired] {
        for part in token.split('.') {
            assert!(!logs.contains(part), "a token part was logged:\n{logs}");
        }
    }
}

#[tokio::test]
async fn built_binary_refuses_to_start_on_a_bad_setting_and_names_it() {
    let runtime = RuntimeApi::start().await.unwrap();
    let mut function = spawn(
        &runtime,
        &[("USER_POOL_ID", POOL), ("APP_CLIENT_IDS", "client1"), ("TOKEN_USE", "refresh")],
    );
    let status = function.wait_exit(Duration::from_secs(20)).await.expect("the function exits");
    assert!(!status.success());
    assert!(function.logs().contains("TOKEN_USE: must be id or access"), "{}", function.logs());
}
