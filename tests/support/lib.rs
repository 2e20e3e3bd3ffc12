//! Helpers the end-to-end tests share: the local stack as the tests set it up, an
//! HTTP client that does not follow redirects, and answers read in full.
//!
//! The tests talk to real servers on 127.0.0.1 only: the gateway stand-in running
//! the real `authorizer` and `presign` handlers, the Cognito stand-in or moto, and
//! the SageMaker stand-in.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use local::gateway::{GatewayServer, Trace};
use local::stack::{Stack, StackConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Starts the local stack as `configure` leaves the default (demo) configuration.
///
/// # Panics
///
/// When the stack does not start: the tests cannot go on without it.
pub async fn start_stack(configure: impl FnOnce(&mut StackConfig)) -> Stack {
    let mut config = StackConfig::default();
    configure(&mut config);
    match Stack::start(config).await {
        Ok(stack) => stack,
        Err(error) => panic!("the local stack did not start: {error}"),
    }
}

/// An HTTP client that shows redirects instead of following them.
///
/// # Panics
///
/// When the client cannot be built.
pub fn client() -> reqwest::Client {
    match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(client) => client,
        Err(error) => panic!("no HTTP client: {error}"),
    }
}

/// One answer of the gateway, read in full, with the gateway's trace of it.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as JSON (`null` when it is not JSON).
    pub body: Value,
    /// What the gateway did, found by `x-amzn-RequestId`.
    pub trace: Option<Trace>,
}

impl Answer {
    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// `GET <base URL><resource>` with `Authorization: Bearer <token>` (when given)
/// and `Accept: <accept>`.
///
/// # Panics
///
/// When the gateway does not answer.
pub async fn get(
    client: &reqwest::Client,
    gateway: &GatewayServer,
    resource: &str,
    token: Option<&str>,
    accept: &str,
) -> Answer {
    let mut request = client.get(gateway.url(resource)).header("accept", accept);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => panic!("the gateway did not answer GET {resource}: {error}"),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let trace = headers
        .get("x-amzn-requestid")
        .and_then(|id| id.to_str().ok())
        .and_then(|id| gateway.gateway().trace(id));
    Answer { status, headers, body, trace }
}

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}
