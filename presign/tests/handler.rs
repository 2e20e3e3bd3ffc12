//! The handler with the real SageMaker SDK client against the SageMaker
//! stand-in on 127.0.0.1: every answer of DESIGN.md, the cases from public
//! reports in issue 3, and the log line each request writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::apigw::ApiGatewayProxyResponse;

use common::{
    ALICE, assert_private, body, event, handle_logged, request, settings, setup, with_accept,
    with_context_profile, with_query,
};
use presign::Presigner;
use serde_json::{Value, json};
use standins::sagemaker::{Fault, FaultRule, Operation, ProfileStatus, SageMakerStandIn};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn header<'a>(response: &'a ApiGatewayProxyResponse, name: &str) -> &'a str {
    response.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Asserts an error answer: its status, the private headers and the JSON
/// `error` code; returns the body.
fn error_body(response: &ApiGatewayProxyResponse, status: i64, code: &str) -> Value {
    assert_eq!(response.status_code, status, "{response:?}");
    assert_private(response);
    let body = body(response);
    assert_eq!(body["error"], code, "{body}");
    body
}

fn only(lines: &[Value]) -> &Value {
    assert_eq!(lines.len(), 1, "one log line per request: {lines:#?}");
    &lines[0]["fields"]
}

fn no_sagemaker_calls(sagemaker: &SageMakerStandIn) {
    assert_eq!(sagemaker.total_calls(), 0, "SageMaker must not be called");
}

#[tokio::test]
async fn in_service_profile_gets_a_json_url_for_itself() {
    let (sagemaker, presigner) = setup().await;
    let before = OffsetDateTime::now_utc();

    let (response, lines) = handle_logged(&presigner, event(), None).await;

    assert_eq!(response.status_code, 200);
    assert_private(&response);
    assert_eq!(header(&response, "content-type"), "application/json");
    let minted = sagemaker.minted();
    assert_eq!(minted.len(), 1);
    assert_eq!(minted[0].user_profile_name, ALICE);
    assert_eq!(minted[0].domain_id, presigner.settings().domain_id);
    assert_eq!(minted[0].expires_in_seconds, Some(60));
    assert_eq!(minted[0].session_expiration_duration_in_seconds, Some(43200));
    let body = body(&response);
    assert_eq!(body["url"], minted[0].url);
    let expires_at = OffsetDateTime::parse(body["expiresAt"].as_str().unwrap(), &Rfc3339).unwrap();
    let lifetime = expires_at - before;
    assert!(lifetime > time::Duration::seconds(58) && lifetime <= time::Duration::seconds(61));
    assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 1);
    assert_eq!(sagemaker.calls(Operation::CreatePresignedDomainUrl), 1);

    let line = only(&lines);
    assert_eq!(line["profile"], ALICE);
    assert_eq!(line["domain"], "d-abc123xyz456");
    assert_eq!(line["outcome"], "url");
    assert_eq!(line["status"], 200);
    assert_eq!(line["api_request_id"], "6b1e9c2a-7d3f-4e5a-9b8c-1d2e3f4a5b6c");
    assert!(line["sagemaker_request_id"].as_str().is_some_and(|id| !id.is_empty()), "{line}");
    assert!(line["latency_ms"].is_u64(), "{line}");
    assert_eq!(lines[0]["level"], "INFO");
}

#[tokio::test]
async fn browser_accept_gets_a_redirect_to_the_url() {
    let (sagemaker, presigner) = setup().await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    let (response, lines) = handle_logged(&presigner, with_accept(event(), browser), None).await;

    assert_eq!(response.status_code, 302);
    assert_private(&response);
    assert_eq!(header(&response, "location"), sagemaker.minted()[0].url);
    assert!(response.body.is_none());
    assert_eq!(only(&lines)["outcome"], "redirect");
}

#[tokio::test]
async fn redirect_true_gets_a_redirect() {
    let (sagemaker, presigner) = setup().await;
    let (response, _) =
        handle_logged(&presigner, with_query(event(), &[("redirect", "true")]), None).await;
    assert_eq!(response.status_code, 302);
    assert_eq!(header(&response, "location"), sagemaker.minted()[0].url);
}

#[tokio::test]
async fn configured_lifetimes_landing_and_space_reach_sagemaker() {
    let (sagemaker, _) = setup().await;
    sagemaker.add_space(sagemaker.domain_id(), "team-1");
    let mut settings = settings();
    settings.url_expires_seconds = 120;
    settings.session_expires_seconds = 3600;
    let presigner = Presigner::new(settings, sagemaker.client());
    let query = [("landing", "app:JupyterLab:lab/tree/work"), ("space", "team-1")];

    let (response, lines) = handle_logged(&presigner, with_query(event(), &query), None).await;

    assert_eq!(response.status_code, 200, "{:?}", body(&response));
    let minted = &sagemaker.minted()[0];
    assert_eq!(minted.expires_in_seconds, Some(120));
    assert_eq!(minted.session_expiration_duration_in_seconds, Some(3600));
    assert_eq!(minted.landing_uri.as_deref(), Some("app:JupyterLab:lab/tree/work"));
    assert_eq!(minted.space_name.as_deref(), Some("team-1"));
    assert_eq!(only(&lines)["space"], "team-1");
}

/// Issue 3 case: a user name that is not a valid profile name must not reach SageMaker.
#[tokio::test]
async fn email_as_profile_is_403_not_valid_for_sagemaker_and_sagemaker_is_not_called() {
    let (sagemaker, presigner) = setup().await;
    let event = with_context_profile(event(), json!("first.last@example.com"));

    let (response, lines) = handle_logged(&presigner, event, None).await;

    let body = error_body(&response, 403, "no_profile");
    assert!(body["message"].as_str().unwrap().contains("not valid for SageMaker"), "{body}");
    no_sagemaker_calls(&sagemaker);
    let line = only(&lines);
    assert_eq!(line["outcome"], "no_profile");
    assert_eq!(line["profile"], "first.last@example.com");
    assert!(line["reason"].as_str().unwrap().contains("not a valid SageMaker profile name"));
}

/// Issue 3 case: an unknown profile is 404, not 500 and not "service error".
#[tokio::test]
async fn unknown_profile_is_404_with_a_helpful_message() {
    let (sagemaker, presigner) = setup().await;
    let event = with_context_profile(event(), json!("bob"));

    let (response, lines) = handle_logged(&presigner, event, None).await;

    let body = error_body(&response, 404, "profile_not_found");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("\"bob\"") && message.contains("ask an administrator"), "{message}");
    assert!(!message.contains("service error"), "{message}");
    assert_eq!(sagemaker.calls(Operation::CreatePresignedDomainUrl), 0);
    let line = only(&lines);
    assert_eq!(line["status"], 404);
    assert!(line["sagemaker_request_id"].is_string(), "{line}");
}

/// Issue 3 case: a profile in the query must never choose whose Studio opens.
#[tokio::test]
async fn profile_in_the_query_is_ignored_and_the_url_is_the_callers() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.put_profile(sagemaker.domain_id(), "someone-else", ProfileStatus::InService);
    let event = with_query(event(), &[("profile", "someone-else")]);

    let (response, lines) = handle_logged(&presigner, event, None).await;

    assert_eq!(response.status_code, 200);
    let minted = sagemaker.minted();
    assert_eq!(minted.len(), 1);
    assert_eq!(minted[0].user_profile_name, ALICE);
    assert_eq!(body(&response)["url"], minted[0].url);
    let line = only(&lines);
    assert_eq!(line["profile"], ALICE);
    assert_eq!(line["query_profile_ignored"], true);
}

/// Issue 3 case: a profile under another key, or as a number, is refused and says why.
#[tokio::test]
async fn profile_under_another_key_or_as_a_number_is_403_and_clearly_logged() {
    let (sagemaker, presigner) = setup().await;
    let mut renamed = event();
    let context = renamed["requestContext"]["authorizer"].as_object_mut().unwrap();
    let profile = context.remove("studioUserProfile").unwrap();
    context.insert("profile".into(), profile);
    let number = with_context_profile(event(), json!(42));

    for (event, reason) in
        [(renamed, "holds no studioUserProfile"), (number, "studioUserProfile is not a string")]
    {
        let (response, lines) = handle_logged(&presigner, event, None).await;
        error_body(&response, 403, "no_profile");
        let line = only(&lines);
        assert!(line["reason"].as_str().unwrap().contains(reason), "{line}");
        assert!(line["context_keys"].as_str().unwrap().contains("principalId"), "{line}");
    }
    no_sagemaker_calls(&sagemaker);
}

#[tokio::test]
async fn no_authorizer_context_is_403() {
    let (sagemaker, presigner) = setup().await;
    let mut event = event();
    event["requestContext"].as_object_mut().unwrap().remove("authorizer");
    let (response, _) = handle_logged(&presigner, event, None).await;
    assert_eq!(response.status_code, 403);
    no_sagemaker_calls(&sagemaker);
}

/// Issue 3 case: throttling that a retry outlasts must not reach the user.
#[tokio::test]
async fn throttling_twice_then_an_answer_gives_the_url() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.set_fault(FaultRule::next(2, Fault::Throttling).on(Operation::DescribeUserProfile));

    let (response, _) = handle_logged(&presigner, event(), None).await;

    assert_eq!(response.status_code, 200, "{:?}", body(&response));
    assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 3, "the SDK retried");
    assert_eq!(body(&response)["url"], sagemaker.minted()[0].url);
}

#[tokio::test]
async fn throttling_beyond_the_retries_is_503_with_retry_after() {
    let (sagemaker, presigner) = setup().await;
    let rule = FaultRule::always(Fault::Throttling).on(Operation::CreatePresignedDomainUrl);
    sagemaker.set_fault(rule);

    let (response, lines) = handle_logged(&presigner, event(), None).await;

    assert_eq!(response.status_code, 503);
    assert_private(&response);
    assert_eq!(header(&response, "retry-after"), "2");
    assert_eq!(body(&response)["error"], "sagemaker_throttled");
    assert_eq!(sagemaker.calls(Operation::CreatePresignedDomainUrl), 3);
    let line = only(&lines);
    assert_eq!(line["sagemaker_error_code"], "ThrottlingException");
    assert_eq!(line["sagemaker_error_message"], "Rate exceeded");
    assert_eq!(line["sagemaker_operation"], "CreatePresignedDomainUrl");
}

#[tokio::test]
async fn access_denied_is_502_pointing_at_the_vpc_endpoint() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.set_fault(FaultRule::always(Fault::AccessDenied));

    let (response, lines) = handle_logged(&presigner, event(), None).await;

    let body = error_body(&response, 502, "sagemaker_access_denied");
    assert!(body["message"].as_str().unwrap().contains("VPC endpoint"), "{body}");
    let line = only(&lines);
    assert_eq!(line["sagemaker_error_code"], "AccessDeniedException");
    assert!(line["sagemaker_error_message"].as_str().unwrap().contains("not authorized"));
}

#[tokio::test]
async fn sagemaker_failing_is_502_with_its_code_and_message_logged() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.set_fault(FaultRule::always(Fault::InternalError));

    let (response, lines) = handle_logged(&presigner, event(), None).await;

    assert_eq!(response.status_code, 502);
    let body = body(&response);
    assert_eq!(body["error"], "sagemaker_failed");
    assert!(!body["message"].as_str().unwrap().contains("unknown error"), "{body}");
    assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 3, "5xx is retried");
    let line = only(&lines);
    assert_eq!(line["sagemaker_error_code"], "InternalFailure");
    assert_eq!(line["sagemaker_http_status"], 500);
    assert!(line["sagemaker_error_message"].as_str().unwrap().contains("unknown error"));
    assert!(line["reason"].as_str().unwrap().contains("InternalFailure"), "{line}");
}

#[tokio::test]
async fn unreachable_sagemaker_is_502() {
    let (sagemaker, _) = setup().await;
    let config = sagemaker.sdk_config().to_builder().endpoint_url("http://127.0.0.1:9").build();
    let presigner = Presigner::new(settings(), aws_sdk_sagemaker::Client::from_conf(config));

    let (response, lines) = handle_logged(&presigner, event(), None).await;

    error_body(&response, 502, "sagemaker_failed");
    assert!(only(&lines)["reason"].as_str().unwrap().contains("DescribeUserProfile"));
}

#[tokio::test]
async fn hanging_sagemaker_is_504_before_the_deadline() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.set_fault(FaultRule::always(Fault::Hang).on(Operation::CreatePresignedDomainUrl));
    let started = Instant::now();
    let deadline = SystemTime::now() + Duration::from_millis(1500);

    let (response, lines) = handle_logged(&presigner, event(), Some(deadline)).await;

    let took = started.elapsed();
    error_body(&response, 504, "sagemaker_timeout");
    assert!(took >= Duration::from_millis(900), "waited for SageMaker: {took:?}");
    assert!(SystemTime::now() < deadline, "answered before the deadline: {took:?}");
    assert_eq!(only(&lines)["sagemaker_operation"], "CreatePresignedDomainUrl");
    sagemaker.release_hangs();
}

#[tokio::test]
async fn deadline_already_too_close_is_504_without_calling_sagemaker() {
    let (sagemaker, presigner) = setup().await;
    let deadline = SystemTime::now() + Duration::from_millis(100);
    let (response, _) = handle_logged(&presigner, event(), Some(deadline)).await;
    assert_eq!(response.status_code, 504);
    no_sagemaker_calls(&sagemaker);
}

#[tokio::test]
async fn profile_not_in_service_is_409_with_the_status() {
    let (sagemaker, presigner) = setup().await;
    for (status, word) in [
        (ProfileStatus::Pending, "Pending"),
        (ProfileStatus::Failed, "Failed"),
        (ProfileStatus::UpdateFailed, "Update_Failed"),
    ] {
        sagemaker.set_profile_status(sagemaker.domain_id(), ALICE, status);
        let (response, _) = handle_logged(&presigner, event(), None).await;
        let body = error_body(&response, 409, "profile_not_ready");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(&format!("is {word}, not InService")), "{message}");
    }
    assert!(sagemaker.minted().is_empty());
}

#[tokio::test]
async fn unknown_space_is_404() {
    let (_sagemaker, presigner) = setup().await;
    let (response, lines) =
        handle_logged(&presigner, with_query(event(), &[("space", "nowhere")]), None).await;
    assert_eq!(response.status_code, 404, "{lines:?}");
    assert_eq!(body(&response)["error"], "space_not_found");
}

#[tokio::test]
async fn bad_query_is_400_saying_what_is_allowed_and_sagemaker_is_not_called() {
    let (sagemaker, presigner) = setup().await;
    for query in [
        &[("expires", "600")][..],
        &[("redirect", "yes")][..],
        &[("landing", "https://evil.example/")][..],
        &[("space", "a.b")][..],
        &[("space", "a"), ("space", "b")][..],
    ] {
        let (response, lines) = handle_logged(&presigner, with_query(event(), query), None).await;
        let body = error_body(&response, 400, "invalid_query");
        assert!(body["message"].as_str().unwrap().contains("allowed query parameters"), "{body}");
        assert_eq!(only(&lines)["outcome"], "invalid_query");
    }
    no_sagemaker_calls(&sagemaker);
}

#[tokio::test]
async fn missing_profile_is_checked_before_the_query() {
    let (_sagemaker, presigner) = setup().await;
    let event = with_context_profile(with_query(event(), &[("x", "1")]), json!(""));
    let (response, _) = handle_logged(&presigner, event, None).await;
    assert_eq!(response.status_code, 403);
}

#[tokio::test]
async fn handle_takes_the_typed_request_as_the_local_gateway_passes_it() {
    let (_sagemaker, presigner) = setup().await;
    let response = presigner.handle(request(event()), None).await;
    assert_eq!(response.status_code, 200, "{:?}", body(&response));
    let round_trip: ApiGatewayProxyResponse =
        serde_json::from_value(serde_json::to_value(&response).unwrap()).unwrap();
    assert_eq!(round_trip, response);
}
