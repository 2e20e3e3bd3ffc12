//! An API Gateway stand-in for the private REST API: a Lambda REQUEST authorizer in
//! front of a Lambda proxy integration, run in process on 127.0.0.1.
//!
//! For each request the [`Gateway`] does what API Gateway does, in this order:
//!
//! 1. matches `/<stage><resource>` and the method against its routes; no match is
//!    403 `{"message":"Missing Authentication Token"}`;
//! 2. reads the identity source, the `Authorization` header; missing or empty is
//!    401 `{"message":"Unauthorized"}` without calling the authorizer;
//! 3. takes the authorizer's answer from the cache, or runs the authorizer with a
//!    REQUEST event; the error `Unauthorized` is 401; any other error, a timeout, or
//!    an answer without a non-empty `principalId` and a usable policy, or with a
//!    context value that is not a string, number or boolean, is 500
//!    `{"message":null}`;
//! 4. evaluates the policy against the request's method ARN ([`crate::iam`]): an
//!    explicit deny is 403 `{"message":"User is not authorized to access this
//!    resource with an explicit deny"}`, no matching Allow is 403
//!    `{"message":"User is not authorized to access this resource"}`;
//! 5. runs the integration with a proxy event whose `requestContext.authorizer` is
//!    the context plus `principalId`, and sends its status, headers and body back
//!    unchanged; an integration error or a malformed answer is 502
//!    `{"message":"Internal server error"}`, a timeout 504.
//!
//! Error answers carry `x-amzn-ErrorType` as API Gateway's do; every answer carries
//! `x-amzn-RequestId`. One log line per request says the route, the decision,
//! where the authorizer's answer came from and the status; never a header, a token
//! or a body.

mod authorization;
mod events;
mod journal;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::response::Response;
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::info;
use uuid::Uuid;

use self::authorization::{AuthorizerCache, Grant};
use self::events::RequestFacts;
pub use self::journal::{AuthorizerCall, Decision, JOURNAL_LENGTH, Trace};
use crate::iam::{Evaluation, INVOKE_ACTION};
use crate::lambda::LambdaFunction;

/// The route the deployed API has: `GET /presigned-url`.
pub const PRESIGNED_URL_PATH: &str = "/presigned-url";
/// A second route to the same integration, local only, that shows the authorizer
/// cache at work: the answer cached for one route must be right for the other.
pub const STUDIO_PATH: &str = "/studio";
/// The most request body accepted, as API Gateway's 10 MB payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One route: a method and a resource path, both mapped to the integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method, e.g. `GET`.
    pub method: Method,
    /// The resource path, starting with `/`, e.g. `/presigned-url`.
    pub path: String,
}

impl Route {
    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self { method: Method::GET, path: path.into() }
    }
}

/// How the gateway stand-in is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// The region in method ARNs. Default `eu-west-1`.
    pub region: String,
    /// The account in method ARNs. Default `123456789012`.
    pub account_id: String,
    /// The REST API id. Default `a1b2c3d4e5`.
    pub api_id: String,
    /// The stage, the first path segment of every URL. Default `v1`, as the template.
    pub stage: String,
    /// The VPC endpoint requests arrive through (`requestContext.identity.vpceId`).
    /// Default `vpce-0a1b2c3d4e5f60718`.
    pub vpce_id: String,
    /// The VPC of that endpoint (`requestContext.identity.vpcId`). Default `vpc-0a1b2c3d4e5f60718`.
    pub vpc_id: String,
    /// How long an authorizer answer is cached per `Authorization` value; zero turns
    /// caching off. Default 300 s; API Gateway allows 0 to 3600 s.
    pub authorizer_cache_ttl: Duration,
    /// The authorizer function's timeout. Default 5 s, as the template.
    pub authorizer_timeout: Duration,
    /// The integration function's timeout. Default 15 s, as the template.
    pub integration_timeout: Duration,
    /// The routes. Default `GET /presigned-url` and `GET /studio`.
    pub routes: Vec<Route>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            region: "eu-west-1".to_owned(),
            account_id: "123456789012".to_owned(),
            api_id: "a1b2c3d4e5".to_owned(),
            stage: "v1".to_owned(),
            vpce_id: "vpce-0a1b2c3d4e5f60718".to_owned(),
            vpc_id: "vpc-0a1b2c3d4e5f60718".to_owned(),
            authorizer_cache_ttl: Duration::from_secs(300),
            authorizer_timeout: Duration::from_secs(5),
            integration_timeout: Duration::from_secs(15),
            routes: vec![Route::get(PRESIGNED_URL_PATH), Route::get(STUDIO_PATH)],
        }
    }
}

impl GatewayConfig {
    /// The method ARN of `method` on `resource`:
    /// `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<resource>`.
    pub fn method_arn(&self, method: &Method, resource: &str) -> String {
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}/{}",
            self.region,
            self.account_id,
            self.api_id,
            self.stage,
            method,
            resource.trim_start_matches('/')
        )
    }

    /// The private API's host name through the VPC endpoint.
    pub fn domain_name(&self) -> String {
        format!("{}-{}.execute-api.{}.amazonaws.com", self.api_id, self.vpce_id, self.region)
    }
}

/// The gateway: configuration, the two functions, the authorizer cache and the journal.
/// Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    config: GatewayConfig,
    authorizer: Arc<dyn LambdaFunction>,
    integration: Arc<dyn LambdaFunction>,
    cache: AuthorizerCache,
    journal: journal::Journal,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// What the authorizer step came to.
enum Authorized {
    Granted(Arc<Grant>, AuthorizerCall, Option<u64>),
    Refused(Decision, AuthorizerCall, Option<String>),
}

impl Gateway {
    /// A gateway that authorizes with `authorizer` and integrates with `integration`.
    pub fn new(
        config: GatewayConfig,
        authorizer: Arc<dyn LambdaFunction>,
        integration: Arc<dyn LambdaFunction>,
    ) -> Self {
        let cache = AuthorizerCache::new(config.authorizer_cache_ttl);
        Self {
            inner: Arc::new(Inner {
                config,
                authorizer,
                integration,
                cache,
                journal: journal::Journal::default(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &GatewayConfig {
        &self.inner.config
    }

    /// The trace of the request whose `x-amzn-RequestId` was `request_id`, if it
    /// is still in the journal.
    pub fn trace(&self, request_id: &str) -> Option<Trace> {
        self.inner.journal.find(request_id)
    }

    /// Every trace in the journal, oldest first.
    pub fn traces(&self) -> Vec<Trace> {
        self.inner.journal.all()
    }

    /// Forgets every cached authorizer answer, as flushing the stage's cache does.
    pub fn flush_authorizer_cache(&self) {
        self.inner.cache.clear();
    }

    /// Handles one request from `peer`, as API Gateway would.
    pub async fn handle(&self, request: http::Request<Bytes>, peer: SocketAddr) -> Response {
        let started = Instant::now();
        let received = SystemTime::now();
        let request_id = Uuid::new_v4().to_string();
        let config = &self.inner.config;
        let (parts, body) = request.into_parts();
        let mut trace = Trace {
            request_id: request_id.clone(),
            resource: None,
            method_arn: None,
            authorizer: AuthorizerCall::NotCalled,
            decision: Decision::NoRoute,
            authorizer_error: None,
            principal_id: None,
            policy: None,
            context: None,
            status: 0,
        };

        let Some(resource) = self.route(&parts.method, parts.uri.path()) else {
            let response = error_answer(
                StatusCode::FORBIDDEN,
                json!("Missing Authentication Token"),
                "MissingAuthenticationTokenException",
            );
            return self.finish(trace, response, started);
        };
        let method_arn = config.method_arn(&parts.method, &resource);
        trace.resource = Some(resource.clone());
        trace.method_arn = Some(method_arn.clone());
        let query = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(query)| query)
            .unwrap_or_default();
        let facts = RequestFacts {
            config,
            request_id: &request_id,
            resource_id: &resource_id(&resource),
            resource: &resource,
            method: &parts.method,
            method_arn: &method_arn,
            headers: &parts.headers,
            query: &query,
            peer,
            received,
        };

        let (grant, latency) = match self.authorize(&facts).await {
            Authorized::Granted(grant, call, latency) => {
                trace.authorizer = call;
                trace.principal_id = Some(grant.principal_id.clone());
                trace.policy = Some(grant.policy_json.clone());
                trace.context = Some(grant.context.clone());
                (grant, latency)
            }
            Authorized::Refused(decision, call, why) => {
                trace.authorizer = call;
                trace.decision = decision;
                trace.authorizer_error = why;
                let response = match decision {
                    Decision::AuthorizerError => error_answer(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        Value::Null,
                        "AuthorizerConfigurationException",
                    ),
                    _ => error_answer(
                        StatusCode::UNAUTHORIZED,
                        json!("Unauthorized"),
                        "UnauthorizedException",
                    ),
                };
                return self.finish(trace, response, started);
            }
        };

        trace.decision = match grant.policy.evaluate(INVOKE_ACTION, &method_arn) {
            Evaluation::Allow => Decision::Allow,
            Evaluation::ExplicitDeny => Decision::ExplicitDeny,
            Evaluation::ImplicitDeny => Decision::ImplicitDeny,
        };
        let message = match trace.decision {
            Decision::ExplicitDeny => {
                Some("User is not authorized to access this resource with an explicit deny")
            }
            Decision::ImplicitDeny => Some("User is not authorized to access this resource"),
            _ => None,
        };
        if let Some(message) = message {
            let response =
                error_answer(StatusCode::FORBIDDEN, json!(message), "AccessDeniedException");
            return self.finish(trace, response, started);
        }

        let response = self.integrate(&facts, &grant, latency, &body).await;
        self.finish(trace, response, started)
    }

    /// The resource path of the route `method` and `path` match, if any.
    fn route(&self, method: &Method, path: &str) -> Option<String> {
        let config = &self.inner.config;
        let resource = path.strip_prefix('/')?.strip_prefix(config.stage.as_str())?;
        config
            .routes
            .iter()
            .find(|route| route.method == method && route.path == resource)
            .map(|route| route.path.clone())
    }

    async fn authorize(&self, facts: &RequestFacts<'_>) -> Authorized {
        let identity = facts
            .headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty());
        let Some(identity) = identity else {
            return Authorized::Refused(Decision::MissingIdentity, AuthorizerCall::NotCalled, None);
        };
        if let Some(grant) = self.inner.cache.get(identity).await {
            return Authorized::Granted(grant, AuthorizerCall::Cached, None);
        }

        let failed = |why: String| {
            Authorized::Refused(Decision::AuthorizerError, AuthorizerCall::Invoked, Some(why))
        };
        let event = match events::authorizer_event(facts) {
            Ok(event) => event,
            Err(error) => {
                return failed(format!("the authorizer event did not serialise: {error}"));
            }
        };
        let timeout = self.inner.config.authorizer_timeout;
        let started = Instant::now();
        let answer = tokio::time::timeout(
            timeout,
            self.inner.authorizer.invoke(event, SystemTime::now() + timeout),
        )
        .await;
        let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let answer = match answer {
            Err(_) => return failed(format!("the authorizer timed out after {timeout:?}")),
            Ok(Err(error)) if error.error_message == authorizer::UNAUTHORIZED => {
                return Authorized::Refused(Decision::Unauthorized, AuthorizerCall::Invoked, None);
            }
            // The type only: a message could quote the request.
            Ok(Err(error)) => {
                return failed(format!("the authorizer failed with {}", error.error_type));
            }
            Ok(Ok(answer)) => answer,
        };
        match Grant::from_answer(&answer) {
            Ok(grant) => {
                let grant = Arc::new(grant);
                self.inner.cache.insert(identity, grant.clone()).await;
                Authorized::Granted(grant, AuthorizerCall::Invoked, Some(latency))
            }
            Err(error) => failed(error.to_string()),
        }
    }

    async fn integrate(
        &self,
        facts: &RequestFacts<'_>,
        grant: &Grant,
        latency: Option<u64>,
        body: &Bytes,
    ) -> Response {
        let bad_gateway = || {
            error_answer(
                StatusCode::BAD_GATEWAY,
                json!("Internal server error"),
                "InternalServerErrorException",
            )
        };
        let event = match events::proxy_event(
            facts,
            &grant.principal_id,
            &grant.context,
            latency,
            body,
        ) {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(request_id = facts.request_id, %error, "the proxy event did not serialise");
                return bad_gateway();
            }
        };
        let timeout = self.inner.config.integration_timeout;
        let answer = tokio::time::timeout(
            timeout,
            self.inner.integration.invoke(event, SystemTime::now() + timeout),
        )
        .await;
        let answer = match answer {
            Err(_) => {
                tracing::warn!(
                    request_id = facts.request_id,
                    ?timeout,
                    "the integration timed out"
                );
                return error_answer(
                    StatusCode::GATEWAY_TIMEOUT,
                    json!("Endpoint request timed out"),
                    "IntegrationTimeoutException",
                );
            }
            Ok(Err(error)) => {
                tracing::warn!(
                    request_id = facts.request_id,
                    error_type = error.error_type,
                    "the integration failed"
                );
                return bad_gateway();
            }
            Ok(Ok(answer)) => answer,
        };
        match events::proxy_answer(answer) {
            Ok((status, headers, body)) => {
                let mut response = Response::new(Body::from(body));
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                response
            }
            Err(error) => {
                tracing::warn!(request_id = facts.request_id, %error, "malformed proxy answer");
                bad_gateway()
            }
        }
    }

    fn finish(&self, mut trace: Trace, mut response: Response, started: Instant) -> Response {
        response.headers_mut().insert("x-amzn-requestid", events::header_value(&trace.request_id));
        trace.status = response.status().as_u16();
        info!(
            request_id = trace.request_id,
            resource = trace.resource.as_deref(),
            decision = trace.decision.as_str(),
            authorizer = match trace.authorizer {
                AuthorizerCall::NotCalled => "not-called",
                AuthorizerCall::Invoked => "invoked",
                AuthorizerCall::Cached => "cached",
            },
            authorizer_error = trace.authorizer_error.as_deref(),
            principal_id = trace.principal_id.as_deref(),
            status = trace.status,
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "gateway request"
        );
        self.inner.journal.record(trace);
        response
    }
}

/// API Gateway's own error answer: `{"message": ...}` and `x-amzn-ErrorType`.
fn error_answer(status: StatusCode, message: Value, error_type: &str) -> Response {
    let mut response = Response::new(Body::from(json!({ "message": message }).to_string()));
    *response.status_mut() = status;
    let headers: &mut HeaderMap = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, events::header_value("application/json"));
    headers.insert("x-amzn-errortype", events::header_value(error_type));
    response
}

/// A stable six-character resource id for a resource path, like API Gateway's.
fn resource_id(resource: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    // FNV-1a: stable across runs and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in resource.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| {
            let index = usize::try_from((hash >> (i * 8)) % 36).unwrap_or(0);
            char::from(ALPHABET[index])
        })
        .collect()
}

/// A [`Gateway`] served over HTTP/1.1 on 127.0.0.1. Stops when dropped.
pub struct GatewayServer {
    gateway: Gateway,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for GatewayServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayServer").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

impl GatewayServer {
    /// Serves `gateway` on 127.0.0.1:`port` (`0`: a port the OS picks).
    pub async fn start(gateway: Gateway, port: u16) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        let app = Router::new().fallback(serve_request).with_state(gateway.clone());
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(error) =
                axum::serve(listener, service).with_graceful_shutdown(shutdown).await
            {
                tracing::warn!(%error, "the gateway stopped serving");
            }
        });
        Ok(Self { gateway, addr, stop, task: Some(task) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/<stage>`, the invoke URL; routes follow it.
    pub fn base_url(&self) -> String {
        format!("http://{}/{}", self.addr, self.gateway.config().stage)
    }

    /// The URL of a resource path, e.g. `url("/presigned-url")`.
    pub fn url(&self, resource: &str) -> String {
        format!("{}{resource}", self.base_url())
    }

    /// The gateway, for its journal and cache.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Stops accepting, lets open requests finish, and waits for the server to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for GatewayServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn serve_request(
    State(gateway): State<Gateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return error_answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!("Request Too Long"),
            "RequestTooLongException",
        );
    };
    gateway.handle(http::Request::from_parts(parts, body), peer).await
}

#[cfg(test)]
mod tests;
