//! What the caller may ask for: the query parameters and the `Accept` header.
//!
//! The query may hold, each at most once:
//!
//! - `redirect=true|false`: answer `302` with `Location` (`true`) or JSON
//!   (`false`), whatever `Accept` says;
//! - `landing=<LandingUri>`: where Studio opens, `studio::` followed by a
//!   relative path, or `app:<App>:` followed by an optional relative path for
//!   `JupyterLab`, `JupyterServer`, `CodeEditor`, `Canvas` or `RStudioServerPro`;
//! - `space=<name>`: the space to open, named by the same rule as profiles.
//!
//! Anything else is refused with a message that lists what is allowed, with one
//! exception: `profile`. Clients written for tools that took the profile from the
//! query send it; it is read by nobody, logged as ignored, and the URL is for the
//! profile in the authorizer context, always.
//!
//! Without `redirect`, the answer is a redirect when `Accept` asks for
//! `text/html` at least as much as for `application/json`, which is what
//! browsers send and API clients do not.

use std::collections::BTreeMap;
use std::fmt;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use http::HeaderMap;
use shared::StudioUserProfileName;

/// The query parameters `presign` reads.
pub const ALLOWED_PARAMETERS: [&str; 3] = ["redirect", "landing", "space"];
/// The query parameter that is accepted and ignored: the profile never comes
/// from the request.
pub const IGNORED_PARAMETER: &str = "profile";
/// The `app:<App>:` landing prefixes SageMaker documents.
pub const LANDING_APPS: [&str; 5] =
    ["JupyterLab", "JupyterServer", "CodeEditor", "Canvas", "RStudioServerPro"];
/// Longest `LandingUri` SageMaker accepts, in characters.
pub const MAX_LANDING_LEN: usize = 1023;

/// The text that tells a client what the query may hold.
pub const ALLOWED_TEXT: &str = "allowed query parameters, each at most once: redirect=true or \
    redirect=false; landing=studio::<relative path> or landing=app:<JupyterLab|JupyterServer|\
    CodeEditor|Canvas|RStudioServerPro>:[relative path]; space=<1 to 63 letters, digits and \
    hyphens, starting and ending with a letter or digit>";

/// A SageMaker `LandingUri` that passed the checks of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingUri(String);

impl LandingUri {
    /// Checks `value` against the forms SageMaker documents.
    pub fn parse(value: &str) -> Option<Self> {
        let path = match value.strip_prefix("studio::") {
            Some(path) => path,
            None => {
                let rest = value.strip_prefix("app:")?;
                let (app, path) = rest.split_once(':')?;
                if !LANDING_APPS.contains(&app) {
                    return None;
                }
                path
            }
        };
        (value.chars().count() <= MAX_LANDING_LEN && is_relative_path(path))
            .then(|| Self(value.to_owned()))
    }

    /// The value sent to SageMaker.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A relative path: empty, or printable ASCII without spaces, quotes, angle
/// brackets or backslashes, not starting with `/`, holding no `//`, no `..`
/// segment and no scheme.
fn is_relative_path(path: &str) -> bool {
    let printable = path.bytes().all(|b| b.is_ascii_graphic() && !b"\"'<>\\`".contains(&b));
    printable
        && !path.starts_with('/')
        && !path.contains("//")
        && !path.contains(':')
        && !path.split(['/', '?', '#']).any(|segment| segment == "..")
}

/// What the caller asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Answer with a redirect rather than JSON.
    pub redirect: bool,
    /// `LandingUri` to send, if any.
    pub landing: Option<LandingUri>,
    /// `SpaceName` to send, if any.
    pub space: Option<StudioUserProfileName>,
    /// Whether the query named a `profile`, which was ignored.
    pub ignored_profile: bool,
}

/// Why the query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// When the query holds a parameter `presign` does not read.
    #[error("unknown query parameter {0:?}")]
    Unknown(String),
    /// When an allowed parameter appears more than once.
    #[error("query parameter {0} given more than once")]
    Repeated(&'static str),
    /// When `redirect` is neither `true` nor `false`.
    #[error("redirect is neither true nor false")]
    BadRedirect,
    /// When `landing` is not a landing URI SageMaker documents.
    #[error("landing is not studio::<relative path> or app:<App>:[relative path]")]
    BadLanding,
    /// When `space` is not a valid space name.
    #[error("space is not a valid space name: {0}")]
    BadSpace(shared::ProfileNameError),
}

impl QueryError {
    /// The text the client sees: what was wrong, without echoing anything that
    /// could be more than a short parameter name, and what is allowed.
    pub fn client_message(&self) -> String {
        let problem = match self {
            QueryError::Unknown(name) if is_short_word(name) => {
                format!("query parameter {name:?} is not allowed")
            }
            QueryError::Unknown(_) => "a query parameter is not allowed".to_owned(),
            other => other.to_string(),
        };
        format!("{problem}; {ALLOWED_TEXT}")
    }
}

fn is_short_word(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// Every query parameter of the request with all its values. REST API events
/// carry all values in `multiValueQueryStringParameters` and the last one in
/// `queryStringParameters`; either may be absent in hand-written events.
fn parameters(request: &ApiGatewayProxyRequest) -> BTreeMap<String, Vec<String>> {
    // Read through serde: the map's own iterator cannot be trusted with a key
    // that has no values, which a hand-written event can hold.
    let read = |map| serde_json::from_value(serde_json::to_value(map).unwrap_or_default());
    let multi: BTreeMap<String, Vec<String>> =
        read(&request.multi_value_query_string_parameters).unwrap_or_default();
    let single: BTreeMap<String, Vec<String>> =
        read(&request.query_string_parameters).unwrap_or_default();
    let mut all = single;
    all.extend(multi.into_iter().filter(|(_, values)| !values.is_empty()));
    all
}

impl Options {
    /// Reads the query and the `Accept` header of `request`.
    pub fn from_request(request: &ApiGatewayProxyRequest) -> Result<Self, QueryError> {
        let mut options = Options::default();
        let mut redirect = None;
        for (name, values) in parameters(request) {
            if name == IGNORED_PARAMETER {
                options.ignored_profile = true;
                continue;
            }
            let Some(&known) = ALLOWED_PARAMETERS.iter().find(|allowed| **allowed == name) else {
                return Err(QueryError::Unknown(name));
            };
            let [value] = values.as_slice() else {
                return Err(QueryError::Repeated(known));
            };
            match known {
                "redirect" => {
                    redirect = Some(match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(QueryError::BadRedirect),
                    });
                }
                "landing" => {
                    options.landing = Some(LandingUri::parse(value).ok_or(QueryError::BadLanding)?);
                }
                _ => {
                    let space =
                        StudioUserProfileName::parse(value).map_err(QueryError::BadSpace)?;
                    options.space = Some(space);
                }
            }
        }
        let headers = if request.headers.contains_key(http::header::ACCEPT) {
            &request.headers
        } else {
            &request.multi_value_headers
        };
        options.redirect = redirect.unwrap_or_else(|| wants_html(headers));
        Ok(options)
    }
}

/// Whether `Accept` asks for `text/html` at least as much as for
/// `application/json`. `*/*` and `text/*` alone do not count: API clients send them.
pub fn wants_html(headers: &HeaderMap) -> bool {
    let mut html = 0.0_f32;
    let mut json = 0.0_f32;
    for value in headers.get_all(http::header::ACCEPT) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse().ok()))
                .next()
                .unwrap_or(1.0_f32);
            match media.as_str() {
                "text/html" | "application/xhtml+xml" => html = html.max(quality),
                "application/json" => json = json.max(quality),
                _ => {}
            }
        }
    }
    html > 0.0 && html >= json
}

impl fmt::Display for LandingUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use serde_json::{Value, json};

    use super::*;

    fn request(query: Value, multi: Value, accept: Option<&str>) -> ApiGatewayProxyRequest {
        let mut headers = json!({});
        if let Some(accept) = accept {
            headers["Accept"] = json!(accept);
        }
        serde_json::from_value(json!({
            "httpMethod": "GET",
            "path": "/presigned-url",
            "headers": headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi,
            "requestContext": {"httpMethod": "GET"},
        }))
        .unwrap()
    }

    fn parse(query: Value) -> Result<Options, QueryError> {
        Options::from_request(&request(query, Value::Null, None))
    }

    #[test]
    fn no_query_is_plain_json() {
        assert_eq!(parse(Value::Null), Ok(Options::default()));
        assert_eq!(parse(json!({})), Ok(Options::default()));
    }

    #[test]
    fn allowed_parameters_are_read() {
        let options =
            parse(json!({"redirect": "true", "landing": "studio::", "space": "team-1"})).unwrap();
        assert!(options.redirect);
        assert_eq!(options.landing.as_ref().map(LandingUri::as_str), Some("studio::"));
        assert_eq!(options.space.as_ref().map(StudioUserProfileName::as_str), Some("team-1"));
    }

    #[test]
    fn documented_landing_uris_are_accepted() {
        for landing in [
            "studio::",
            "studio::jupyterlab/default",
            "app:JupyterLab:",
            "app:JupyterServer:",
            "app:CodeEditor:",
            "app:Canvas:",
            "app:RStudioServerPro:",
            "app:JupyterLab:lab/tree/notebooks",
        ] {
            assert!(LandingUri::parse(landing).is_some(), "{landing}");
        }
    }

    #[test]
    fn other_landing_uris_are_refused() {
        let long = format!("studio::{}", "a".repeat(1016));
        for landing in [
            "",
            "studio:",
            "https://evil.example/",
            "studio::https://evil.example/",
            "studio:://evil.example",
            "studio::/absolute",
            "studio::a//b",
            "studio::../up",
            "studio::a/../../up",
            "studio::a b",
            "studio::<script>",
            "app:Notebook:",
            "app:jupyterlab:",
            "app:JupyterLab",
            long.as_str(),
        ] {
            assert_eq!(
                parse(json!({ "landing": landing })),
                Err(QueryError::BadLanding),
                "{landing}"
            );
        }
    }

    #[test]
    fn redirect_is_true_or_false() {
        assert!(!parse(json!({"redirect": "false"})).unwrap().redirect);
        for bad in ["", "yes", "1", "TRUE"] {
            assert_eq!(parse(json!({ "redirect": bad })), Err(QueryError::BadRedirect), "{bad}");
        }
    }

    #[test]
    fn space_follows_the_profile_name_rule() {
        for bad in ["", "a.b", "-a", "a_b"] {
            assert!(
                matches!(parse(json!({ "space": bad })), Err(QueryError::BadSpace(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_parameter_is_refused_and_the_message_lists_what_is_allowed() {
        let error = parse(json!({"expires": "600"})).unwrap_err();
        assert_eq!(error, QueryError::Unknown("expires".into()));
        let message = error.client_message();
        assert!(message.starts_with("query parameter \"expires\" is not allowed"), "{message}");
        for allowed in ["redirect=true", "landing=studio::", "app:<JupyterLab|", "space="] {
            assert!(message.contains(allowed), "{message}");
        }
    }

    #[test]
    fn odd_parameter_names_are_not_echoed() {
        let name = "<script>alert(1)</script>";
        let message = parse(json!({ name: "x" })).unwrap_err().client_message();
        assert!(message.starts_with("a query parameter is not allowed"), "{message}");
        assert!(!message.contains("script"));
    }

    #[test]
    fn profile_in_the_query_is_ignored() {
        let options = parse(json!({"profile": "someone-else"})).unwrap();
        assert!(options.ignored_profile);
        assert_eq!(options, Options { ignored_profile: true, ..Options::default() });
    }

    #[test]
    fn repeated_parameter_is_refused_from_the_multi_value_map() {
        let request = request(json!({"space": "b"}), json!({"space": ["a", "b"]}), None);
        assert_eq!(Options::from_request(&request), Err(QueryError::Repeated("space")));
    }

    #[test]
    fn multi_value_key_without_values_does_not_panic() {
        let request = request(Value::Null, json!({"space": []}), None);
        assert_eq!(Options::from_request(&request), Ok(Options::default()));
    }

    #[test]
    fn browsers_get_a_redirect_and_api_clients_json() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        let cases = [
            (Some(browser), true),
            (Some("text/html"), true),
            (Some("TEXT/HTML; charset=utf-8"), true),
            (Some("application/json"), false),
            (Some("*/*"), false),
            (Some("application/json, text/html;q=0.5"), false),
            (Some("text/html;q=0"), false),
            (None, false),
        ];
        for (accept, want) in cases {
            let request = request(Value::Null, Value::Null, accept);
            assert_eq!(Options::from_request(&request).unwrap().redirect, want, "{accept:?}");
        }
    }

    #[test]
    fn explicit_redirect_wins_over_accept() {
        let no = request(json!({"redirect": "false"}), Value::Null, Some("text/html"));
        assert!(!Options::from_request(&no).unwrap().redirect);
        let yes = request(json!({"redirect": "true"}), Value::Null, Some("application/json"));
        assert!(Options::from_request(&yes).unwrap().redirect);
    }

    #[test]
    fn accept_in_multi_value_headers_counts() {
        let mut request = request(Value::Null, Value::Null, None);
        request
            .multi_value_headers
            .append(http::header::ACCEPT, HeaderValue::from_static("text/html"));
        assert!(Options::from_request(&request).unwrap().redirect);
    }
}
