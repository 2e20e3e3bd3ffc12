//! SageMaker faults that `handler.rs` leaves out, against the SageMaker stand-in
//! through the real SDK client: every fault on either call gives a clear answer
//! that holds no URL, and the same presigner serves the next request once the
//! fault is gone; a hang under concurrent requests answers each with 504 before
//! its deadline; slowness within the deadline and transient 500s still give the
//! URL. (`tests/faults.rs` drives a hanging SageMaker through the local API.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use common::{assert_private, body, event, request, setup};
use presign::Presigner;
use serde_json::Value;
use standins::sagemaker::{Fault, FaultRule, Operation, SageMakerStandIn};

/// Answers `event()` with a deadline `budget` from now.
async fn answer(presigner: &Presigner, budget: Duration) -> ApiGatewayProxyResponse {
    presigner.handle(request(event()), Some(SystemTime::now() + budget)).await
}

/// An error answer: the status, private headers, `{"error", "message"}` and
/// no URL anywhere in it.
fn assert_clear_failure(
    response: &ApiGatewayProxyResponse,
    sagemaker: &SageMakerStandIn,
    status: i64,
    code: &str,
    case: &str,
) {
    assert_eq!(response.status_code, status, "{case}: {:?}", body(response));
    assert_private(response);
    let body = body(response);
    assert_eq!(body["error"], code, "{case}: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}: {body}");
    assert!(body.get("url").is_none(), "{case}: a URL in a failure");
    let text = body.to_string();
    assert!(!text.contains("https://"), "{case}: {text}");
    for token in sagemaker.minted_tokens() {
        assert!(!text.contains(&token), "{case}: a minted token in the answer");
    }
    assert!(response.headers.get("location").is_none(), "{case}: a redirect in a failure");
}

#[tokio::test]
async fn each_fault_on_either_call_gives_a_clear_answer_and_the_next_request_a_url() {
    let (sagemaker, presigner) = setup().await;
    let cases = [
        (Fault::Throttling, 503, "sagemaker_throttled"),
        (Fault::InternalError, 502, "sagemaker_failed"),
        (Fault::AccessDenied, 502, "sagemaker_access_denied"),
        (Fault::Hang, 504, "sagemaker_timeout"),
    ];
    for operation in [Operation::DescribeUserProfile, Operation::CreatePresignedDomainUrl] {
        for (fault, status, code) in cases {
            let case = format!("{fault:?} on {operation:?}");
            sagemaker.set_fault(FaultRule::always(fault).on(operation));
            let failed = answer(&presigner, Duration::from_millis(1500)).await;
            assert_clear_failure(&failed, &sagemaker, status, code, &case);

            sagemaker.clear_faults();
            sagemaker.release_hangs();
            let recovered = answer(&presigner, Duration::from_secs(10)).await;
            assert_eq!(recovered.status_code, 200, "{case}: no recovery: {:?}", body(&recovered));
            let url = body(&recovered)["url"].as_str().unwrap().to_owned();
            assert_eq!(sagemaker.minted().last().unwrap().url, url, "{case}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_to_a_hanging_sagemaker_each_answer_504_before_the_deadline() {
    let (sagemaker, presigner) = setup().await;
    let presigner = std::sync::Arc::new(presigner);
    sagemaker.set_fault(FaultRule::always(Fault::Hang).on(Operation::DescribeUserProfile));

    let deadline = SystemTime::now() + Duration::from_millis(2000);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let presigner = presigner.clone();
            tokio::spawn(async move { presigner.handle(request(event()), Some(deadline)).await })
        })
        .collect();
    for task in tasks {
        let response = task.await.unwrap();
        assert_clear_failure(&response, &sagemaker, 504, "sagemaker_timeout", "hang");
    }
    assert!(SystemTime::now() < deadline, "every answer came before the deadline");
    assert!(sagemaker.minted().is_empty());

    sagemaker.clear_faults();
    sagemaker.release_hangs();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let presigner = presigner.clone();
            tokio::spawn(async move { presigner.handle(request(event()), None).await })
        })
        .collect();
    let mut urls = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status_code, 200, "{:?}", body(&response));
        urls.push(body(&response)["url"].as_str().unwrap().to_owned());
    }
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), 20, "each request got its own URL");
}

#[tokio::test]
async fn slow_sagemaker_within_the_deadline_still_gives_the_url() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.set_fault(FaultRule::always(Fault::Delay(Duration::from_millis(300))));

    let response = answer(&presigner, Duration::from_secs(5)).await;

    assert_eq!(response.status_code, 200, "{:?}", body(&response));
    assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 1, "no retry of a slow answer");
    assert_eq!(sagemaker.calls(Operation::CreatePresignedDomainUrl), 1);
}

#[tokio::test]
async fn transient_internal_errors_are_retried_to_a_url() {
    let (sagemaker, presigner) = setup().await;
    let rule = FaultRule::next(2, Fault::InternalError).on(Operation::CreatePresignedDomainUrl);
    sagemaker.set_fault(rule);

    let response = answer(&presigner, Duration::from_secs(10)).await;

    assert_eq!(response.status_code, 200, "{:?}", body(&response));
    assert_eq!(sagemaker.calls(Operation::CreatePresignedDomainUrl), 3, "the SDK retried");
    assert_eq!(sagemaker.minted().len(), 1);
}

#[tokio::test]
async fn answer_of_a_failure_is_json_the_gateway_can_pass_on() {
    let (sagemaker, presigner) = setup().await;
    sagemaker.set_fault(FaultRule::always(Fault::InternalError));

    let response = answer(&presigner, Duration::from_secs(10)).await;

    let header = |name: &str| response.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-type"), Some("application/json"));
    let body: Value = body(&response);
    assert_eq!(body.as_object().unwrap().len(), 2, "only error and message: {body}");
}
