//! Cold start and footprint of the release binaries (issue 6, item 4).
//!
//! Each function runs as Lambda runs it: under a Runtime API on loopback
//! ([`standins::runtime_api::RuntimeApi`]), with an environment holding only
//! what Lambda and the function's settings put there, and pinned to one core
//! with `taskset`. The authorizer fetches its keys from a JWKS on loopback;
//! presign talks to the SageMaker stand-in.
//!
//! - **init**: process start to the function's first `GET …/invocation/next`,
//!   which a function makes once its init is done (the authorizer fetches its
//!   keys during init, so that fetch is inside this figure). An event is
//!   already waiting, so the first `/next` takes it at once; a thread polls
//!   the count of events taken every 100 µs.
//! - **first decision**: that `/next` to the answer of the first event.
//! - the median of [`COLD_STARTS`] cold starts is reported.
//! - **peak RSS**: `VmHWM` of `/proc/<pid>/status` after [`INVOCATIONS`]
//!   invocations, one at a time; the authorizer gets a different token each
//!   time, so a verified-token cache holds as many entries as it will.
//! - **size**: the binary copied and run through `strip`.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyRequestContext};
use http::{HeaderMap, HeaderValue, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::{AuthorizerContext, StudioUserProfileName};
use standins::runtime_api::{Invocation, RuntimeApi, RuntimeApiOptions};
use tokio::io::AsyncReadExt as _;
use tokio::process::{Child, Command};

use crate::BenchError;

/// Cold starts per function; the median is reported.
pub const COLD_STARTS: usize = 5;
/// Invocations before peak RSS is read.
pub const INVOCATIONS: usize = 10_000;

/// What one function measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Footprint {
    /// `authorizer` or `presign`.
    pub function: String,
    /// Median process start to first `/next`, milliseconds.
    pub init_ms: f64,
    /// Every cold start's init, milliseconds.
    pub init_all_ms: Vec<f64>,
    /// Median first `/next` to first answer, milliseconds.
    pub first_decision_ms: f64,
    /// Invocations made for the RSS figure.
    pub invocations: usize,
    /// How many of them got the expected answer.
    pub expected_answers: usize,
    /// Wall time of those invocations, seconds.
    pub invocations_seconds: f64,
    /// `VmHWM` after the invocations, KiB.
    pub peak_rss_kib: u64,
    /// Size of the binary after `strip`, bytes.
    pub stripped_bytes: u64,
}

/// How to start one function and what to send it.
pub struct FunctionUnderTest<'a> {
    /// `authorizer` or `presign`.
    pub name: &'a str,
    /// The release binary.
    pub binary: &'a Path,
    /// The function's settings (and, for presign, the SDK's endpoint and credentials).
    pub env: Vec<(String, String)>,
    /// Event number `i`.
    pub event: &'a (dyn Fn(usize) -> Value + Sync),
    /// Whether an answer is the one expected.
    pub expected: &'a (dyn Fn(&Invocation) -> bool + Sync),
}

impl std::fmt::Debug for FunctionUnderTest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionUnderTest").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Measures `function` pinned to `core`, with `scratch` for the stripped copy.
pub async fn measure(
    function: &FunctionUnderTest<'_>,
    core: &str,
    scratch: &Path,
) -> Result<Footprint, BenchError> {
    let mut inits = Vec::new();
    let mut firsts = Vec::new();
    for _ in 0..COLD_STARTS {
        let runtime = Arc::new(start_runtime().await?);
        let (init, first, mut process) = cold_start(function, core, &runtime).await?;
        inits.push(init.as_secs_f64() * 1e3);
        firsts.push(first.as_secs_f64() * 1e3);
        process.stop().await;
    }

    let runtime = Arc::new(start_runtime().await?);
    let (_, _, mut process) = cold_start(function, core, &runtime).await?;
    let started = Instant::now();
    let mut expected_answers = 0;
    for i in 1..INVOCATIONS {
        let answer = runtime.invoke((function.event)(i)).await.map_err(BenchError::unexpected)?;
        expected_answers += usize::from((function.expected)(&answer));
    }
    let invocations_seconds = started.elapsed().as_secs_f64();
    let peak_rss_kib = process.peak_rss_kib()?;
    process.stop().await;

    Ok(Footprint {
        function: function.name.to_owned(),
        init_ms: median(&inits),
        init_all_ms: inits,
        first_decision_ms: median(&firsts),
        invocations: INVOCATIONS - 1,
        expected_answers,
        invocations_seconds,
        peak_rss_kib,
        stripped_bytes: stripped_size(function.binary, scratch)?,
    })
}

async fn start_runtime() -> Result<RuntimeApi, BenchError> {
    let options = RuntimeApiOptions {
        invoke_timeout: Duration::from_secs(20),
        ..RuntimeApiOptions::default()
    };
    RuntimeApi::start_with(options).await.map_err(BenchError::io("starting the runtime api"))
}

/// Starts the function with event 0 waiting; returns init, first decision and the process.
async fn cold_start(
    function: &FunctionUnderTest<'_>,
    core: &str,
    runtime: &Arc<RuntimeApi>,
) -> Result<(Duration, Duration, Process), BenchError> {
    let first_event = (function.event)(0);
    let queued = runtime.clone();
    let answer = tokio::spawn(async move { queued.invoke(first_event).await });
    // Give the invocation time to be queued before the clock starts.
    tokio::time::sleep(Duration::from_millis(5)).await;

    let watched = runtime.clone();
    let done = Arc::new(AtomicBool::new(false));
    let stop_watching = done.clone();
    let started = Instant::now();
    let watcher = std::thread::spawn(move || {
        while watched.events_taken() == 0 && !stop_watching.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_micros(100));
        }
        Instant::now()
    });
    let process = Process::spawn(function, core, runtime)?;
    let answer = answer.await.map_err(BenchError::unexpected)?;
    let answered = Instant::now();
    done.store(true, Ordering::Relaxed);
    let first_next = watcher.join().map_err(|_| BenchError::unexpected("watcher panicked"))?;
    let answer = answer.map_err(|e| {
        BenchError::unexpected(format!("{}: {e}; logs: {}", function.name, process.logs_hint()))
    })?;
    if !(function.expected)(&answer) {
        return Err(BenchError::unexpected(format!(
            "{} answered {answer:?} to its first event",
            function.name
        )));
    }
    Ok((first_next - started, answered - first_next, process))
}

/// A function process: its pid, and a task that drains (and keeps the tail
/// of) what it writes, as Lambda's log capture does.
struct Process {
    child: Child,
    tail: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Process {
    fn spawn(
        function: &FunctionUnderTest<'_>,
        core: &str,
        runtime: &RuntimeApi,
    ) -> Result<Self, BenchError> {
        let mut child = Command::new("taskset")
            .arg("-c")
            .arg(core)
            .arg(function.binary)
            .env_clear()
            .envs(runtime.function_env(function.name))
            .envs(function.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(BenchError::io(format!("starting {}", function.binary.display())))?;
        let tail = Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(drain(stdout, tail.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(drain(stderr, tail.clone()));
        }
        Ok(Self { child, tail })
    }

    fn peak_rss_kib(&self) -> Result<u64, BenchError> {
        let pid = self.child.id().ok_or_else(|| BenchError::unexpected("the function exited"))?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map_err(BenchError::io("reading /proc/<pid>/status"))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| BenchError::unexpected("no VmHWM in /proc/<pid>/status"))
    }

    fn logs_hint(&self) -> String {
        let tail = self.tail.lock().map(|tail| tail.clone()).unwrap_or_default();
        String::from_utf8_lossy(&tail).trim().to_owned()
    }

    async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}

async fn drain(
    mut stream: impl tokio::io::AsyncRead + Unpin,
    tail: Arc<std::sync::Mutex<Vec<u8>>>,
) {
    const KEEP: usize = 4096;
    let mut buffer = vec![0u8; 64 * 1024];
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        if let Ok(mut tail) = tail.lock() {
            tail.extend_from_slice(&buffer[..read]);
            let excess = tail.len().saturating_sub(KEEP);
            tail.drain(..excess);
        }
    }
}

/// The size of `binary` once `strip` has been run on a copy of it.
fn stripped_size(binary: &Path, scratch: &Path) -> Result<u64, BenchError> {
    std::fs::create_dir_all(scratch).map_err(BenchError::io("creating the scratch folder"))?;
    let name = binary.file_name().unwrap_or_default();
    let copy = scratch.join(name);
    std::fs::copy(binary, &copy)
        .map_err(BenchError::io(format!("copying {}", binary.display())))?;
    let status = std::process::Command::new("strip")
        .arg(&copy)
        .status()
        .map_err(BenchError::io("running strip"))?;
    if !status.success() {
        return Err(BenchError::unexpected(format!("strip {} failed", copy.display())));
    }
    std::fs::metadata(&copy).map(|m| m.len()).map_err(BenchError::io("reading the stripped size"))
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The proxy event presign gets for `profile`, asking for JSON.
pub fn presign_event(profile: &str) -> Value {
    let context = StudioUserProfileName::parse(profile).map(|name| AuthorizerContext {
        profile: name,
        sub: "0b6f2a2e-5a1c-4c2e-9d7e-5f3b1a2c4d5e".to_owned(),
        username: profile.to_owned(),
        groups: vec![crate::tokens::GROUP.to_owned()],
    });
    let mut request_context = ApiGatewayProxyRequestContext::default();
    request_context.account_id = Some("123456789012".to_owned());
    request_context.stage = Some("prod".to_owned());
    request_context.resource_path = Some("/presigned-url".to_owned());
    request_context.path = Some("/prod/presigned-url".to_owned());
    request_context.http_method = Method::GET;
    request_context.apiid = Some("a1b2c3d4e5".to_owned());
    if let Ok(context) = context {
        for (key, value) in context.to_fields() {
            request_context.authorizer.fields.insert(key, value);
        }
    }
    request_context.authorizer.fields.insert("principalId".into(), Value::String("sub".into()));

    let mut headers = HeaderMap::new();
    headers.insert("accept", HeaderValue::from_static("application/json"));
    let mut event = ApiGatewayProxyRequest::default();
    event.resource = Some("/presigned-url".to_owned());
    event.path = Some("/presigned-url".to_owned());
    event.http_method = Method::GET;
    event.multi_value_headers = headers.clone();
    event.headers = headers;
    event.request_context = request_context;
    serde_json::to_value(event).unwrap_or(Value::Null)
}

/// True if presign answered 200.
pub fn presign_ok(answer: &Invocation) -> bool {
    matches!(answer, Invocation::Response(body) if body["statusCode"] == 200)
}

/// True if the authorizer answered with an Allow policy.
pub fn authorizer_allowed(answer: &Invocation) -> bool {
    matches!(answer, Invocation::Response(body)
        if body["policyDocument"]["Statement"][0]["Effect"] == "Allow")
}
