//! The events API Gateway sends to the functions, and the proxy answer it reads back.
//!
//! Both events are built from the typed structs of `aws_lambda_events` and then
//! serialised, as API Gateway's JSON would arrive:
//!
//! - `headers` holds the last value of each header, `multiValueHeaders` every
//!   value, in the order received (names come lowercased: the HTTP server folds
//!   their case before the gateway sees them);
//! - `queryStringParameters` and `multiValueQueryStringParameters` likewise;
//! - `requestContext.identity` names the caller's address and the VPC endpoint
//!   (`vpceId`) and VPC (`vpcId`) the request came through, as for a private API;
//! - `path` is the resource path, `requestContext.path` the same with the stage.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::SystemTime;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerRequestTypeRequestContext,
    ApiGatewayCustomAuthorizerRequestTypeRequestIdentity, ApiGatewayProxyRequest,
    ApiGatewayProxyRequestContext, ApiGatewayProxyResponse, ApiGatewayRequestIdentity,
};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::query_map::QueryMap;
use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

use super::GatewayConfig;

/// What both events say about one request.
pub(crate) struct RequestFacts<'a> {
    pub(crate) config: &'a GatewayConfig,
    pub(crate) request_id: &'a str,
    pub(crate) resource_id: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) method: &'a Method,
    pub(crate) method_arn: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) query: &'a [(String, String)],
    pub(crate) peer: SocketAddr,
    pub(crate) received: SystemTime,
}

impl RequestFacts<'_> {
    fn stage_path(&self) -> String {
        format!("/{}{}", self.config.stage, self.resource)
    }

    fn last_headers(&self) -> HeaderMap {
        let mut last = HeaderMap::new();
        for name in self.headers.keys() {
            if let Some(value) = self.headers.get_all(name).iter().rfind(|v| v.to_str().is_ok()) {
                last.insert(name.clone(), value.clone());
            }
        }
        last
    }

    fn all_headers(&self) -> HeaderMap {
        let mut all = HeaderMap::new();
        for (name, value) in self.headers {
            if value.to_str().is_ok() {
                all.append(name.clone(), value.clone());
            }
        }
        all
    }

    fn last_query(&self) -> QueryMap {
        let last: HashMap<String, String> = self.query.iter().cloned().collect();
        QueryMap::from(last)
    }

    fn all_query(&self) -> QueryMap {
        let mut all: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in self.query {
            all.entry(name.clone()).or_default().push(value.clone());
        }
        QueryMap::from(all)
    }

    fn identity_extras(&self) -> Map<String, Value> {
        let mut extras = Map::new();
        extras.insert("vpceId".into(), json!(self.config.vpce_id));
        extras.insert("vpcId".into(), json!(self.config.vpc_id));
        extras
    }

    fn user_agent(&self) -> Option<String> {
        self.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// The REQUEST authorizer event.
pub(crate) fn authorizer_event(facts: &RequestFacts<'_>) -> Result<Value, serde_json::Error> {
    let mut identity = ApiGatewayCustomAuthorizerRequestTypeRequestIdentity::default();
    identity.source_ip = Some(facts.peer.ip().to_string());
    identity.other = facts.identity_extras();
    if let Some(agent) = facts.user_agent() {
        identity.other.insert("userAgent".into(), json!(agent));
    }

    let mut context = ApiGatewayCustomAuthorizerRequestTypeRequestContext::default();
    context.path = Some(facts.stage_path());
    context.account_id = Some(facts.config.account_id.clone());
    context.resource_id = Some(facts.resource_id.to_owned());
    context.stage = Some(facts.config.stage.clone());
    context.request_id = Some(facts.request_id.to_owned());
    context.identity = Some(identity);
    context.resource_path = Some(facts.resource.to_owned());
    context.http_method = Some(facts.method.clone());
    context.apiid = Some(facts.config.api_id.clone());

    let mut event = ApiGatewayCustomAuthorizerRequestTypeRequest::default();
    event.type_ = Some("REQUEST".to_owned());
    event.method_arn = Some(facts.method_arn.to_owned());
    event.resource = Some(facts.resource.to_owned());
    event.path = Some(facts.resource.to_owned());
    event.http_method = Some(facts.method.clone());
    event.headers = facts.last_headers();
    event.multi_value_headers = facts.all_headers();
    event.multi_value_query_string_parameters = facts.all_query();
    event.request_context = context;
    let mut event = serde_json::to_value(event)?;
    // The typed struct writes every query parameter as a list; API Gateway sends
    // the last value alone here, as it does in the proxy event.
    let last: Map<String, Value> =
        facts.query.iter().map(|(name, value)| (name.clone(), json!(value))).collect();
    event["queryStringParameters"] = Value::Object(last);
    Ok(event)
}

/// The proxy integration event for `presign`, with the authorizer's context and
/// `principalId` in `requestContext.authorizer`.
pub(crate) fn proxy_event(
    facts: &RequestFacts<'_>,
    principal_id: &str,
    context: &Map<String, Value>,
    integration_latency_ms: Option<u64>,
    body: &Bytes,
) -> Result<Value, serde_json::Error> {
    let mut identity = ApiGatewayRequestIdentity::default();
    identity.source_ip = Some(facts.peer.ip().to_string());
    identity.user_agent = facts.user_agent();
    identity.other = facts.identity_extras();

    let mut request_context = ApiGatewayProxyRequestContext::default();
    request_context.account_id = Some(facts.config.account_id.clone());
    request_context.resource_id = Some(facts.resource_id.to_owned());
    request_context.stage = Some(facts.config.stage.clone());
    request_context.domain_name = Some(facts.config.domain_name());
    request_context.domain_prefix = Some(facts.config.api_id.clone());
    request_context.request_id = Some(facts.request_id.to_owned());
    request_context.protocol = Some("HTTP/1.1".to_owned());
    request_context.identity = identity;
    request_context.resource_path = Some(facts.resource.to_owned());
    request_context.path = Some(facts.stage_path());
    request_context.http_method = facts.method.clone();
    request_context.request_time = Some(request_time(facts.received));
    request_context.request_time_epoch = epoch_millis(facts.received);
    request_context.apiid = Some(facts.config.api_id.clone());
    // REST APIs hand every context value to the integration as a string.
    let fields = &mut request_context.authorizer.fields;
    for (key, value) in context {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        fields.insert(key.clone(), Value::String(text));
    }
    fields.insert("principalId".into(), json!(principal_id));
    if let Some(latency) = integration_latency_ms {
        fields.insert("integrationLatency".into(), json!(latency));
    }

    let mut event = ApiGatewayProxyRequest::default();
    event.resource = Some(facts.resource.to_owned());
    event.path = Some(facts.resource.to_owned());
    event.http_method = facts.method.clone();
    event.headers = facts.last_headers();
    event.multi_value_headers = facts.all_headers();
    event.query_string_parameters = facts.last_query();
    event.multi_value_query_string_parameters = facts.all_query();
    event.request_context = request_context;
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event.body = Some(text.to_owned()),
            Err(_) => {
                event.body = Some(STANDARD.encode(body));
                event.is_base64_encoded = true;
            }
        }
    }
    serde_json::to_value(event)
}

/// Why a proxy answer cannot be turned into an HTTP response (API Gateway: 502).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProxyAnswerError {
    #[error("the answer is not a proxy response: {0}")]
    Shape(String),
    #[error("statusCode {0} is not an HTTP status")]
    Status(i64),
    #[error("the body is marked base64 but does not decode")]
    Base64,
}

/// Headers API Gateway sets itself rather than take from the integration.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    [http::header::CONTENT_LENGTH, http::header::TRANSFER_ENCODING, http::header::CONNECTION]
        .contains(name)
}

/// Reads `presign`'s answer: status, headers (`multiValueHeaders` taking the place
/// of `headers` for a name both hold) and body, all passed on unchanged.
pub(crate) fn proxy_answer(
    answer: Value,
) -> Result<(StatusCode, HeaderMap, Bytes), ProxyAnswerError> {
    let answer: ApiGatewayProxyResponse = serde_json::from_value(answer)
        .map_err(|error| ProxyAnswerError::Shape(error.to_string()))?;
    let status = u16::try_from(answer.status_code)
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(ProxyAnswerError::Status(answer.status_code))?;

    let mut headers = HeaderMap::new();
    for (name, value) in &answer.headers {
        if !answer.multi_value_headers.contains_key(name) && !is_hop_by_hop(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    for (name, value) in &answer.multi_value_headers {
        if !is_hop_by_hop(name) {
            headers.append(name.clone(), value.clone());
        }
    }

    let body = match answer.body {
        None | Some(Body::Empty) => Bytes::new(),
        Some(Body::Text(text)) if answer.is_base64_encoded => {
            Bytes::from(STANDARD.decode(text).map_err(|_| ProxyAnswerError::Base64)?)
        }
        Some(Body::Text(text)) => Bytes::from(text),
        Some(Body::Binary(bytes)) => Bytes::from(bytes),
        Some(_) => Bytes::new(),
    };
    Ok((status, headers, body))
}

/// A header value of the gateway's own.
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// `03/Dec/2026:13:45:14 +0000`, as `requestContext.requestTime` spells it.
fn request_time(at: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    time::OffsetDateTime::from(at).format(format).unwrap_or_default()
}

fn epoch_millis(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}
