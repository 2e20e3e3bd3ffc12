//! The events a token arrives in, as API Gateway sends them to the authorizer.
//!
//! [`request_event`] is a REQUEST event of a private REST API with the headers
//! a browser sends through an interface VPC endpoint, built from the typed
//! structs of `aws_lambda_events` and serialised as API Gateway's JSON would
//! arrive. Its size matters: the authorizer reads the whole event before it
//! looks at the token, so a bare-bones event would flatter the decision cost.

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerRequestTypeRequestContext,
    ApiGatewayCustomAuthorizerRequestTypeRequestIdentity, ApiGatewayCustomAuthorizerResponse,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Value, json};

/// The method ARN of every event: `GET /presigned-url` on stage `prod`.
pub const METHOD_ARN: &str =
    "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";
/// The VPC endpoint every request comes through.
pub const VPCE_ID: &str = "vpce-0a1b2c3d4e5f67890";

const HEADERS: &[(&str, &str)] = &[
    ("accept", "application/json"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-language", "en-GB,en;q=0.9"),
    ("host", "a1b2c3d4e5-vpce-0a1b2c3d4e5f67890.execute-api.eu-west-1.vpce.amazonaws.com"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    ),
    ("x-amzn-trace-id", "Root=1-67a0b1c2-0123456789abcdef01234567"),
    ("x-amzn-vpc-id", "vpc-0123456789abcdef0"),
    ("x-amzn-vpce-config", "1"),
    ("x-amzn-vpce-id", VPCE_ID),
    ("x-forwarded-for", "10.20.30.40"),
    ("x-forwarded-port", "443"),
    ("x-forwarded-proto", "https"),
];

/// A REQUEST event for `GET /presigned-url` carrying `Authorization: Bearer <token>`.
pub fn request_event(token: &str) -> Value {
    let mut headers = HeaderMap::new();
    let bearer = format!("Bearer {token}");
    for (name, value) in HEADERS.iter().copied().chain([("authorization", bearer.as_str())]) {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }

    let mut identity = ApiGatewayCustomAuthorizerRequestTypeRequestIdentity::default();
    identity.source_ip = Some("10.20.30.40".to_owned());
    identity.other.insert("vpceId".to_owned(), json!(VPCE_ID));
    identity.other.insert("vpcId".to_owned(), json!("vpc-0123456789abcdef0"));
    identity.other.insert("userAgent".to_owned(), json!(HEADERS[4].1));

    let mut context = ApiGatewayCustomAuthorizerRequestTypeRequestContext::default();
    context.path = Some("/prod/presigned-url".to_owned());
    context.account_id = Some("123456789012".to_owned());
    context.resource_id = Some("k2x9ab".to_owned());
    context.stage = Some("prod".to_owned());
    context.request_id = Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef".to_owned());
    context.identity = Some(identity);
    context.resource_path = Some("/presigned-url".to_owned());
    context.http_method = Some(Method::GET);
    context.apiid = Some("a1b2c3d4e5".to_owned());
    context.other.insert("protocol".to_owned(), json!("HTTP/1.1"));
    context.other.insert("requestTimeEpoch".to_owned(), json!(1_767_225_600_000_u64));

    let mut event = ApiGatewayCustomAuthorizerRequestTypeRequest::default();
    event.type_ = Some("REQUEST".to_owned());
    event.method_arn = Some(METHOD_ARN.to_owned());
    event.resource = Some("/presigned-url".to_owned());
    event.path = Some("/presigned-url".to_owned());
    event.http_method = Some(Method::GET);
    event.multi_value_headers = headers.clone();
    event.headers = headers;
    event.request_context = context;
    with_type(serde_json::to_value(event).unwrap_or(Value::Null), "REQUEST")
}

/// A TOKEN event carrying `Bearer <token>`: the smallest event there is.
pub fn token_event(token: &str) -> Value {
    let mut event = ApiGatewayCustomAuthorizerRequest::default();
    event.type_ = Some("TOKEN".to_owned());
    event.authorization_token = Some(format!("Bearer {token}"));
    event.method_arn = Some(METHOD_ARN.to_owned());
    with_type(serde_json::to_value(event).unwrap_or(Value::Null), "TOKEN")
}

/// API Gateway names the kind of event `type`.
fn with_type(mut event: Value, kind: &str) -> Value {
    if let Some(object) = event.as_object_mut() {
        object.remove("type_");
        object.insert("type".to_owned(), json!(kind));
    }
    event
}

/// True if the authorizer's answer is an Allow policy.
pub fn is_allow<E>(answer: &Result<ApiGatewayCustomAuthorizerResponse, E>) -> bool {
    answer.as_ref().is_ok_and(|response| {
        serde_json::to_value(response)
            .is_ok_and(|value| value["policyDocument"]["Statement"][0]["Effect"] == "Allow")
    })
}
