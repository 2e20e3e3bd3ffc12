//! The authorizer against moto's Cognito (PyPI `moto[server]`), an
//! implementation nobody here wrote: real ID and access tokens from
//! `AdminInitiateAuth`, the JWKS fetched from moto through `JWKS_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use authorizer::{Authorizer, Settings, Unauthorized};
use serde_json::{Value, json};
use standins::cognito::User;
use standins::moto::MotoCognito;

const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";

fn authorizer(vars: &[(&str, &str)]) -> Authorizer {
    let vars: HashMap<&str, &str> = vars.iter().copied().collect();
    let settings = Settings::from_lookup(|name| vars.get(name).map(|v| (*v).to_owned())).unwrap();
    let http = authorizer::http_client(&settings.jwks).unwrap();
    Authorizer::new(settings, http).unwrap()
}

fn event(token: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"authorization": format!("Bearer {token}")},
        "requestContext": {"identity": {}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_id_and_access_tokens_verify_and_carry_the_right_context() {
    let moto = MotoCognito::start().await.unwrap();
    let pool = moto.create_pool("studio").await.unwrap();
    moto.create_group(&pool, "studio-users").await.unwrap();
    let alice = User::new("alice", "Passw0rd!Passw0rd")
        .with_profile("alice-profile")
        .with_group("studio-users");
    let bob = User::new("bob", "Passw0rd!Passw0rd");
    let alice_sub = moto.create_user(&pool, &alice).await.unwrap();
    moto.create_user(&pool, &bob).await.unwrap();
    let alice_tokens = moto.sign_in(&pool, "alice", "Passw0rd!Passw0rd").await.unwrap();
    let bob_tokens = moto.sign_in_public(&pool, "bob", "Passw0rd!Passw0rd").await.unwrap();
    let jwks_url = moto.jwks_url(&pool.pool_id);

    let base = [
        ("USER_POOL_ID", pool.pool_id.as_str()),
        ("APP_CLIENT_IDS", pool.client_id.as_str()),
        ("JWKS_URL", jwks_url.as_str()),
    ];
    let id = authorizer(&base);
    let answer = id.authorize(&event(&alice_tokens.id_token)).await.unwrap();
    assert_eq!(answer.principal_id.as_deref(), Some(alice_sub.as_str()));
    assert_eq!(
        answer.context,
        json!({"studioUserProfile": "alice-profile", "sub": alice_sub, "username": "alice", "groups": "studio-users"})
    );
    let bob_answer =
        serde_json::to_value(id.authorize(&event(&bob_tokens.id_token)).await.unwrap()).unwrap();
    assert_eq!(
        bob_answer["policyDocument"]["Statement"][0]["Effect"], "Deny",
        "bob has no profile"
    );
    assert_eq!(id.authorize(&event(&alice_tokens.access_token)).await.err(), Some(Unauthorized));

    let access = authorizer(&[
        base[0],
        base[1],
        base[2],
        ("TOKEN_USE", "access"),
        ("PROFILE_CLAIM", "username"),
    ]);
    let answer = access.authorize(&event(&alice_tokens.access_token)).await.unwrap();
    assert_eq!(answer.context["studioUserProfile"], "alice");
    assert_eq!(answer.context["groups"], "studio-users");
    assert_eq!(access.authorize(&event(&alice_tokens.id_token)).await.err(), Some(Unauthorized));

    let other_client = authorizer(&[base[0], ("APP_CLIENT_IDS", "someotherclient"), base[2]]);
    assert_eq!(
        other_client.authorize(&event(&alice_tokens.id_token)).await.err(),
        Some(Unauthorized)
    );
    let other_pool = moto.create_pool("other").await.unwrap();
    let foreign = authorizer(&[("USER_POOL_ID", other_pool.pool_id.as_str()), base[1], base[2]]);
    assert_eq!(
        foreign.authorize(&event(&alice_tokens.id_token)).await.err(),
        Some(Unauthorized),
        "moto signs every pool with one key: only the issuer tells the pools apart"
    );
}
