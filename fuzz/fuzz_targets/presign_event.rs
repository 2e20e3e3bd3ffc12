//! Any bytes as the proxy event `presign` receives: the query, the `Accept`
//! header and the authorizer context are read without panicking, and what is
//! accepted is what the rules allow (checked here by hand).
//!
//! The first byte picks the form: a whole JSON event, or a raw query string
//! split the way API Gateway splits one, so the fuzzer reaches the parameter
//! rules without having to write JSON.

#![no_main]

use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use libfuzzer_sys::fuzz_target;
use presign::query::{LANDING_APPS, MAX_LANDING_LEN, Options, wants_html};
use serde_json::{Value, json};
use shared::AuthorizerContext;
use studio_gate_fuzz::is_profile_name;

fn from_query(query: &str) -> Option<ApiGatewayProxyRequest> {
    let mut single: HashMap<String, String> = HashMap::new();
    let mut multi: HashMap<String, Vec<String>> = HashMap::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        single.insert(name.to_owned(), value.to_owned());
        multi.entry(name.to_owned()).or_default().push(value.to_owned());
    }
    serde_json::from_value(json!({
        "resource": "/presigned-url",
        "path": "/presigned-url",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": single,
        "multiValueQueryStringParameters": multi,
        "requestContext": {"authorizer": {"studioUserProfile": "alice", "principalId": "sub-1"}},
        "isBase64Encoded": false
    }))
    .ok()
}

fn landing_is_allowed(landing: &str) -> bool {
    let path = match landing.strip_prefix("studio::") {
        Some(path) => path,
        None => {
            let Some((app, path)) = landing.strip_prefix("app:").and_then(|r| r.split_once(':'))
            else {
                return false;
            };
            if !LANDING_APPS.contains(&app) {
                return false;
            }
            path
        }
    };
    landing.chars().count() <= MAX_LANDING_LEN
        && !path.starts_with('/')
        && !path.contains("//")
        && !path.contains("://")
        && !path.split('/').any(|segment| segment == "..")
        && path.bytes().all(|b| b.is_ascii_graphic())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let request = if mode % 2 == 0 {
        let Ok(request) = serde_json::from_slice::<ApiGatewayProxyRequest>(rest) else { return };
        request
    } else {
        let Some(request) = from_query(&String::from_utf8_lossy(rest)) else { return };
        request
    };

    let _ = wants_html(&request.headers);
    match Options::from_request(&request) {
        Ok(options) => {
            if let Some(landing) = &options.landing {
                assert!(landing_is_allowed(landing.as_str()), "landing {:?}", landing.as_str());
            }
            if let Some(space) = &options.space {
                assert!(is_profile_name(space.as_str()), "space {:?}", space.as_str());
            }
        }
        Err(error) => {
            let message = error.client_message();
            assert!(!message.chars().any(char::is_control), "control characters in {message:?}");
        }
    }

    let fields = &request.request_context.authorizer.fields;
    if let Ok(context) = AuthorizerContext::from_fields(fields) {
        assert!(is_profile_name(context.profile.as_str()));
        assert_eq!(fields.get("studioUserProfile"), Some(&Value::from(context.profile.as_str())));
    }
});
