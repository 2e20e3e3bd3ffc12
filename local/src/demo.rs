//! `studio-gate-local demo`: the whole flow a portal would walk, printed step by step.
//!
//! It starts the stack on free ports, signs the demo user in through the SDK, and
//! sends the requests a portal and a browser would send, printing what each part
//! did: the token's claims (never the token), the authorizer's decision with its IAM
//! policy document and context, and presign's URL and expiry. Then it shows the two
//! refusals: a tampered token (401) and a user without a Studio profile (403).
//!
//! The walk-through goes to the writer it is given (stdout in the binary); progress
//! goes to stderr. The URLs it prints come from the local SageMaker stand-in and are
//! printed on purpose; nothing is written to the log.

use std::io::{self, Write};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::gateway::{AuthorizerCall, Decision, PRESIGNED_URL_PATH, STUDIO_PATH, Trace};
use crate::stack::{DEMO_PASSWORD, DEMO_USER, NO_PROFILE_USER, Stack, StackConfig, StackError};

/// The profile the tampered token claims.
const TAMPERED_PROFILE: &str = "grace-hopper";

/// Why the demo could not run at all (as opposed to a step giving the wrong answer).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// When the stack did not start.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// When a demo user could not sign in.
    #[error("{user} could not sign in: {source}")]
    SignIn {
        /// The user.
        user: &'static str,
        /// Why.
        source: standins::cognito::SignInError,
    },
    /// When the gateway could not be reached.
    #[error("the gateway did not answer: {0}")]
    Http(#[from] reqwest::Error),
    /// When the output could not be written.
    #[error("could not write the output: {0}")]
    Output(#[from] io::Error),
}

/// How many steps gave the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOutcome {
    /// The steps that did.
    pub passed: usize,
    /// The steps that did not, by title.
    pub failed: Vec<String>,
}

impl DemoOutcome {
    /// True when every step gave the expected answer.
    pub fn all_passed(&self) -> bool {
        self.failed.is_empty()
    }
}

/// One answer from the gateway, read in full.
struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Value,
    trace: Option<Trace>,
}

/// Runs the demo, writing the walk-through to `out`.
pub async fn run<W: Write>(out: &mut W) -> Result<DemoOutcome, DemoError> {
    eprintln!("starting the Cognito stand-in, the SageMaker stand-in and the API Gateway stand-in");
    let stack = Stack::start(StackConfig::default()).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut outcome = DemoOutcome { passed: 0, failed: Vec::new() };

    introduce(out, &stack)?;

    let title = format!("{DEMO_USER} signs in (AdminInitiateAuth through the AWS SDK)");
    heading(out, 1, &title)?;
    eprintln!("signing {DEMO_USER} in");
    let tokens = stack
        .sign_in(DEMO_USER, DEMO_PASSWORD)
        .await
        .map_err(|source| DemoError::SignIn { user: DEMO_USER, source })?;
    let token = tokens.id_token.clone();
    print_claims(out, &token)?;
    check(out, &mut outcome, &title, true, "ID and access tokens issued")?;

    let title = format!("GET {PRESIGNED_URL_PATH} as an API client (Accept: application/json)");
    heading(out, 2, &title)?;
    let answer = get(&http, &stack, PRESIGNED_URL_PATH, Some(&token), "application/json").await?;
    print_authorizer(out, &answer, &stack)?;
    let url = answer.body.get("url").and_then(Value::as_str).unwrap_or_default();
    let expires_at = answer.body.get("expiresAt").and_then(Value::as_str).unwrap_or_default();
    writeln!(out, "   presign     {} {}", answer.status.as_u16(), content_type(&answer))?;
    writeln!(out, "   URL         {url}")?;
    writeln!(out, "   expires at  {expires_at}{}", from_now(expires_at))?;
    let expected = answer.status == StatusCode::OK && url.starts_with("https://");
    check(out, &mut outcome, &title, expected, "200 with a presigned URL")?;

    let title = format!("GET {STUDIO_PATH} with the same token, as a browser (Accept: text/html)");
    heading(out, 3, &title)?;
    let answer = get(&http, &stack, STUDIO_PATH, Some(&token), "text/html").await?;
    print_authorizer(out, &answer, &stack)?;
    let location = answer.headers.get(http::header::LOCATION).and_then(|v| v.to_str().ok());
    let location = location.unwrap_or_default();
    writeln!(out, "   presign     {} Location: {}", answer.status.as_u16(), shorten(location))?;
    let cached = answer.trace.as_ref().is_some_and(|t| t.authorizer == AuthorizerCall::Cached);
    let expected = answer.status == StatusCode::FOUND && location.starts_with("https://") && cached;
    check(out, &mut outcome, &title, expected, "302 to Studio, authorized from the cache")?;

    let title = format!("the same token, tampered: its payload now names {TAMPERED_PROFILE}");
    heading(out, 4, &title)?;
    let tampered = tamper(&token).unwrap_or_default();
    let answer =
        get(&http, &stack, PRESIGNED_URL_PATH, Some(&tampered), "application/json").await?;
    writeln!(out, "   answer      {} {}", answer.status.as_u16(), answer.body)?;
    print_authorizer(out, &answer, &stack)?;
    let expected = answer.status == StatusCode::UNAUTHORIZED;
    check(out, &mut outcome, &title, expected, "401: the signature no longer matches")?;

    let title = format!("{NO_PROFILE_USER} signs in: he has no Studio profile");
    heading(out, 5, &title)?;
    let tokens = stack
        .sign_in(NO_PROFILE_USER, DEMO_PASSWORD)
        .await
        .map_err(|source| DemoError::SignIn { user: NO_PROFILE_USER, source })?;
    let answer =
        get(&http, &stack, PRESIGNED_URL_PATH, Some(&tokens.id_token), "application/json").await?;
    writeln!(out, "   answer      {} {}", answer.status.as_u16(), answer.body)?;
    print_authorizer(out, &answer, &stack)?;
    let expected = answer.status == StatusCode::FORBIDDEN;
    check(out, &mut outcome, &title, expected, "403: the authorizer denied")?;

    writeln!(out)?;
    if outcome.all_passed() {
        writeln!(out, "All {} steps gave the expected answer.", outcome.passed)?;
    } else {
        writeln!(
            out,
            "{} of {} steps did not:",
            outcome.failed.len(),
            outcome.passed + outcome.failed.len()
        )?;
        for failed in &outcome.failed {
            writeln!(out, "  - {failed}")?;
        }
    }
    Ok(outcome)
}

fn introduce<W: Write>(out: &mut W, stack: &Stack) -> io::Result<()> {
    let gateway = stack.gateway().gateway().config();
    writeln!(out, "studio-gate, locally: token -> authorizer -> presign -> Studio URL")?;
    writeln!(out)?;
    if let Some(cognito) = stack.cognito() {
        writeln!(out, "  Cognito stand-in     {}", cognito.endpoint())?;
        writeln!(
            out,
            "                       pool {}, app client {}",
            stack.user_pool_id(),
            stack.client_ids().join(",")
        )?;
    }
    if let Some(sagemaker) = stack.sagemaker() {
        writeln!(out, "  SageMaker stand-in   {}", sagemaker.endpoint_url())?;
        writeln!(
            out,
            "                       domain {}, profiles {}",
            stack.domain_id(),
            stack.profiles().join(", ")
        )?;
    }
    writeln!(out, "  API Gateway stand-in {}", stack.gateway().base_url())?;
    writeln!(
        out,
        "                       private REST API {}, stage {}, through {}, authorizer cache {} s",
        gateway.api_id,
        gateway.stage,
        gateway.vpce_id,
        gateway.authorizer_cache_ttl.as_secs()
    )?;
    Ok(())
}

fn heading<W: Write>(out: &mut W, number: usize, title: &str) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{number}. {title}")
}

fn check<W: Write>(
    out: &mut W,
    outcome: &mut DemoOutcome,
    title: &str,
    expected: bool,
    what: &str,
) -> io::Result<()> {
    if expected {
        outcome.passed += 1;
        writeln!(out, "   [ok] {what}")
    } else {
        outcome.failed.push(title.to_owned());
        writeln!(out, "   [FAILED] expected {what}")
    }
}

async fn get(
    http: &reqwest::Client,
    stack: &Stack,
    resource: &str,
    token: Option<&str>,
    accept: &str,
) -> Result<Answer, DemoError> {
    eprintln!("GET {resource}");
    let mut request = http.get(stack.gateway().url(resource)).header("accept", accept);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await?;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let trace = headers
        .get("x-amzn-requestid")
        .and_then(|id| id.to_str().ok())
        .and_then(|id| stack.gateway().gateway().trace(id));
    Ok(Answer { status, headers, body, trace })
}

/// The header and claims of the token; never the token, never its signature.
fn print_claims<W: Write>(out: &mut W, token: &str) -> io::Result<()> {
    let mut parts = token.split('.');
    let (header, claims) = (parts.next().and_then(decode), parts.next().and_then(decode));
    if let Some(header) = header {
        let field = |name: &str| header.get(name).and_then(Value::as_str).unwrap_or("?").to_owned();
        writeln!(out, "   ID token header: alg {}, kid {}", field("alg"), field("kid"))?;
    }
    let Some(Value::Object(claims)) = claims else {
        return writeln!(out, "   (the token's claims do not decode)");
    };
    writeln!(out, "   ID token claims:")?;
    let width = claims.keys().map(String::len).max().unwrap_or(0);
    for (name, value) in &claims {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number)
                if ["exp", "iat", "auth_time", "nbf"].contains(&name.as_str()) =>
            {
                let seconds = number.as_i64().unwrap_or_default();
                format!("{seconds}  ({})", rfc3339(seconds))
            }
            other => other.to_string(),
        };
        writeln!(out, "     {name:<width$}  {text}")?;
    }
    Ok(())
}

/// What the authorizer decided for `answer`'s request, from the gateway's journal.
fn print_authorizer<W: Write>(out: &mut W, answer: &Answer, stack: &Stack) -> io::Result<()> {
    let Some(trace) = &answer.trace else {
        return writeln!(out, "   authorizer  (no trace of this request)");
    };
    let ttl = stack.gateway().gateway().config().authorizer_cache_ttl.as_secs();
    let source = match trace.authorizer {
        AuthorizerCall::NotCalled => "not called".to_owned(),
        AuthorizerCall::Invoked => "invoked with a REQUEST event".to_owned(),
        AuthorizerCall::Cached => {
            format!("not invoked: answer from the gateway's cache (TTL {ttl} s)")
        }
    };
    writeln!(out, "   authorizer  {source}")?;
    let decision = match trace.decision {
        Decision::Unauthorized => "failed with Unauthorized (API Gateway: 401)",
        Decision::MissingIdentity => "no Authorization header (API Gateway: 401)",
        Decision::AuthorizerError => "unusable answer (API Gateway: 500)",
        Decision::NoRoute => "no such route",
        Decision::Allow => "Allow",
        Decision::ExplicitDeny => "Deny (API Gateway: 403)",
        Decision::ImplicitDeny => "no matching Allow (API Gateway: 403)",
    };
    if let Some(principal) = &trace.principal_id {
        writeln!(out, "   principal   {principal}")?;
    }
    if trace.authorizer == AuthorizerCall::Cached {
        writeln!(out, "   IAM policy  the cached answer's, with its context, as printed above")?;
    } else if let Some(policy) = &trace.policy {
        writeln!(out, "   IAM policy document:")?;
        let pretty = serde_json::to_string_pretty(policy).unwrap_or_default();
        for line in pretty.lines() {
            writeln!(out, "     {line}")?;
        }
    }
    let fresh = trace.authorizer == AuthorizerCall::Invoked;
    if let Some(context) = trace.context.as_ref().filter(|context| fresh && !context.is_empty()) {
        writeln!(out, "   context:")?;
        let width = context.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in context {
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            writeln!(out, "     {key:<width$}  {text}")?;
        }
    }
    if let Some(arn) = &trace.method_arn {
        writeln!(out, "   evaluated   against {arn}")?;
    }
    writeln!(out, "   decision    {decision}")
}

fn decode(part: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// The token with its payload changed to claim another profile, and its
/// header and signature left as they were.
fn tamper(token: &str) -> Option<String> {
    let mut parts = token.splitn(3, '.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    let mut claims = decode(payload)?;
    claims[standins::cognito::PROFILE_ATTRIBUTE] = Value::from(TAMPERED_PROFILE);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    Some(format!("{header}.{payload}.{signature}"))
}

fn content_type(answer: &Answer) -> &str {
    answer.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The URL up to its query, and a mark for the rest.
fn shorten(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?token=… (a new URL)"),
        None => url.to_owned(),
    }
}

fn rfc3339(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn from_now(at: &str) -> String {
    let Ok(at) = OffsetDateTime::parse(at, &Rfc3339) else {
        return String::new();
    };
    let left = (at - OffsetDateTime::now_utc()).whole_seconds();
    format!("  (in {left} s)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampered_token_keeps_header_and_signature_and_claims_another_profile() {
        let claims = serde_json::json!({"sub": "s", "custom:studio_user_profile": "ada-lovelace"});
        let token = format!("aGVhZGVy.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string()));

        let tampered = tamper(&token).unwrap();

        let parts: Vec<&str> = tampered.split('.').collect();
        assert_eq!((parts[0], parts[2]), ("aGVhZGVy", "c2ln"));
        assert_eq!(decode(parts[1]).unwrap()["custom:studio_user_profile"], TAMPERED_PROFILE);
    }

    #[test]
    fn shortened_url_drops_the_query() {
        assert_eq!(
            shorten("https://d-1.studio.eu-west-1.sagemaker.aws/auth?token=secret"),
            "https://d-1.studio.eu-west-1.sagemaker.aws/auth?token=… (a new URL)"
        );
    }
}
