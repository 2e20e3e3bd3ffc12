//! A Lambda Runtime API on loopback, to run the built function binaries as
//! Lambda runs them.
//!
//! A function built on `lambda_runtime` finds the API through
//! `AWS_LAMBDA_RUNTIME_API` (`host:port`) and then loops: it long-polls
//! `GET /2018-06-01/runtime/invocation/next`, handles the event, and posts the
//! result to `.../invocation/{id}/response` or `.../invocation/{id}/error`. A
//! function that cannot start posts `.../init/error`. [`RuntimeApi`] serves those
//! four routes; [`RuntimeApi::invoke`] queues an event and waits for the answer.
//!
//! Each event handed out carries the headers Lambda sends:
//! `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms` (now plus
//! [`RuntimeApiOptions::function_timeout`]), `Lambda-Runtime-Invoked-Function-Arn`
//! and `Lambda-Runtime-Trace-Id`.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use standins::runtime_api::{Invocation, RuntimeApi};
//!
//! let runtime = RuntimeApi::start().await?;
//! let settings = [("STUDIO_DOMAIN_ID", "d-abc123xyz456")];
//! let mut function = runtime.spawn_function("target/debug/presign", "presign", settings)?;
//! match runtime.invoke(serde_json::json!({"path": "/"})).await? {
//!     Invocation::Response(body) => println!("{body}"),
//!     Invocation::Error { error_type, .. } => println!("failed: {error_type}"),
//! }
//! function.kill().await;
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{Notify, oneshot, watch};

const PREFIX: &str = "/2018-06-01/runtime";

/// How to start a [`RuntimeApi`].
#[derive(Debug, Clone)]
pub struct RuntimeApiOptions {
    /// Port on 127.0.0.1; `0` lets the OS choose. Default `0`.
    pub port: u16,
    /// The function's timeout: each event's deadline is the moment the function
    /// takes it plus this. Default 10 s.
    pub function_timeout: Duration,
    /// How long [`RuntimeApi::invoke`] waits for an answer. Default 30 s.
    pub invoke_timeout: Duration,
    /// `Lambda-Runtime-Invoked-Function-Arn`. Default
    /// `arn:aws:lambda:eu-west-1:123456789012:function:function`.
    pub function_arn: String,
}

impl Default for RuntimeApiOptions {
    fn default() -> Self {
        Self {
            port: 0,
            function_timeout: Duration::from_secs(10),
            invoke_timeout: Duration::from_secs(30),
            function_arn: "arn:aws:lambda:eu-west-1:123456789012:function:function".to_owned(),
        }
    }
}

/// What a function answered to one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// The body posted to `.../response`, parsed as JSON (a body that is not
    /// JSON becomes a JSON string).
    Response(Value),
    /// The diagnostic posted to `.../error`.
    Error {
        /// `errorType`.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
    },
}

/// Why [`RuntimeApi::invoke`] has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeApiError {
    /// When the function did not answer within the invoke timeout.
    #[error("the function did not answer within {0:?}")]
    Timeout(Duration),
    /// When the function reported an init error instead of taking events.
    #[error("the function failed to start: {error_type}: {error_message}")]
    InitError {
        /// `errorType` of the init error.
        error_type: String,
        /// `errorMessage` of the init error.
        error_message: String,
    },
    /// When the Runtime API is shutting down.
    #[error("the runtime api is shutting down")]
    Closed,
}

struct Pending {
    request_id: String,
    event: Bytes,
    reply: oneshot::Sender<Invocation>,
}

#[derive(Default)]
struct Queues {
    waiting: VecDeque<Pending>,
    in_flight: HashMap<String, oneshot::Sender<Invocation>>,
    taken: usize,
}

struct Shared {
    options: RuntimeApiOptions,
    queues: Mutex<Queues>,
    queued: Notify,
    init_error: watch::Sender<Option<(String, String)>>,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running Lambda Runtime API on 127.0.0.1. It stops when dropped.
pub struct RuntimeApi {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
}

impl fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeApi").field("address", &self.address).finish_non_exhaustive()
    }
}

impl RuntimeApi {
    /// Starts with [`RuntimeApiOptions::default`].
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(RuntimeApiOptions::default()).await
    }

    /// Binds 127.0.0.1 on `options.port` and serves on the current Tokio runtime.
    pub async fn start_with(options: RuntimeApiOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let address = listener.local_addr()?;
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared {
            options,
            queues: Mutex::new(Queues::default()),
            queued: Notify::new(),
            init_error: watch::channel(None).0,
            shutdown: shutdown.clone(),
        });

        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(&format!("{PREFIX}/invocation/{{id}}/response"), post(respond))
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(fail))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(shared.clone());
        let mut signal = shutdown;
        tokio::spawn(async move {
            let stopped = async move {
                let _ = signal.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                tracing::warn!(%error, "runtime api stand-in stopped serving");
            }
        });

        Ok(Self { address, shared, stop })
    }

    /// `127.0.0.1:<port>`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// The environment a function process needs from Lambda to start:
    /// `AWS_LAMBDA_RUNTIME_API` and the `AWS_LAMBDA_FUNCTION_*` and log settings
    /// `lambda_runtime` reads, for a function called `name` with 128 MB.
    pub fn function_env(&self, name: &str) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]0123456789abcdef".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Starts `program` as a function under this API: with an empty environment
    /// but [`RuntimeApi::function_env`] and `env`, so nothing of the caller's own
    /// environment (AWS profiles, credentials, log settings) leaks in. Its stdout
    /// and stderr are captured; see [`FunctionProcess::logs`].
    pub fn spawn_function<K, V>(
        &self,
        program: impl AsRef<Path>,
        name: &str,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> std::io::Result<FunctionProcess>
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut child = Command::new(program.as_ref())
            .env_clear()
            .envs(self.function_env(name))
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let logs = Arc::new(Mutex::new(Vec::new()));
        let mut captures = Vec::with_capacity(2);
        if let Some(stdout) = child.stdout.take() {
            captures.push(tokio::spawn(capture(stdout, logs.clone())));
        }
        if let Some(stderr) = child.stderr.take() {
            captures.push(tokio::spawn(capture(stderr, logs.clone())));
        }
        Ok(FunctionProcess { child, logs, captures })
    }

    /// Queues `event` and waits for the function's answer, up to
    /// [`RuntimeApiOptions::invoke_timeout`].
    pub async fn invoke(&self, event: Value) -> Result<Invocation, RuntimeApiError> {
        self.invoke_within(event, self.shared.options.invoke_timeout).await
    }

    /// Queues `event` and waits for the function's answer, up to `timeout`. An
    /// event nobody took in time is withdrawn.
    pub async fn invoke_within(
        &self,
        event: Value,
        timeout: Duration,
    ) -> Result<Invocation, RuntimeApiError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let (reply, answer) = oneshot::channel();
        self.shared.lock().waiting.push_back(Pending {
            request_id: request_id.clone(),
            event: Bytes::from(event.to_string()),
            reply,
        });
        self.shared.queued.notify_one();

        let mut init_error = self.shared.init_error.subscribe();
        let outcome = tokio::select! {
            answer = answer => answer.map_err(|_| RuntimeApiError::Closed),
            () = tokio::time::sleep(timeout) => Err(RuntimeApiError::Timeout(timeout)),
            reported = init_error.wait_for(Option::is_some) => match reported {
                Ok(error) => {
                    let (error_type, error_message) = error.clone().unwrap_or_default();
                    Err(RuntimeApiError::InitError { error_type, error_message })
                }
                Err(_) => Err(RuntimeApiError::Closed),
            },
        };
        if outcome.is_err() {
            let mut queues = self.shared.lock();
            queues.waiting.retain(|pending| pending.request_id != request_id);
            queues.in_flight.remove(&request_id);
        }
        outcome
    }

    /// The init error the function reported, waiting up to `timeout` for one.
    /// Returns `(errorType, errorMessage)`.
    pub async fn init_error(&self, timeout: Duration) -> Option<(String, String)> {
        let mut reported = self.shared.init_error.subscribe();
        let wait = reported.wait_for(Option::is_some);
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(error)) => error.clone(),
            _ => None,
        }
    }

    /// How many events functions have taken so far.
    pub fn events_taken(&self) -> usize {
        self.shared.lock().taken
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A function process started by [`RuntimeApi::spawn_function`]; killed when
/// dropped. Its `Debug` shows the process id, not what it logged.
pub struct FunctionProcess {
    child: Child,
    logs: Arc<Mutex<Vec<u8>>>,
    captures: Vec<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for FunctionProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionProcess").field("pid", &self.child.id()).finish_non_exhaustive()
    }
}

impl FunctionProcess {
    /// Everything the process wrote to stdout and stderr so far, interleaved
    /// as it arrived.
    pub fn logs(&self) -> String {
        let logs = self.logs.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&logs).into_owned()
    }

    /// Waits up to `timeout` for the process to exit on its own; once it has,
    /// [`FunctionProcess::logs`] holds all it wrote.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = tokio::time::timeout(timeout, self.child.wait()).await.ok()?.ok()?;
        self.drain().await;
        Some(status)
    }

    /// Kills the process and waits for it; afterwards [`FunctionProcess::logs`]
    /// holds all it wrote.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
        self.drain().await;
    }

    async fn drain(&mut self) {
        for capture in self.captures.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), capture).await;
        }
    }
}

async fn capture(mut stream: impl AsyncRead + Unpin, logs: Arc<Mutex<Vec<u8>>>) {
    // While the secrets ledger is on, the output is echoed to stderr too, so
    // the suite-wide check sees the functions' logs.
    let echo = crate::ledger::enabled();
    let mut pending = Vec::new();
    let mut buffer = [0u8; 8192];
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        logs.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(&buffer[..read]);
        if echo {
            pending.extend_from_slice(&buffer[..read]);
            crate::ledger::echo_lines(&mut pending, false);
        }
    }
    if echo {
        crate::ledger::echo_lines(&mut pending, true);
    }
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}

fn refused(status: StatusCode, error_type: &str, message: &str) -> Response {
    (status, axum::Json(json!({"errorType": error_type, "errorMessage": message}))).into_response()
}

fn trace_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    format!("Root=1-{seconds:08x}-{};Parent={};Sampled=0", &hex[..24], &hex[16..])
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let mut shutdown = shared.shutdown.clone();
    let pending = loop {
        let woken = shared.queued.notified();
        if let Some(pending) = shared.lock().waiting.pop_front() {
            break pending;
        }
        tokio::select! {
            () = woken => {}
            _ = shutdown.wait_for(|stop| *stop) => {
                let message = "the runtime api is stopping";
                return refused(StatusCode::SERVICE_UNAVAILABLE, "ShuttingDown", message);
            }
        }
    };

    let deadline = SystemTime::now() + shared.options.function_timeout;
    let deadline_ms = deadline.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    {
        let mut queues = shared.lock();
        queues.in_flight.insert(pending.request_id.clone(), pending.reply);
        queues.taken += 1;
    }
    let mut response = (StatusCode::OK, pending.event).into_response();
    let headers = response.headers_mut();
    let values = [
        ("content-type", "application/json".to_owned()),
        ("lambda-runtime-aws-request-id", pending.request_id),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", shared.options.function_arn.clone()),
        ("lambda-runtime-trace-id", trace_id()),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn finish(shared: &Shared, id: &str, invocation: Invocation) -> Response {
    let Some(reply) = shared.lock().in_flight.remove(id) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "no invocation in flight has this request id",
        );
    };
    let _ = reply.send(invocation);
    accepted()
}

async fn respond(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    finish(&shared, &id, Invocation::Response(value))
}

fn diagnostic(headers: &HeaderMap, body: &[u8]) -> (String, String) {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let header_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unknown");
    let error_type = parsed["errorType"].as_str().unwrap_or(header_type).to_owned();
    let error_message = match parsed["errorMessage"].as_str() {
        Some(message) => message.to_owned(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    (error_type, error_message)
}

async fn fail(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (error_type, error_message) = diagnostic(&headers, &body);
    finish(&shared, &id, Invocation::Error { error_type, error_message })
}

async fn init_error(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reported = diagnostic(&headers, &body);
    shared.init_error.send_replace(Some(reported));
    accepted()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays the function's side of the protocol with plain HTTP.
    struct FakeFunction {
        http: reqwest::Client,
        base: String,
    }

    impl FakeFunction {
        fn new(runtime: &RuntimeApi) -> Self {
            Self {
                http: reqwest::Client::new(),
                base: format!("http://{}{PREFIX}", runtime.address()),
            }
        }

        async fn next(&self) -> (reqwest::header::HeaderMap, Value) {
            let response =
                self.http.get(format!("{}/invocation/next", self.base)).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let headers = response.headers().clone();
            let body = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            (headers, body)
        }

        async fn post(&self, path: &str, body: &str) -> u16 {
            let response = self
                .http
                .post(format!("{}{path}", self.base))
                .header("lambda-runtime-function-error-type", "Runtime.Test")
                .body(body.to_owned())
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    }

    fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    #[tokio::test]
    async fn event_goes_out_with_lambda_headers_and_the_response_comes_back() {
        let runtime = RuntimeApi::start().await.unwrap();
        let function = FakeFunction::new(&runtime);
        let serve = async {
            let (headers, event) = function.next().await;
            assert_eq!(event, json!({"hello": "world"}));
            let id = header(&headers, "lambda-runtime-aws-request-id").to_owned();
            assert!(!id.is_empty());
            let deadline: u128 = header(&headers, "lambda-runtime-deadline-ms").parse().unwrap();
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
            assert!(deadline > now && deadline <= now + 10_000, "{deadline} vs {now}");
            assert!(
                header(&headers, "lambda-runtime-invoked-function-arn")
                    .starts_with("arn:aws:lambda:")
            );
            assert!(header(&headers, "lambda-runtime-trace-id").starts_with("Root=1-"));
            assert_eq!(
                function.post(&format!("/invocation/{id}/response"), r#"{"ok":true}"#).await,
                202
            );
        };
        let (answer, ()) = tokio::join!(runtime.invoke(json!({"hello": "world"})), serve);
        assert_eq!(answer, Ok(Invocation::Response(json!({"ok": true}))));
        assert_eq!(runtime.events_taken(), 1);
    }

    #[tokio::test]
    async fn function_error_comes_back_as_an_error() {
        let runtime = RuntimeApi::start().await.unwrap();
        let function = FakeFunction::new(&runtime);
        let serve = async {
            let (headers, _) = function.next().await;
            let id = header(&headers, "lambda-runtime-aws-request-id").to_owned();
            let body = r#"{"errorType":"Unauthorized","errorMessage":"Unauthorized"}"#;
            assert_eq!(function.post(&format!("/invocation/{id}/error"), body).await, 202);
        };
        let (answer, ()) = tokio::join!(runtime.invoke(json!({})), serve);
        let want = Invocation::Error {
            error_type: "Unauthorized".to_owned(),
            error_message: "Unauthorized".to_owned(),
        };
        assert_eq!(answer, Ok(want));
    }

    #[tokio::test]
    async fn events_are_served_in_order_to_a_long_poll() {
        let runtime = RuntimeApi::start().await.unwrap();
        let function = FakeFunction::new(&runtime);
        let serve = async {
            for _ in 0..2 {
                let (headers, event) = function.next().await;
                let id = header(&headers, "lambda-runtime-aws-request-id").to_owned();
                function.post(&format!("/invocation/{id}/response"), &event.to_string()).await;
            }
        };
        let invokes = async {
            // The function is already polling when the first event arrives.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let first = runtime.invoke(json!(1)).await;
            let second = runtime.invoke(json!(2)).await;
            (first, second)
        };
        let ((first, second), ()) = tokio::join!(invokes, serve);
        assert_eq!(first, Ok(Invocation::Response(json!(1))));
        assert_eq!(second, Ok(Invocation::Response(json!(2))));
    }

    #[tokio::test]
    async fn invoke_without_a_function_times_out_and_is_withdrawn() {
        let runtime = RuntimeApi::start().await.unwrap();
        let answer = runtime.invoke_within(json!({}), Duration::from_millis(100)).await;
        assert_eq!(answer, Err(RuntimeApiError::Timeout(Duration::from_millis(100))));
        assert!(runtime.shared.lock().waiting.is_empty());
    }

    #[tokio::test]
    async fn init_error_is_seen_and_fails_invokes() {
        let runtime = RuntimeApi::start().await.unwrap();
        let function = FakeFunction::new(&runtime);
        assert_eq!(runtime.init_error(Duration::from_millis(10)).await, None);
        let body =
            r#"{"errorType":"Runtime.InitError","errorMessage":"STUDIO_DOMAIN_ID is required"}"#;
        assert_eq!(function.post("/init/error", body).await, 202);

        let reported = runtime.init_error(Duration::from_secs(1)).await;
        let want = ("Runtime.InitError".to_owned(), "STUDIO_DOMAIN_ID is required".to_owned());
        assert_eq!(reported, Some(want));
        let answer = runtime.invoke(json!({})).await;
        assert!(matches!(answer, Err(RuntimeApiError::InitError { .. })), "{answer:?}");
    }

    #[tokio::test]
    async fn answer_for_an_unknown_request_id_is_refused() {
        let runtime = RuntimeApi::start().await.unwrap();
        let function = FakeFunction::new(&runtime);
        assert_eq!(function.post("/invocation/nope/response", "{}").await, 400);
    }

    #[tokio::test]
    async fn function_env_names_the_api_and_the_function() {
        let runtime = RuntimeApi::start().await.unwrap();
        let env: HashMap<String, String> = runtime.function_env("presign").into_iter().collect();
        assert_eq!(env["AWS_LAMBDA_RUNTIME_API"], runtime.address());
        assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "presign");
        for key in [
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_LAMBDA_LOG_GROUP_NAME",
        ] {
            assert!(env.contains_key(key), "{key}");
        }
        assert!(runtime.address().starts_with("127.0.0.1:"));
    }

    #[tokio::test]
    async fn spawned_process_gets_only_the_given_environment_and_its_output_is_kept() {
        let runtime = RuntimeApi::start().await.unwrap();
        let mut process =
            runtime.spawn_function("/usr/bin/env", "probe", [("EXTRA", "1")]).unwrap();
        let status = process.wait_exit(Duration::from_secs(5)).await.unwrap();
        assert!(status.success());
        let logs = process.logs();
        assert!(logs.contains("EXTRA=1"), "{logs}");
        assert!(logs.contains("AWS_LAMBDA_FUNCTION_NAME=probe"), "{logs}");
        assert!(!logs.contains("PATH="), "{logs}");
    }
}
