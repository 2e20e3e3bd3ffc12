//! Reading the caller's token and the request facts out of an authorizer event.
//!
//! API Gateway sends a TOKEN event (`authorizationToken`) or a REQUEST event
//! (`headers`, `multiValueHeaders`, `requestContext.identity.vpceId`). The
//! `Authorization` header is found whatever the case of its name, and a request
//! that carries two different values for it is refused: the value read must be
//! the only one there is. The typed `HeaderMap` of `aws_lambda_events` keeps one
//! value per name once the case is folded, so the header values are read from
//! the raw event before it is typed.
//!
//! The value is `Bearer` (any case), one or more spaces and the JWT, or the bare
//! JWT; anything else (`Basic …`, `Bearer` alone, words after the token) is
//! refused, and so is any value longer than [`MAX_TOKEN_BYTES`], before it is
//! decoded. The events are those `aws_lambda_events` types as
//! `ApiGatewayCustomAuthorizerRequest` and `…RequestTypeRequest`; only the
//! members used are read, in place, without copying.

use serde_json::Value;

use crate::reason::Reason;
use crate::verify::MAX_TOKEN_BYTES;

/// What the authorizer needs from an event, borrowed from it.
pub struct Request<'a> {
    /// The `Authorization` value as sent, or the TOKEN event's token.
    pub authorization: Result<&'a str, Reason>,
    /// The event's `methodArn`.
    pub method_arn: Option<&'a str>,
    /// The VPC endpoint the request came through (REQUEST events of private APIs).
    pub vpce_id: Option<&'a str>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("authorization", &self.authorization.as_ref().map(|_| "[redacted]"))
            .field("method_arn", &self.method_arn)
            .field("vpce_id", &self.vpce_id)
            .finish()
    }
}

/// Reads an authorizer event. `Err` only when it is no authorizer event at all,
/// or when a member it reads has the wrong JSON type.
///
/// Only the members the authorizer uses are read, in place: deserializing the
/// whole `aws_lambda_events` REQUEST struct (every header into an
/// `http::HeaderMap`, the query maps, …) cost about 10 µs a call, two thirds
/// of a cached decision, for values this function never reads.
pub fn request(event: &Value) -> Result<Request<'_>, Reason> {
    let method_arn = optional_str(event, "methodArn")?;
    match event.get("type").and_then(Value::as_str) {
        Some("TOKEN") => Ok(Request {
            authorization: optional_str(event, "authorizationToken")?.ok_or(Reason::MissingToken),
            method_arn,
            vpce_id: None,
        }),
        Some("REQUEST") => {
            let identity = event.get("requestContext").and_then(|context| context.get("identity"));
            let vpce_id = match identity {
                Some(identity) => optional_str(identity, "vpceId")?,
                None => None,
            };
            Ok(Request { authorization: authorization_header(event), method_arn, vpce_id })
        }
        _ => Err(Reason::BadEvent),
    }
}

/// The string member `name` of `object`: `None` when absent or null, an error
/// when of another type.
fn optional_str<'a>(object: &'a Value, name: &str) -> Result<Option<&'a str>, Reason> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(Reason::BadEvent),
    }
}

/// The one `Authorization` value of a REQUEST event, from `headers` and
/// `multiValueHeaders`, names compared without case.
fn authorization_header(event: &Value) -> Result<&str, Reason> {
    let single = event.get("headers").and_then(Value::as_object).into_iter().flatten();
    let multi = event.get("multiValueHeaders").and_then(Value::as_object).into_iter().flatten();

    let mut found: Option<&str> = None;
    let values = single
        .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value)
        .chain(
            multi
                .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                .flat_map(|(_, values)| values.as_array().into_iter().flatten()),
        );
    for value in values {
        let Some(value) = value.as_str() else { return Err(Reason::BadScheme) };
        match found {
            Some(seen) if seen != value => return Err(Reason::AmbiguousHeader),
            _ => found = Some(value),
        }
    }
    found.ok_or(Reason::MissingToken)
}

/// The JWT in an `Authorization` value: `Bearer <jwt>` or a bare `<jwt>`.
pub fn bearer(value: &str) -> Result<&str, Reason> {
    if value.len() > MAX_TOKEN_BYTES {
        return Err(Reason::TooLong);
    }
    let token = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => {
            value[7..].trim_start_matches(' ')
        }
        _ => value,
    };
    // A fold without an early exit, so the compiler checks many bytes at once.
    let jwt_shaped = token.contains('.') && token.bytes().fold(true, |all, b| all & jwt_byte(b));
    if !jwt_shaped {
        return Err(Reason::BadScheme);
    }
    Ok(token)
}

/// Whether `b` may appear in a compact JWT: the base64url alphabet and the dot.
fn jwt_byte(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/presigned-url";

    fn request_event(headers: Value, multi: Value) -> Value {
        json!({
            "type": "REQUEST",
            "methodArn": ARN,
            "headers": headers,
            "multiValueHeaders": multi,
            "requestContext": {"identity": {"sourceIp": "10.0.0.1", "vpceId": "vpce-0abc"}}
        })
    }

    #[test]
    fn token_event_gives_its_token() {
        let event =
            json!({"type": "TOKEN", "authorizationToken": "Bearer a.b.c", "methodArn": ARN});
        let request = request(&event).unwrap();
        assert_eq!(request.authorization, Ok("Bearer a.b.c"));
        assert_eq!(request.method_arn, Some(ARN));
        assert_eq!(request.vpce_id, None);
    }

    #[test]
    fn header_name_matches_regardless_of_case() {
        for name in ["Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"] {
            let event = request_event(json!({ name: "Bearer a.b.c" }), json!(null));
            let request = request(&event).unwrap();
            assert_eq!(request.authorization, Ok("Bearer a.b.c"), "{name}");
            assert_eq!(request.vpce_id, Some("vpce-0abc"));
        }
    }

    #[test]
    fn same_value_twice_is_one_value() {
        let event = request_event(
            json!({"Authorization": "Bearer a.b.c"}),
            json!({"authorization": ["Bearer a.b.c"]}),
        );
        assert_eq!(request(&event).unwrap().authorization, Ok("Bearer a.b.c"));
    }

    #[test]
    fn two_different_values_are_refused() {
        let cases = [
            request_event(
                json!({"Authorization": "Bearer a.b.c", "authorization": "Bearer d.e.f"}),
                json!(null),
            ),
            request_event(
                json!({"Authorization": "Bearer a.b.c"}),
                json!({"Authorization": ["Bearer a.b.c", "Bearer d.e.f"]}),
            ),
            request_event(
                json!({}),
                json!({"AUTHORIZATION": ["Bearer d.e.f"], "authorization": ["Bearer a.b.c"]}),
            ),
        ];
        for event in cases {
            assert_eq!(request(&event).unwrap().authorization, Err(Reason::AmbiguousHeader));
        }
    }

    #[test]
    fn no_header_is_a_missing_token() {
        let event = request_event(json!({"Host": "x"}), json!({}));
        assert_eq!(request(&event).unwrap().authorization, Err(Reason::MissingToken));
        let event = json!({"type": "TOKEN", "methodArn": ARN});
        assert_eq!(request(&event).unwrap().authorization, Err(Reason::MissingToken));
    }

    #[test]
    fn other_events_are_refused() {
        for event in [json!({}), json!({"type": "HTTP"}), json!([1]), json!("x"), json!(null)] {
            assert!(matches!(request(&event), Err(Reason::BadEvent)), "{event}");
        }
    }

    #[test]
    fn bearer_scheme_is_read_in_any_case_with_any_number_of_spaces() {
        for value in ["Bearer a.b.c", "bearer a.b.c", "BEARER  a.b.c", "bEaReR     a.b.c", "a.b.c"]
        {
            assert_eq!(bearer(value), Ok("a.b.c"), "{value:?}");
        }
    }

    #[test]
    fn other_schemes_and_shapes_are_refused() {
        for value in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer  ",
            "Basic dXNlcjpwYXNz",
            "Bearer a.b.c extra",
            "Bearer\ta.b.c",
            "Token a.b.c",
            "a.b.c ",
            " a.b.c",
            "Bearer a.b.c,Bearer d.e.f",
            "Bearer a+b/c=",
        ] {
            assert_eq!(bearer(value), Err(Reason::BadScheme), "{value:?}");
        }
    }

    #[test]
    fn values_over_8_kib_are_refused_before_decoding() {
        let long = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES));
        assert_eq!(bearer(&long), Err(Reason::TooLong));
    }
}
