//! Everything logged while the handler mints, redirects, retries and fails,
//! at every level the functions' log set-up lets through (TRACE of presign's own
//! events, DEBUG of the SDK and HTTP crates), holds no minted URL token.
//!
//! One test in its own binary, so the global subscriber sees every thread and
//! task, the SDK's connection tasks included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{LogBuffer, event, request, setup, with_accept, with_query};
use standins::sagemaker::{Fault, FaultRule, Operation};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_minted_token_is_ever_logged() {
    let logs = LogBuffer::default();
    tracing::subscriber::set_global_default(logs.subscriber()).unwrap();
    let (sagemaker, presigner) = setup().await;
    sagemaker.add_space(sagemaker.domain_id(), "team-1");
    let handle = |event, deadline| presigner.handle(request(event), deadline);

    assert_eq!(handle(event(), None).await.status_code, 200);
    assert_eq!(handle(with_accept(event(), "text/html"), None).await.status_code, 302);
    let query = [("redirect", "true"), ("landing", "studio::"), ("space", "team-1")];
    assert_eq!(handle(with_query(event(), &query), None).await.status_code, 302);
    sagemaker.fail_next(2, Fault::Throttling);
    assert_eq!(handle(event(), None).await.status_code, 200);

    // Failures after a URL was minted in the same process.
    let presign_only = |fault| FaultRule::always(fault).on(Operation::CreatePresignedDomainUrl);
    sagemaker.set_fault(presign_only(Fault::Throttling));
    assert_eq!(handle(event(), None).await.status_code, 503);
    sagemaker.clear_faults();
    sagemaker.set_fault(presign_only(Fault::Hang));
    let deadline = SystemTime::now() + Duration::from_millis(1200);
    assert_eq!(handle(event(), Some(deadline)).await.status_code, 504);
    sagemaker.clear_faults();
    sagemaker.release_hangs();
    assert_eq!(handle(event(), None).await.status_code, 200);

    let tokens = sagemaker.minted_tokens();
    assert!(tokens.len() >= 5, "{} URLs minted", tokens.len());
    let text = logs.text();
    assert!(text.contains("presign answer"), "presign's own lines were captured");
    assert!(text.contains("\"level\":\"DEBUG\""), "the SDK's DEBUG lines were captured");
    for token in &tokens {
        assert!(!text.contains(token.as_str()), "a minted token was logged");
    }
    for url in sagemaker.minted().iter().map(|m| m.url.clone()) {
        assert!(!text.contains(&url), "a minted URL was logged");
    }
}
