//! Everything the local API logs in process (the gateway stand-in, the
//! authorizer and presign, with the filters their binaries use, at TRACE) while
//! it allows, redirects, refuses, refetches keys and meets SageMaker faults
//! holds no token, no signature and no presigned URL token.
//! (JWKS failures are logged with the error and the configured URL only;
//! `authorizer/tests/jwks_faults.rs` drives them.)
//!
//! One test in its own binary, so the global subscriber it installs sees every
//! task. The runtime is single-threaded, so every line is written from the
//! test's own thread. At the end the test prints what was logged: the test
//! harness keeps it unless `--nocapture` is given, which is how
//! `scripts/test` hands it, with every other log of the suite, to
//! `scripts/check-secrets`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use e2e::{client, get, start_stack, unix_now};
use local::gateway::PRESIGNED_URL_PATH;
use local::stack::{DEMO_PASSWORD, DEMO_USER, NO_PROFILE_USER};
use reqwest::StatusCode;
use shared::TokenUse;
use standins::keys::{SigningKey, b64url};
use standins::sagemaker::{Fault, FaultRule, Operation};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

/// Every line logged, kept in memory.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn nothing_the_local_api_logs_holds_a_token_a_signature_or_a_url_token() {
    let logs = Logs::default();
    // As in the binaries: JSON lines, every level, no TRACE of other crates
    // (shared::logging for the functions; local::logging adds the gateway's own).
    let own_or_not_trace = filter_fn(|meta| {
        shared::logging::permitted(meta.target(), meta.level())
            || meta.target().starts_with("local")
    });
    let layer = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(logs.clone())
        .with_filter(own_or_not_trace)
        .with_filter(LevelFilter::TRACE);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();

    let stack = start_stack(|config| config.prefetch_keys = false).await;
    let cognito = stack.cognito().unwrap();
    let pool = cognito.pool();
    let sagemaker = stack.sagemaker().unwrap();
    let http = client();
    let mut tokens = Vec::new();
    let mut ask = async |token: &str, accept: &str, resource: &str| {
        tokens.push(token.to_owned());
        get(&http, stack.gateway(), resource, Some(token), accept).await.status
    };
    let json = "application/json";

    let signed_in = stack.sign_in(DEMO_USER, DEMO_PASSWORD).await.unwrap();
    assert_eq!(ask(&signed_in.id_token, json, PRESIGNED_URL_PATH).await, StatusCode::OK);
    assert_eq!(ask(&signed_in.id_token, "text/html", PRESIGNED_URL_PATH).await, StatusCode::FOUND);
    let with_query = format!("{PRESIGNED_URL_PATH}?profile=someone-else&landing=studio::");
    assert_eq!(ask(&signed_in.id_token, json, &with_query).await, StatusCode::OK);
    let bad_query = format!("{PRESIGNED_URL_PATH}?landing=https://example.com");
    assert_eq!(ask(&signed_in.id_token, json, &bad_query).await, StatusCode::BAD_REQUEST);
    assert_eq!(
        ask(&signed_in.access_token, json, PRESIGNED_URL_PATH).await,
        StatusCode::UNAUTHORIZED
    );

    let no_profile = pool.id_token(NO_PROFILE_USER).unwrap();
    assert_eq!(ask(&no_profile, json, PRESIGNED_URL_PATH).await, StatusCode::FORBIDDEN);
    let expired = pool.token(DEMO_USER, TokenUse::Id).unwrap().issued_at(unix_now() - 7200);
    assert_eq!(
        ask(&expired.mint().unwrap(), json, PRESIGNED_URL_PATH).await,
        StatusCode::UNAUTHORIZED
    );
    let forger = SigningKey::generate(pool.key().kid()).unwrap();
    let forged = pool.token(DEMO_USER, TokenUse::Id).unwrap().signed_with(&forger).mint().unwrap();
    assert_eq!(ask(&forged, json, PRESIGNED_URL_PATH).await, StatusCode::UNAUTHORIZED);
    let (unsigned, _) = signed_in.id_token.rsplit_once('.').unwrap();
    let alg_none = format!(
        "{}.{}.",
        b64url(r#"{"alg":"none","kid":"x"}"#),
        unsigned.split('.').nth(1).unwrap()
    );
    assert_eq!(ask(&alg_none, json, PRESIGNED_URL_PATH).await, StatusCode::UNAUTHORIZED);

    // A kid the pool does not have.
    let stranger = SigningKey::generate("rotated-key").unwrap();
    let unknown_kid =
        pool.token(DEMO_USER, TokenUse::Id).unwrap().signed_with(&stranger).mint().unwrap();
    assert_eq!(ask(&unknown_kid, json, PRESIGNED_URL_PATH).await, StatusCode::UNAUTHORIZED);

    // SageMaker faults, after URLs were minted in the same process.
    let fresh = |pool: &standins::cognito::UserPool| pool.id_token(DEMO_USER).unwrap();
    sagemaker.fail_next(2, Fault::Throttling);
    assert_eq!(ask(&fresh(pool), json, PRESIGNED_URL_PATH).await, StatusCode::OK);
    sagemaker
        .set_fault(FaultRule::always(Fault::InternalError).on(Operation::CreatePresignedDomainUrl));
    assert_eq!(ask(&fresh(pool), json, PRESIGNED_URL_PATH).await, StatusCode::BAD_GATEWAY);
    sagemaker.clear_faults();
    sagemaker.set_fault(FaultRule::always(Fault::AccessDenied));
    assert_eq!(ask(&fresh(pool), json, PRESIGNED_URL_PATH).await, StatusCode::BAD_GATEWAY);
    sagemaker.clear_faults();
    assert_eq!(ask(&fresh(pool), "text/html", PRESIGNED_URL_PATH).await, StatusCode::FOUND);
    tokio::time::sleep(Duration::from_millis(50)).await;

    let text = logs.text();
    for line in ["authorizer decision", "gateway request", "\"level\":\"DEBUG\""] {
        assert!(text.contains(line), "no {line:?} in what was logged: the check would be empty");
    }
    assert!(text.contains("jwks fetched"), "the authorizer's DEBUG lines were captured");
    let minted = sagemaker.minted();
    assert!(minted.len() >= 5, "{} URLs minted", minted.len());
    let mut secrets: Vec<(&str, String)> = Vec::new();
    for token in &tokens {
        secrets.push(("token", token.clone()));
        if let Some((_, signature)) = token.rsplit_once('.').filter(|(_, s)| !s.is_empty()) {
            secrets.push(("signature", signature.to_owned()));
        }
    }
    for url in &minted {
        secrets.push(("url", url.url.clone()));
        secrets.push(("url token", url.token.clone()));
    }
    for (kind, secret) in &secrets {
        // Never print the secret itself, not even here.
        assert!(!text.contains(secret.as_str()), "a {kind} was logged");
    }

    // For scripts/check-secrets, which reads the suite's output (`--nocapture`).
    print!("{text}");
}
