//! The gateway's API Gateway behaviour, with hand-made functions in place of the
//! real handlers (the end-to-end tests in `tests/` run the real ones).

use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as STANDARD_B64;
use serde_json::json;

use super::*;
use crate::lambda::{BoxFuture, FunctionError};

const TOKEN: &str = "Bearer header.payload.signature";
const STAGE_WIDE: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/*/*";

type Script = Box<dyn Fn(&Value) -> Result<Value, FunctionError> + Send + Sync>;

/// A function that answers from a script and keeps every event it got.
struct Scripted {
    answer: Script,
    delay: Option<Duration>,
    events: Mutex<Vec<Value>>,
}

impl Scripted {
    fn new(
        answer: impl Fn(&Value) -> Result<Value, FunctionError> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self { answer: Box::new(answer), delay: None, events: Mutex::new(Vec::new()) })
    }

    fn slow(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            answer: Box::new(|_| Ok(json!({"statusCode": 200}))),
            delay: Some(delay),
            events: Mutex::new(Vec::new()),
        })
    }

    fn calls(&self) -> usize {
        self.events.lock().unwrap().len()
    }

    fn last_event(&self) -> Value {
        self.events.lock().unwrap().last().cloned().unwrap()
    }
}

impl LambdaFunction for Scripted {
    fn invoke(
        &self,
        event: Value,
        _deadline: SystemTime,
    ) -> BoxFuture<'_, Result<Value, FunctionError>> {
        Box::pin(async move {
            if let Some(delay) = self.delay {
                tokio::time::sleep(delay).await;
            }
            let answer = (self.answer)(&event);
            self.events.lock().unwrap().push(event);
            answer
        })
    }
}

fn allow(resource: &str) -> Value {
    json!({
        "principalId": "sub-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}]
        },
        "context": {"studioUserProfile": "ada", "sub": "sub-1", "username": "ada", "groups": "studio-users"}
    })
}

fn allowing(resource: &'static str) -> Arc<Scripted> {
    Scripted::new(move |_| Ok(allow(resource)))
}

/// An integration that answers 200 with its event's `requestContext.authorizer`.
fn echo() -> Arc<Scripted> {
    Scripted::new(|event| {
        Ok(json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json", "cache-control": "no-store"},
            "body": event["requestContext"]["authorizer"].to_string(),
        }))
    })
}

fn gateway(authorizer: Arc<Scripted>, integration: Arc<Scripted>) -> Gateway {
    gateway_with(GatewayConfig::default(), authorizer, integration)
}

fn gateway_with(
    config: GatewayConfig,
    authorizer: Arc<Scripted>,
    integration: Arc<Scripted>,
) -> Gateway {
    Gateway::new(config, authorizer, integration)
}

fn get(path: &str) -> http::request::Builder {
    http::Request::get(path)
}

fn peer() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 50_000))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    trace: Trace,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

async fn send(gateway: &Gateway, request: http::request::Builder) -> Answer {
    let response = gateway.handle(request.body(Bytes::new()).unwrap(), peer()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let id = headers["x-amzn-requestid"].to_str().unwrap();
    let trace = gateway.trace(id).unwrap();
    Answer { status, headers, body, trace }
}

#[tokio::test]
async fn allowed_request_reaches_the_integration_with_context_and_principal() {
    let (authorizer, integration) = (allowing(STAGE_WIDE), echo());
    let gateway = gateway(authorizer.clone(), integration.clone());

    let answer = send(
        &gateway,
        get("/v1/presigned-url?landing=app%3AJupyterLab%3A").header("authorization", TOKEN),
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({
            "principalId": "sub-1",
            "studioUserProfile": "ada",
            "sub": "sub-1",
            "username": "ada",
            "groups": "studio-users",
            "integrationLatency": answer.json()["integrationLatency"],
        })
    );
    assert!(answer.json()["integrationLatency"].is_u64());
    let event = integration.last_event();
    assert_eq!(event["resource"], "/presigned-url");
    assert_eq!(event["path"], "/presigned-url");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(event["queryStringParameters"], json!({"landing": "app:JupyterLab:"}));
    assert_eq!(event["requestContext"]["path"], "/v1/presigned-url");
    assert_eq!(event["requestContext"]["stage"], "v1");
    assert_eq!(event["requestContext"]["apiId"], "a1b2c3d4e5");
    assert_eq!(event["requestContext"]["identity"]["vpceId"], "vpce-0a1b2c3d4e5f60718");
    assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(event["requestContext"]["requestId"], answer.trace.request_id);
    let typed: aws_lambda_events::apigw::ApiGatewayProxyRequest =
        serde_json::from_value(event).unwrap();
    let context =
        shared::AuthorizerContext::from_fields(&typed.request_context.authorizer.fields).unwrap();
    assert_eq!(context.profile.as_str(), "ada");
    assert_eq!(
        (answer.trace.decision, answer.trace.authorizer),
        (Decision::Allow, AuthorizerCall::Invoked)
    );
}

#[tokio::test]
async fn authorizer_gets_a_request_event_with_method_arn_vpce_and_headers_as_received() {
    let authorizer = allowing(STAGE_WIDE);
    let gateway = gateway(authorizer.clone(), echo());

    let request = get("/v1/studio?a=1&a=2")
        .header("authorization", TOKEN)
        .header("x-forwarded-for", "10.0.0.1")
        .header("x-forwarded-for", "10.0.0.2");
    send(&gateway, request).await;

    let event = authorizer.last_event();
    assert_eq!(event["type"], "REQUEST");
    assert_eq!(
        event["methodArn"],
        "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/GET/studio"
    );
    assert_eq!(event["resource"], "/studio");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(event["requestContext"]["identity"]["vpceId"], "vpce-0a1b2c3d4e5f60718");
    assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(event["requestContext"]["accountId"], "123456789012");
    assert_eq!(event["headers"]["authorization"], TOKEN);
    assert_eq!(event["headers"]["x-forwarded-for"], "10.0.0.2");
    assert_eq!(event["multiValueHeaders"]["x-forwarded-for"], json!(["10.0.0.1", "10.0.0.2"]));
    assert_eq!(event["queryStringParameters"], json!({"a": "2"}));
    assert_eq!(event["multiValueQueryStringParameters"], json!({"a": ["1", "2"]}));
}

#[tokio::test]
async fn unauthorized_error_is_401_unauthorized() {
    let authorizer = Scripted::new(|_| Err(FunctionError::new("Unauthorized", "Unauthorized")));
    let integration = echo();
    let gateway = gateway(authorizer, integration.clone());

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json(), json!({"message": "Unauthorized"}));
    assert_eq!(answer.headers["x-amzn-errortype"], "UnauthorizedException");
    assert_eq!(answer.trace.decision, Decision::Unauthorized);
    assert_eq!(integration.calls(), 0);
}

#[tokio::test]
async fn missing_or_empty_authorization_is_401_without_calling_the_authorizer() {
    let authorizer = allowing(STAGE_WIDE);
    let gateway = gateway(authorizer.clone(), echo());

    let missing = send(&gateway, get("/v1/presigned-url")).await;
    let empty = send(&gateway, get("/v1/presigned-url").header("authorization", "")).await;

    for answer in [missing, empty] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.json(), json!({"message": "Unauthorized"}));
        assert_eq!(answer.trace.authorizer, AuthorizerCall::NotCalled);
    }
    assert_eq!(authorizer.calls(), 0);
}

#[tokio::test]
async fn other_authorizer_errors_are_500() {
    let authorizer =
        Scripted::new(|_| Err(FunctionError::new("Runtime.ExitError", "unauthorized")));
    let gateway = gateway(authorizer, echo());

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.json(), json!({"message": null}));
    assert_eq!(answer.headers["x-amzn-errortype"], "AuthorizerConfigurationException");
    assert_eq!(answer.trace.decision, Decision::AuthorizerError);
}

#[tokio::test]
async fn answer_without_principal_or_policy_is_500() {
    let answers = [
        json!({"policyDocument": allow(STAGE_WIDE)["policyDocument"]}),
        json!({"principalId": "", "policyDocument": allow(STAGE_WIDE)["policyDocument"]}),
        json!({"principalId": "sub-1"}),
        json!({"principalId": "sub-1", "policyDocument": {"Statement": []}}),
    ];
    for bad in answers {
        let authorizer = Scripted::new(move |_| Ok(bad.clone()));
        let integration = echo();
        let gateway = gateway(authorizer, integration.clone());

        let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

        assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(answer.json(), json!({"message": null}));
        assert_eq!(integration.calls(), 0);
    }
}

#[tokio::test]
async fn non_scalar_context_value_is_500() {
    let authorizer = Scripted::new(|_| {
        let mut answer = allow(STAGE_WIDE);
        answer["context"]["groups"] = json!(["studio-users"]);
        Ok(answer)
    });
    let integration = echo();
    let gateway = gateway(authorizer, integration.clone());

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(answer.trace.authorizer_error.unwrap().contains("groups"));
    assert_eq!(integration.calls(), 0);
}

#[tokio::test]
async fn explicit_deny_is_403_with_the_explicit_deny_message() {
    let authorizer = Scripted::new(|_| {
        Ok(serde_json::to_value(shared::deny_policy("sub-1", STAGE_WIDE.into())).unwrap())
    });
    let integration = echo();
    let gateway = gateway(authorizer, integration.clone());

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.json(),
        json!({"message": "User is not authorized to access this resource with an explicit deny"})
    );
    assert_eq!(answer.headers["x-amzn-errortype"], "AccessDeniedException");
    assert_eq!(answer.trace.decision, Decision::ExplicitDeny);
    assert_eq!(integration.calls(), 0);
}

#[tokio::test]
async fn policy_without_a_matching_allow_is_403() {
    let gateway =
        gateway(allowing("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v2/*/*"), echo());

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.json(), json!({"message": "User is not authorized to access this resource"}));
    assert_eq!(answer.trace.decision, Decision::ImplicitDeny);
}

#[tokio::test]
async fn cached_stage_wide_answer_allows_the_second_route_without_the_authorizer() {
    let authorizer = allowing(STAGE_WIDE);
    let gateway = gateway(authorizer.clone(), echo());

    let first = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;
    let second = send(&gateway, get("/v1/studio").header("authorization", TOKEN)).await;

    assert_eq!((first.status, second.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(first.trace.authorizer, AuthorizerCall::Invoked);
    assert_eq!(second.trace.authorizer, AuthorizerCall::Cached);
    assert_eq!(authorizer.calls(), 1);
    assert!(second.json().get("integrationLatency").is_none(), "no authorizer call, no latency");
}

#[tokio::test]
async fn cached_answer_for_one_route_is_reevaluated_and_denies_the_other() {
    let authorizer =
        allowing("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/GET/presigned-url");
    let gateway = gateway(authorizer.clone(), echo());

    let first = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;
    let second = send(&gateway, get("/v1/studio").header("authorization", TOKEN)).await;

    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::FORBIDDEN);
    assert_eq!(second.trace.authorizer, AuthorizerCall::Cached);
    assert_eq!(second.trace.decision, Decision::ImplicitDeny);
    assert_eq!(authorizer.calls(), 1);
}

#[tokio::test]
async fn another_token_is_not_answered_from_the_cache() {
    let authorizer = allowing(STAGE_WIDE);
    let gateway = gateway(authorizer.clone(), echo());

    send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;
    let other =
        send(&gateway, get("/v1/presigned-url").header("authorization", "Bearer a.b.c")).await;

    assert_eq!(other.trace.authorizer, AuthorizerCall::Invoked);
    assert_eq!(authorizer.calls(), 2);
}

#[tokio::test]
async fn zero_ttl_runs_the_authorizer_for_every_request() {
    let authorizer = allowing(STAGE_WIDE);
    let config = GatewayConfig { authorizer_cache_ttl: Duration::ZERO, ..GatewayConfig::default() };
    let gateway = gateway_with(config, authorizer.clone(), echo());

    for _ in 0..3 {
        let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;
        assert_eq!(answer.trace.authorizer, AuthorizerCall::Invoked);
    }
    assert_eq!(authorizer.calls(), 3);
}

#[tokio::test]
async fn unauthorized_answers_are_not_cached() {
    let authorizer = Scripted::new(|_| Err(FunctionError::new("Unauthorized", "Unauthorized")));
    let gateway = gateway(authorizer.clone(), echo());

    send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;
    send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(authorizer.calls(), 2);
}

#[tokio::test]
async fn unknown_route_or_method_is_403_missing_authentication_token() {
    let authorizer = allowing(STAGE_WIDE);
    let gateway = gateway(authorizer.clone(), echo());

    for request in [
        get("/v1/elsewhere"),
        get("/v2/presigned-url"),
        get("/presigned-url"),
        get("/v1x/presigned-url"),
        http::Request::post("/v1/presigned-url"),
    ] {
        let answer = send(&gateway, request.header("authorization", TOKEN)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(answer.json(), json!({"message": "Missing Authentication Token"}));
        assert_eq!(answer.trace.decision, Decision::NoRoute);
    }
    assert_eq!(authorizer.calls(), 0);
}

#[tokio::test]
async fn integration_answer_is_passed_back_unchanged() {
    let integration = Scripted::new(|_| {
        Ok(json!({
            "statusCode": 302,
            "headers": {"location": "https://example.invalid/next", "cache-control": "no-store", "x-one": "single"},
            "multiValueHeaders": {"x-one": ["first", "second"], "set-cookie": ["a=1", "b=2"]},
            "body": "moved",
        }))
    });
    let gateway = gateway(allowing(STAGE_WIDE), integration);

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.headers["location"], "https://example.invalid/next");
    assert_eq!(answer.headers["cache-control"], "no-store");
    let all = |name: &str| -> Vec<&str> {
        answer.headers.get_all(name).iter().map(|v| v.to_str().unwrap()).collect()
    };
    assert_eq!(all("x-one"), ["first", "second"]);
    assert_eq!(all("set-cookie"), ["a=1", "b=2"]);
    assert_eq!(answer.body, "moved");
}

#[tokio::test]
async fn base64_integration_body_is_decoded() {
    let integration = Scripted::new(|_| {
        Ok(
            json!({"statusCode": 200, "body": STANDARD_B64.encode([0u8, 159, 146, 150]), "isBase64Encoded": true}),
        )
    });
    let gateway = gateway(allowing(STAGE_WIDE), integration);

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.body.as_ref(), [0u8, 159, 146, 150]);
}

#[tokio::test]
async fn integration_error_or_malformed_answer_is_502() {
    let failing = Scripted::new(|_| Err(FunctionError::new("Runtime.ExitError", "boom")));
    let malformed = Scripted::new(|_| Ok(json!({"statusCode": "two hundred"})));
    let impossible = Scripted::new(|_| Ok(json!({"statusCode": 99})));
    for integration in [failing, malformed, impossible] {
        let gateway = gateway(allowing(STAGE_WIDE), integration);

        let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

        assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
        assert_eq!(answer.json(), json!({"message": "Internal server error"}));
    }
}

#[tokio::test]
async fn integration_past_its_timeout_is_504() {
    let config = GatewayConfig {
        integration_timeout: Duration::from_millis(50),
        ..GatewayConfig::default()
    };
    let gateway =
        gateway_with(config, allowing(STAGE_WIDE), Scripted::slow(Duration::from_secs(60)));

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(answer.json(), json!({"message": "Endpoint request timed out"}));
}

#[tokio::test]
async fn authorizer_past_its_timeout_is_500() {
    let config =
        GatewayConfig { authorizer_timeout: Duration::from_millis(50), ..GatewayConfig::default() };
    let gateway = gateway_with(config, Scripted::slow(Duration::from_secs(60)), echo());

    let answer = send(&gateway, get("/v1/presigned-url").header("authorization", TOKEN)).await;

    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.trace.decision, Decision::AuthorizerError);
}

#[tokio::test]
async fn every_answer_carries_a_request_id_that_names_its_trace() {
    let gateway = gateway(allowing(STAGE_WIDE), echo());

    let answer = send(&gateway, get("/v1/nowhere")).await;

    assert_eq!(answer.headers["x-amzn-requestid"], answer.trace.request_id.as_str());
    assert_eq!(answer.trace.status, 403);
}

#[tokio::test]
async fn server_on_loopback_answers_over_http() {
    let server = GatewayServer::start(gateway(allowing(STAGE_WIDE), echo()), 0).await.unwrap();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert!(server.base_url().ends_with("/v1"));

    let answer = reqwest::Client::new()
        .get(server.url(PRESIGNED_URL_PATH))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), 200);
    let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["principalId"], "sub-1");
    server.shutdown().await;
}
