//! The same flow with tokens from moto's Cognito (PyPI `moto[server]`, started on
//! 127.0.0.1 and installed into `.venv/moto` if missing), so the authorizer is
//! checked against tokens nobody here minted. Never skipped: without moto these
//! tests fail and say how to install it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use e2e::{Answer, client, get, start_stack};
use local::gateway::{AuthorizerCall, Decision, PRESIGNED_URL_PATH, STUDIO_PATH};
use local::stack::{CognitoSetup, SageMakerSetup, Stack};
use reqwest::StatusCode;
use serde_json::json;
use standins::cognito::User;
use standins::moto::{MotoCognito, MotoPool};

const PASSWORD: &str = "Moto-E2e-Passw0rd!";
const GROUP: &str = "studio-users";

/// moto with one pool holding `alice` (profile `alice-studio`, in the group) and
/// `bob` (in the group, no profile), and the local stack verifying its tokens.
async fn moto_stack() -> (MotoCognito, MotoPool, Stack) {
    let moto = MotoCognito::start().await.unwrap_or_else(|error| panic!("{error}"));
    let pool = moto.create_pool("studio-gate-e2e").await.unwrap();
    let alice = User::new("alice", PASSWORD).with_profile("alice-studio").with_group(GROUP);
    moto.create_user(&pool, &alice).await.unwrap();
    moto.create_user(&pool, &User::new("bob", PASSWORD).with_group(GROUP)).await.unwrap();

    let stack = start_stack(|config| {
        config.cognito = CognitoSetup::External {
            user_pool_id: pool.pool_id.clone(),
            client_ids: vec![pool.client_id.clone()],
            jwks_url: Some(moto.jwks_url(&pool.pool_id)),
        };
        config.sagemaker = SageMakerSetup::Local { profiles: vec!["alice-studio".into()] };
        config.authorizer_settings = BTreeMap::from([("REQUIRED_GROUPS".into(), GROUP.into())]);
    })
    .await;
    (moto, pool, stack)
}

async fn presigned_url(stack: &Stack, token: &str) -> Answer {
    get(&client(), stack.gateway(), PRESIGNED_URL_PATH, Some(token), "application/json").await
}

#[tokio::test]
async fn moto_id_token_gets_a_url_then_a_redirect_from_the_cache() {
    let (moto, pool, stack) = moto_stack().await;
    let token = moto.sign_in(&pool, "alice", PASSWORD).await.unwrap().id_token;

    let json = presigned_url(&stack, &token).await;
    let html = get(&client(), stack.gateway(), STUDIO_PATH, Some(&token), "text/html").await;

    assert_eq!(json.status, StatusCode::OK, "{json:?}");
    assert!(json.body["url"].as_str().unwrap().starts_with("https://d-abc123xyz456.studio."));
    let trace = json.trace.unwrap();
    assert_eq!(trace.context.unwrap()["studioUserProfile"], "alice-studio");
    assert_eq!(html.status, StatusCode::FOUND, "{html:?}");
    assert_eq!(html.trace.as_ref().unwrap().authorizer, AuthorizerCall::Cached);
    let minted = stack.sagemaker().unwrap().minted();
    assert!(minted.iter().all(|url| url.user_profile_name == "alice-studio"));
    assert_eq!(html.header("location"), Some(minted[1].url.as_str()));
}

#[tokio::test]
async fn moto_user_without_a_profile_is_forbidden() {
    let (moto, pool, stack) = moto_stack().await;
    let token = moto.sign_in_public(&pool, "bob", PASSWORD).await.unwrap().id_token;

    let answer = presigned_url(&stack, &token).await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{answer:?}");
    assert_eq!(answer.trace.unwrap().decision, Decision::ExplicitDeny);
}

#[tokio::test]
async fn tampered_or_foreign_moto_tokens_are_unauthorized() {
    let (moto, pool, stack) = moto_stack().await;
    let token = moto.sign_in(&pool, "alice", PASSWORD).await.unwrap().id_token;
    // moto signs every pool's tokens with the same key: only the issuer tells them apart.
    let other = moto.create_pool("another-pool").await.unwrap();
    let stranger = User::new("alice", PASSWORD).with_profile("alice-studio").with_group(GROUP);
    moto.create_user(&other, &stranger).await.unwrap();
    let foreign = moto.sign_in(&other, "alice", PASSWORD).await.unwrap().id_token;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let tampered = parts.join(".");

    for token in [tampered, foreign] {
        let answer = presigned_url(&stack, &token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
        assert_eq!(answer.body, json!({"message": "Unauthorized"}));
    }
    assert!(stack.sagemaker().unwrap().minted().is_empty());
}
