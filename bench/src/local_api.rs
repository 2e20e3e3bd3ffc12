//! Load through the local API (issue 6, item 5).
//!
//! `studio-gate-local serve` runs the whole API on loopback (API Gateway
//! stand-in, both handlers, Cognito and SageMaker stand-ins). `wrk` (Debian)
//! sends `GET` requests with `Authorization: Bearer <token>` and
//! `Accept: application/json` through `load/wrk.lua`:
//!
//! - **repeat**: one token for every request;
//! - **fresh**: each token of the file once, the file split between wrk's threads.
//!
//! The server verifies the bench pool's tokens (`--user-pool-id`,
//! `--client-id`, `--jwks-url` at the runner's loopback JWKS) and mints URLs
//! through the runner's SageMaker stand-in (`--domain-id` and
//! `AWS_ENDPOINT_URL_SAGEMAKER`), which holds a profile for every bench user,
//! so every request should get a 200. Repeat tokens run twice: with the
//! gateway's authorizer cache at its default (300 s, as API Gateway's), where
//! the authorizer runs once, and with it off, where every request reaches the
//! authorizer and its verified-token cache.
//!
//! The server is pinned to one core, then to both; wrk stays on core 0, so on
//! two cores it shares a core with the server.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::BenchError;
use crate::tokens::PoolFacts;

/// The route loaded.
pub const PATH: &str = "/presigned-url";

/// A running `studio-gate-local serve`; killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// The full URL of [`PATH`].
    pub url: String,
}

impl Server {
    /// Starts `binary serve` pinned to `cores` for the bench pool, with the
    /// SageMaker stand-in's `sdk_env` and `domain_id`, and waits for its URL.
    pub async fn start(
        binary: &Path,
        cores: &str,
        facts: &PoolFacts,
        sagemaker_env: &[(String, String)],
        domain_id: &str,
        ttl: u64,
    ) -> Result<Self, BenchError> {
        let mut child = Command::new("taskset")
            .arg("-c")
            .arg(cores)
            .arg(binary)
            .args(["serve", "--port", "0", "--user-pool-id", &facts.user_pool_id])
            .args(["--client-id", &facts.client_id, "--jwks-url", &facts.jwks_url])
            .args(["--domain-id", domain_id, "--authorizer-cache-ttl", &ttl.to_string()])
            .envs(sagemaker_env.iter().map(|(k, v)| (k, v)))
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(BenchError::io(format!("starting {}", binary.display())))?;
        if let Some(mut stderr) = child.stderr.take() {
            // Its logs, one line a request, go where Lambda's would: away.
            tokio::spawn(async move {
                let mut sink = vec![0u8; 64 * 1024];
                while matches!(stderr.read(&mut sink).await, Ok(n) if n > 0) {}
            });
        }
        let stdout = child.stdout.take().ok_or_else(|| BenchError::unexpected("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("export STUDIO_GATE_URL=") {
                    return Some(url.trim().to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| BenchError::unexpected("studio-gate-local serve printed no URL"))?;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, url: format!("{base}{PATH}") })
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// One load run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadFigures {
    /// `repeat` or `fresh`.
    pub tokens: String,
    /// The gateway's authorizer cache TTL, seconds (0: off).
    pub gateway_cache_ttl: u64,
    /// Cores the server was given.
    pub cores: usize,
    /// wrk connections.
    pub connections: usize,
    /// Requests completed.
    pub requests: u64,
    /// Answers that were not 2xx/3xx, plus socket errors.
    pub not_ok: u64,
    /// Requests per second.
    pub requests_per_second: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
}

#[derive(Deserialize)]
struct WrkJson {
    requests: u64,
    duration_us: u64,
    not_ok: u64,
    socket_errors: u64,
    p50_us: u64,
    p99_us: u64,
}

/// What to run wrk with.
#[derive(Debug, Clone)]
pub struct WrkRun<'a> {
    /// The wrk binary.
    pub wrk: &'a Path,
    /// `load/wrk.lua`.
    pub script: &'a Path,
    /// The full URL to load.
    pub url: &'a str,
    /// The token file.
    pub tokens_file: &'a Path,
    /// `repeat` or `fresh`.
    pub mode: &'a str,
    /// Core list for wrk, e.g. `0`.
    pub wrk_core: &'a str,
    /// wrk threads.
    pub threads: usize,
    /// wrk connections.
    pub connections: usize,
    /// How long at most.
    pub duration: Duration,
}

/// Runs wrk once and reads its figures; `cores` and `ttl` are recorded as given.
pub async fn run_wrk(run: &WrkRun<'_>, cores: usize, ttl: u64) -> Result<LoadFigures, BenchError> {
    let output = tokio::process::Command::new("taskset")
        .arg("-c")
        .arg(run.wrk_core)
        .arg(run.wrk)
        .arg(format!("-t{}", run.threads))
        .arg(format!("-c{}", run.connections))
        .arg(format!("-d{}s", run.duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("5s")
        .arg("-s")
        .arg(run.script)
        .arg(run.url)
        .arg("--")
        .arg(run.tokens_file)
        .arg(run.mode)
        .arg(run.threads.to_string())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(run.duration + Duration::from_secs(30), output)
        .await
        .map_err(|_| BenchError::unexpected("wrk did not finish"))?
        .map_err(BenchError::io("running wrk"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = stdout.lines().find_map(|line| line.strip_prefix("WRKJSON ")).ok_or_else(|| {
        BenchError::unexpected(format!(
            "wrk printed no figures: {} {}",
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    })?;
    let figures: WrkJson = serde_json::from_str(json).map_err(BenchError::unexpected)?;
    Ok(LoadFigures {
        tokens: run.mode.to_owned(),
        gateway_cache_ttl: ttl,
        cores,
        connections: run.connections,
        requests: figures.requests,
        not_ok: figures.not_ok + figures.socket_errors,
        requests_per_second: figures.requests as f64 / (figures.duration_us.max(1) as f64 / 1e6),
        p50_ms: figures.p50_us as f64 / 1e3,
        p99_ms: figures.p99_us as f64 / 1e3,
    })
}
