//! HTTP answers for API Gateway's proxy integration.
//!
//! Every answer carries `Cache-Control: no-store`, `Pragma: no-cache`,
//! `Referrer-Policy: no-referrer` and `X-Content-Type-Options: nosniff`: a
//! presigned URL is a credential, so no cache may keep it and no page it leads
//! to may learn it from a `Referer`.

use std::fmt;

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use http::{HeaderMap, HeaderValue, header};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, RETRY_AFTER_SECONDS};

/// A presigned Studio URL. It is a credential: its `Debug` shows the origin and
/// path only, it has no `Display`, and [`PresignedUrl::expose`] is the one way
/// to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl(String);

impl PresignedUrl {
    /// Keeps `url` if it is an `https://` URL that can travel in a `Location`
    /// header.
    pub fn new(url: String) -> Option<Self> {
        let safe = url.starts_with("https://") && HeaderValue::from_str(&url).is_ok();
        safe.then_some(Self(url))
    }

    /// The URL itself, token included. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let visible = self.0.split(['?', '#']).next().unwrap_or_default();
        write!(f, "PresignedUrl({visible}?[redacted])")
    }
}

/// A URL and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    /// The URL.
    pub url: PresignedUrl,
    /// When it can no longer be opened (`ExpiresInSeconds` after it was asked for).
    pub expires_at: OffsetDateTime,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UrlBody<'a> {
    url: &'a str,
    expires_at: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers
}

fn json(status: u16, body: &impl Serialize) -> ApiGatewayProxyResponse {
    let mut headers = headers();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status.into();
    response.headers = headers;
    // Serialising these two plain structs cannot fail; an empty object is the fallback.
    response.body = Some(Body::Text(serde_json::to_string(body).unwrap_or_else(|_| "{}".into())));
    response
}

/// `200` with `{"url", "expiresAt"}`, or `302` with `Location` when `redirect`.
pub fn minted(minted: &Minted, redirect: bool) -> ApiGatewayProxyResponse {
    if redirect {
        let mut headers = headers();
        if let Ok(location) = HeaderValue::from_str(minted.url.expose()) {
            headers.insert(header::LOCATION, location);
        }
        let mut response = ApiGatewayProxyResponse::default();
        response.status_code = 302;
        response.headers = headers;
        return response;
    }
    let expires_at = minted.expires_at.replace_nanosecond(0).unwrap_or(minted.expires_at);
    let body = UrlBody {
        url: minted.url.expose(),
        expires_at: expires_at.format(&Rfc3339).unwrap_or_default(),
    };
    json(200, &body)
}

/// The JSON error answer for `error`, with `Retry-After` when throttled.
pub fn error(error: &Error) -> ApiGatewayProxyResponse {
    let body = ErrorBody { error: error.code(), message: error.client_message() };
    let mut response = json(error.status(), &body);
    if matches!(error, Error::Throttled(_)) {
        response.headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use shared::ContextError;
    use time::macros::datetime;

    use super::*;
    use crate::error::SageMakerFailure;

    const URL: &str = "https://d-abc123xyz456.studio.eu-west-1.sagemaker.aws/auth?token=SECRET";

    fn sample() -> Minted {
        Minted {
            url: PresignedUrl::new(URL.to_owned()).unwrap(),
            expires_at: datetime!(2026-12-03 10:00:05.75 UTC),
        }
    }

    fn body(response: &ApiGatewayProxyResponse) -> Value {
        match &response.body {
            Some(Body::Text(text)) => serde_json::from_str(text).unwrap(),
            other => panic!("no text body: {other:?}"),
        }
    }

    fn assert_private(response: &ApiGatewayProxyResponse) {
        assert_eq!(response.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers[header::PRAGMA], "no-cache");
        assert_eq!(response.headers[header::REFERRER_POLICY], "no-referrer");
    }

    #[test]
    fn json_answer_has_url_and_expiry() {
        let response = minted(&sample(), false);
        assert_eq!(response.status_code, 200);
        assert_private(&response);
        assert_eq!(response.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(body(&response), json!({"url": URL, "expiresAt": "2026-12-03T10:00:05Z"}));
    }

    #[test]
    fn redirect_answer_has_location_and_no_body() {
        let response = minted(&sample(), true);
        assert_eq!(response.status_code, 302);
        assert_private(&response);
        assert_eq!(response.headers[header::LOCATION], URL);
        assert!(response.body.is_none());
    }

    #[test]
    fn error_answer_is_json_with_code_and_message() {
        let response = error(&Error::NoProfile(ContextError::MissingProfile));
        assert_eq!(response.status_code, 403);
        assert_private(&response);
        let body = body(&response);
        assert_eq!(body["error"], "no_profile");
        assert!(body["message"].as_str().unwrap().contains("does not name"));
    }

    #[test]
    fn throttled_answer_says_when_to_retry() {
        let failure = SageMakerFailure {
            operation: "CreatePresignedDomainUrl",
            code: Some("ThrottlingException".into()),
            message: None,
            request_id: None,
            http_status: Some(400),
            cause: String::new(),
        };
        let response = error(&Error::Throttled(failure));
        assert_eq!(response.status_code, 503);
        assert_eq!(response.headers[header::RETRY_AFTER], "2");
        assert_private(&response);
    }

    #[test]
    fn debug_of_a_url_hides_the_token() {
        let debug = format!("{:?}", sample());
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("d-abc123xyz456.studio.eu-west-1.sagemaker.aws/auth"), "{debug}");
    }

    #[test]
    fn only_https_header_safe_urls_are_kept() {
        assert!(PresignedUrl::new("http://example.com/auth?token=x".into()).is_none());
        assert!(PresignedUrl::new("https://example.com/\nSet-Cookie: x".into()).is_none());
        assert!(PresignedUrl::new(URL.into()).is_some());
    }
}
