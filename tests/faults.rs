//! SageMaker faults through the whole local API: what presign answers reaches
//! the client unchanged. A hanging SageMaker gives presign's own 504, decided
//! from the invocation deadline the gateway passes, before the gateway's
//! integration timeout would answer for it; throttling that outlasts the SDK's
//! retries gives 503 with `Retry-After`; both end without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use e2e::{client, get, start_stack};
use local::gateway::PRESIGNED_URL_PATH;
use local::stack::{DEMO_PASSWORD, DEMO_USER};
use reqwest::StatusCode;
use standins::sagemaker::{Fault, FaultRule, Operation};

#[tokio::test]
async fn sagemaker_faults_reach_the_client_as_presign_answers_and_pass() {
    let stack = start_stack(|config| {
        config.gateway.integration_timeout = Duration::from_secs(3);
    })
    .await;
    let sagemaker = stack.sagemaker().unwrap();
    let token = stack.sign_in(DEMO_USER, DEMO_PASSWORD).await.unwrap().id_token;
    let http = client();
    let ask = || get(&http, stack.gateway(), PRESIGNED_URL_PATH, Some(&token), "application/json");

    sagemaker.set_fault(FaultRule::always(Fault::Hang).on(Operation::CreatePresignedDomainUrl));
    let hung = ask().await;
    assert_eq!(hung.status, StatusCode::GATEWAY_TIMEOUT, "{hung:?}");
    assert_eq!(hung.body["error"], "sagemaker_timeout", "presign's answer, not the gateway's");
    assert_eq!(hung.header("cache-control"), Some("no-store"));
    sagemaker.clear_faults();
    sagemaker.release_hangs();

    sagemaker.set_fault(FaultRule::always(Fault::Throttling));
    let throttled = ask().await;
    assert_eq!(throttled.status, StatusCode::SERVICE_UNAVAILABLE, "{throttled:?}");
    assert_eq!(throttled.body["error"], "sagemaker_throttled");
    assert!(throttled.header("retry-after").is_some());
    sagemaker.clear_faults();

    let recovered = ask().await;
    assert_eq!(recovered.status, StatusCode::OK, "{recovered:?}");
    assert_eq!(sagemaker.minted().len(), 1, "one URL, for the request after the faults");
}
