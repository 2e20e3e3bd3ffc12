//! The built `presign` binary under the Lambda Runtime API stand-in, talking to
//! the SageMaker stand-in through `AWS_ENDPOINT_URL_SAGEMAKER`, as it runs in
//! Lambda: one 200, one 302, one 404, and a start-up refused for a bad setting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{event, with_accept, with_context_profile};
use serde_json::{Value, json};
use standins::runtime_api::{FunctionProcess, Invocation, RuntimeApi};
use standins::sagemaker::{ProfileStatus, SageMakerStandIn, StandInOptions};

async fn spawn(
    runtime: &RuntimeApi,
    sagemaker: &SageMakerStandIn,
    env: &[(&str, &str)],
) -> FunctionProcess {
    let mut all: Vec<(String, String)> = sagemaker.sdk_env();
    all.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
    all.push(("RUST_LOG".into(), "trace".into()));
    all.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    runtime.spawn_function(env!("CARGO_BIN_EXE_presign"), "presign", all).unwrap()
}

async fn answer(runtime: &RuntimeApi, event: Value) -> Value {
    match runtime.invoke(event).await.unwrap() {
        Invocation::Response(response) => response,
        other => panic!("a proxy response, not {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_binary_answers_200_302_and_404() {
    let sagemaker = SageMakerStandIn::start(StandInOptions::default()).await.unwrap();
    sagemaker.put_profile(sagemaker.domain_id(), "alice", ProfileStatus::InService);
    let runtime = RuntimeApi::start().await.unwrap();
    let mut function =
        spawn(&runtime, &sagemaker, &[("STUDIO_DOMAIN_ID", sagemaker.domain_id())]).await;

    let ok = answer(&runtime, event()).await;
    assert_eq!(ok["statusCode"], 200, "{ok}");
    assert_eq!(ok["headers"]["cache-control"], "no-store");
    let body: Value = serde_json::from_str(ok["body"].as_str().unwrap()).unwrap();
    let minted = sagemaker.minted();
    assert_eq!(body["url"], minted[0].url);
    assert!(body["expiresAt"].is_string());

    let redirect = answer(&runtime, with_accept(event(), "text/html")).await;
    assert_eq!(redirect["statusCode"], 302, "{redirect}");
    assert_eq!(redirect["headers"]["location"], sagemaker.minted()[1].url);
    assert_eq!(redirect["headers"]["referrer-policy"], "no-referrer");

    let missing = answer(&runtime, with_context_profile(event(), json!("bob"))).await;
    assert_eq!(missing["statusCode"], 404, "{missing}");
    let body: Value = serde_json::from_str(missing["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], "profile_not_found");

    function.kill().await;
    let logs = function.logs();
    let outcomes: Vec<String> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "presign answer")
        .map(|line| line["fields"]["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(outcomes, ["url", "redirect", "profile_not_found"], "{logs}");
    let tokens = sagemaker.minted_tokens();
    assert_eq!(tokens.len(), 2);
    for token in tokens {
        assert!(!logs.contains(&token), "a minted token was logged:\n{logs}");
    }
}

#[tokio::test]
async fn built_binary_refuses_to_start_on_a_lifetime_out_of_range_and_says_the_range() {
    let sagemaker = SageMakerStandIn::start(StandInOptions::default()).await.unwrap();
    let runtime = RuntimeApi::start().await.unwrap();
    let settings = [("STUDIO_DOMAIN_ID", "d-abc123xyz456"), ("URL_EXPIRES_SECONDS", "600")];
    let mut function = spawn(&runtime, &sagemaker, &settings).await;

    let status = function.wait_exit(Duration::from_secs(20)).await.expect("the function exits");
    assert!(!status.success());
    let (error_type, message) = runtime.init_error(Duration::from_secs(1)).await.unwrap();
    assert_eq!(error_type, "InvalidSetting");
    assert!(message.starts_with("URL_EXPIRES_SECONDS: "), "{message}");
    assert!(message.contains("from 5 to 300"), "{message}");
    assert!(function.logs().contains("from 5 to 300"), "{}", function.logs());
    assert_eq!(sagemaker.total_calls(), 0);
}
