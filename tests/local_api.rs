//! The whole flow through HTTP: the gateway stand-in runs the real authorizer and
//! presign handlers, tokens come from the Cognito stand-in through the AWS SDK, and
//! URLs from the SageMaker stand-in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use e2e::{Answer, client, get, start_stack, unix_now};
use local::gateway::{AuthorizerCall, Decision, PRESIGNED_URL_PATH, STUDIO_PATH};
use local::stack::{DEMO_GROUP, DEMO_PASSWORD, DEMO_USER, NO_PROFILE_USER, Stack};
use reqwest::StatusCode;
use serde_json::json;
use shared::TokenUse;
use standins::cognito::{PoolConfig, User};
use standins::keys::SigningKey;
use tokio::task::JoinSet;

const JSON: &str = "application/json";

async fn id_token(stack: &Stack, user: &str) -> String {
    stack.sign_in(user, DEMO_PASSWORD).await.unwrap().id_token
}

async fn presigned_url(stack: &Stack, token: Option<&str>) -> Answer {
    get(&client(), stack.gateway(), PRESIGNED_URL_PATH, token, JSON).await
}

fn assert_unauthorized(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    assert_eq!(answer.body, json!({"message": "Unauthorized"}));
}

#[tokio::test]
async fn signed_in_user_gets_a_presigned_url_as_json() {
    let stack = start_stack(|_| {}).await;
    let token = id_token(&stack, DEMO_USER).await;

    let answer = presigned_url(&stack, Some(&token)).await;

    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some(JSON));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let url = answer.body["url"].as_str().unwrap();
    assert!(url.starts_with("https://d-abc123xyz456.studio.eu-west-1.sagemaker.aws/auth?token="));
    assert!(answer.body["expiresAt"].is_string());
    let minted = stack.sagemaker().unwrap().minted();
    assert_eq!(minted.len(), 1);
    assert_eq!(minted[0].user_profile_name, "ada-lovelace");
    assert_eq!(minted[0].url, url);
    let trace = answer.trace.unwrap();
    assert_eq!((trace.decision, trace.authorizer), (Decision::Allow, AuthorizerCall::Invoked));
    assert_eq!(trace.context.unwrap()["studioUserProfile"], "ada-lovelace");
}

#[tokio::test]
async fn browser_asking_for_html_is_redirected_to_studio() {
    let stack = start_stack(|_| {}).await;
    let token = id_token(&stack, DEMO_USER).await;

    let answer =
        get(&client(), stack.gateway(), PRESIGNED_URL_PATH, Some(&token), "text/html").await;

    assert_eq!(answer.status, StatusCode::FOUND, "{answer:?}");
    let minted = stack.sagemaker().unwrap().minted();
    assert_eq!(answer.header("location"), Some(minted[0].url.as_str()));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn request_without_a_token_is_unauthorized() {
    let stack = start_stack(|_| {}).await;

    let answer = presigned_url(&stack, None).await;

    assert_unauthorized(&answer);
    assert_eq!(answer.trace.unwrap().authorizer, AuthorizerCall::NotCalled);
}

#[tokio::test]
async fn malformed_or_forged_tokens_are_unauthorized() {
    let stack = start_stack(|_| {}).await;
    let pool = stack.cognito().unwrap().pool();
    let genuine = id_token(&stack, DEMO_USER).await;
    let forger = SigningKey::generate(pool.key().kid()).unwrap();
    let forged = pool.token(DEMO_USER, TokenUse::Id).unwrap().signed_with(&forger).mint().unwrap();
    let (unsigned, _) = genuine.rsplit_once('.').unwrap();
    let other_client =
        pool.token(DEMO_USER, TokenUse::Id).unwrap().client_id("someoneelse").mint().unwrap();

    for token in [
        "not-a-jwt".to_owned(),
        forged,
        format!("{unsigned}.AAAA"),
        other_client,
        pool.access_token(DEMO_USER).unwrap(),
    ] {
        let answer = presigned_url(&stack, Some(&token)).await;
        assert_unauthorized(&answer);
        assert_eq!(answer.trace.unwrap().decision, Decision::Unauthorized);
    }
    assert!(stack.sagemaker().unwrap().minted().is_empty());
}

#[tokio::test]
async fn expired_token_is_unauthorized() {
    let stack = start_stack(|_| {}).await;
    let pool = stack.cognito().unwrap().pool();
    let expired =
        pool.token(DEMO_USER, TokenUse::Id).unwrap().issued_at(unix_now() - 7200).mint().unwrap();

    let answer = presigned_url(&stack, Some(&expired)).await;

    assert_unauthorized(&answer);
}

#[tokio::test]
async fn user_without_a_profile_is_forbidden() {
    let stack = start_stack(|_| {}).await;
    let token = id_token(&stack, NO_PROFILE_USER).await;

    let answer = presigned_url(&stack, Some(&token)).await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"message": "User is not authorized to access this resource with an explicit deny"})
    );
    assert_eq!(answer.trace.unwrap().decision, Decision::ExplicitDeny);
    assert!(stack.sagemaker().unwrap().minted().is_empty());
}

#[tokio::test]
async fn user_outside_the_required_groups_is_forbidden() {
    let stack = start_stack(|config| {
        let pool = standins_pool_with(User::new("mallory", DEMO_PASSWORD).with_profile("mallory"));
        config.cognito = local::stack::CognitoSetup::Local(pool);
        config.sagemaker = local::stack::SageMakerSetup::Local {
            profiles: vec!["ada-lovelace".into(), "mallory".into()],
        };
        config.authorizer_settings =
            BTreeMap::from([("REQUIRED_GROUPS".to_owned(), DEMO_GROUP.to_owned())]);
    })
    .await;
    let outsider = id_token(&stack, "mallory").await;
    let member = id_token(&stack, DEMO_USER).await;

    let refused = presigned_url(&stack, Some(&outsider)).await;
    let admitted = presigned_url(&stack, Some(&member)).await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert_eq!(refused.trace.unwrap().decision, Decision::ExplicitDeny);
    assert_eq!(admitted.status, StatusCode::OK, "{admitted:?}");
}

/// The demo users plus `extra`.
fn standins_pool_with(extra: User) -> PoolConfig {
    local::stack::demo_users()
        .into_iter()
        .chain([extra])
        .fold(PoolConfig::default(), PoolConfig::with_user)
}

#[tokio::test]
async fn second_route_with_the_same_token_is_answered_from_the_cache_and_allowed() {
    let stack = start_stack(|_| {}).await;
    let token = id_token(&stack, DEMO_USER).await;
    let client = client();

    let first = get(&client, stack.gateway(), PRESIGNED_URL_PATH, Some(&token), JSON).await;
    let second = get(&client, stack.gateway(), STUDIO_PATH, Some(&token), JSON).await;

    assert_eq!((first.status, second.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(first.trace.unwrap().authorizer, AuthorizerCall::Invoked);
    let second_trace = second.trace.unwrap();
    assert_eq!(second_trace.authorizer, AuthorizerCall::Cached);
    assert_eq!(second_trace.decision, Decision::Allow);
    assert!(second_trace.method_arn.unwrap().ends_with("/v1/GET/studio"));
    assert_ne!(first.body["url"], second.body["url"]);
}

#[tokio::test]
async fn cache_turned_off_runs_the_authorizer_for_each_route() {
    let stack =
        start_stack(|config| config.gateway.authorizer_cache_ttl = std::time::Duration::ZERO).await;
    let token = id_token(&stack, DEMO_USER).await;
    let client = client();

    get(&client, stack.gateway(), PRESIGNED_URL_PATH, Some(&token), JSON).await;
    let second = get(&client, stack.gateway(), STUDIO_PATH, Some(&token), JSON).await;

    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.trace.unwrap().authorizer, AuthorizerCall::Invoked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_parallel_requests_on_a_cold_start_all_succeed_with_one_jwks_fetch() {
    let stack = start_stack(|config| config.prefetch_keys = false).await;
    let cognito = stack.cognito().unwrap();
    assert_eq!(cognito.jwks().fetches(), 0, "the key cache starts cold");
    // A token each, so every request misses the gateway's cache and runs the authorizer.
    let tokens: Vec<String> =
        (0..200).map(|_| cognito.pool().id_token(DEMO_USER).unwrap()).collect();
    let client = client();
    let url = stack.gateway().url(PRESIGNED_URL_PATH);

    let mut requests = JoinSet::new();
    for token in tokens {
        let request = client.get(&url).bearer_auth(token).header("accept", JSON).send();
        requests.spawn(async move { request.await.map(|answer| answer.status()) });
    }
    let statuses: Vec<StatusCode> =
        requests.join_all().await.into_iter().map(Result::unwrap).collect();

    assert_eq!(statuses.len(), 200);
    assert!(statuses.iter().all(|status| *status == StatusCode::OK), "{statuses:?}");
    assert_eq!(cognito.jwks().fetches(), 1);
    let invoked = stack
        .gateway()
        .gateway()
        .traces()
        .iter()
        .filter(|trace| trace.authorizer == AuthorizerCall::Invoked)
        .count();
    assert_eq!(invoked, 200);
    assert_eq!(stack.sagemaker().unwrap().minted().len(), 200);
}
