//! Helpers shared by the presign integration tests: the recorded REST API event,
//! a presigner wired to the SageMaker stand-in, and log capture.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use presign::{Presigner, Settings};
use serde_json::{Value, json};
use standins::sagemaker::{ProfileStatus, SageMakerStandIn, StandInOptions};
use tracing::instrument::WithSubscriber as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;

/// The caller's profile in the recorded event.
pub const ALICE: &str = "alice";

/// A REST API proxy event as API Gateway sends it, with `alice` in the
/// authorizer context and `Accept: application/json`.
pub fn event() -> Value {
    serde_json::from_str(include_str!("../fixtures/rest-api-proxy-event.json")).unwrap()
}

/// `event` with `query` as both query maps.
pub fn with_query(mut event: Value, query: &[(&str, &str)]) -> Value {
    let mut single = json!({});
    let mut multi = json!({});
    for (name, value) in query {
        single[*name] = json!(value);
        let values = multi[*name].as_array().cloned().unwrap_or_default();
        multi[*name] = json!([values, vec![json!(value)]].concat());
    }
    event["queryStringParameters"] = single;
    event["multiValueQueryStringParameters"] = multi;
    event
}

/// `event` with this `Accept` header.
pub fn with_accept(mut event: Value, accept: &str) -> Value {
    event["headers"]["Accept"] = json!(accept);
    event["multiValueHeaders"]["Accept"] = json!([accept]);
    event
}

/// `event` with `studioUserProfile` in the context set to `profile`.
pub fn with_context_profile(mut event: Value, profile: Value) -> Value {
    event["requestContext"]["authorizer"]["studioUserProfile"] = profile;
    event
}

/// The typed request for an event.
pub fn request(event: Value) -> ApiGatewayProxyRequest {
    serde_json::from_value(event).unwrap()
}

/// Settings for the stand-in's domain with the default lifetimes.
pub fn settings() -> Settings {
    Settings::from_lookup(|name| {
        (name == "STUDIO_DOMAIN_ID").then(|| standins::sagemaker::DEFAULT_DOMAIN_ID.to_owned())
    })
    .unwrap()
}

/// A SageMaker stand-in with `alice` `InService`, and a presigner that talks to
/// it through the real SDK client.
pub async fn setup() -> (SageMakerStandIn, Presigner) {
    let sagemaker = SageMakerStandIn::start(StandInOptions::default()).await.unwrap();
    sagemaker.put_profile(sagemaker.domain_id(), ALICE, ProfileStatus::InService);
    let presigner = Presigner::new(settings(), sagemaker.client());
    (sagemaker, presigner)
}

/// The JSON body of an answer.
pub fn body(response: &ApiGatewayProxyResponse) -> Value {
    match &response.body {
        Some(Body::Text(text)) => serde_json::from_str(text).unwrap(),
        other => panic!("no JSON body: {other:?}"),
    }
}

/// Asserts the headers every answer must carry.
pub fn assert_private(response: &ApiGatewayProxyResponse) {
    let header = |name: &str| response.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("cache-control"), Some("no-store"), "{response:?}");
    assert_eq!(header("pragma"), Some("no-cache"), "{response:?}");
    assert_eq!(header("referrer-policy"), Some("no-referrer"), "{response:?}");
}

/// An in-memory log that a `tracing` writer appends to.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Every line written so far, parsed as JSON.
    pub fn lines(&self) -> Vec<Value> {
        self.text().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    /// A subscriber that writes JSON lines here at every level, keeping the
    /// TRACE events of other crates out as the functions' log set-up does.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let buffer = self.clone();
        let layer = tracing_subscriber::fmt::layer()
            .json()
            .with_writer(move || buffer.clone())
            .with_filter(filter_fn(|meta| shared::logging::permitted(meta.target(), meta.level())));
        tracing_subscriber::registry().with(layer)
    }
}

/// Runs the handler with its events captured; returns the answer and the
/// `presign answer` lines it wrote.
pub async fn handle_logged(
    presigner: &Presigner,
    event: Value,
    deadline: Option<SystemTime>,
) -> (ApiGatewayProxyResponse, Vec<Value>) {
    let logs = LogBuffer::default();
    let response =
        presigner.handle(request(event), deadline).with_subscriber(logs.subscriber()).await;
    let answers = logs
        .lines()
        .into_iter()
        .filter(|line| line["fields"]["message"] == "presign answer")
        .collect();
    (response, answers)
}
