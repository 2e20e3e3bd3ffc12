//! studio-gate against the anchors (issue 6, item 2).
//!
//! The same token file is verified by three processes, each pinned to one core
//! and each fetching the JWKS once from the same loopback server:
//!
//! - studio-gate: `studio-gate-bench verify`, i.e. [`verify_file`], which calls
//!   [`authorizer::Authorizer::verify_token`] on each token (the checks and the
//!   verified-token cache of a decision, without the event and the policy; item
//!   1 times the whole decision);
//! - aws-jwt-verify: `anchors/aws-jwt-verify.cjs`, `CognitoJwtVerifier.verifySync`
//!   after `cacheJwks` with the fetched JWKS;
//! - PyJWT: `anchors/pyjwt_verify.py`, `PyJWKClient` and `jwt.decode`.
//!
//! Each takes the tokens in blocks of [`BLOCK`]: the block once (fresh tokens),
//! then the same block again (repeat tokens, as one portal session calls the
//! API several times within minutes), and reports both totals as a
//! [`VerifyOutcome`] on one JSON line.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authorizer::{Authorizer, Reason, Verified};
use serde::{Deserialize, Serialize};

use crate::BenchError;
use crate::tokens::{self, PoolFacts};

/// Tokens per block: each block is verified fresh, then again.
pub const BLOCK: usize = 1000;

/// What one verifier process reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VerifyOutcome {
    /// Which verifier.
    pub verifier: String,
    /// Its version, and the runtime's.
    pub version: String,
    /// How many tokens the file holds.
    pub tokens: usize,
    /// Time spent on the first sight of each token, all blocks.
    pub fresh_seconds: f64,
    /// Time spent on the second sight of each token, all blocks.
    pub repeat_seconds: f64,
    /// Tokens accepted on first sight.
    pub accepted_fresh: usize,
    /// Tokens accepted on second sight.
    pub accepted_repeat: usize,
    /// From the verifier's own start to keys in hand.
    pub ready_seconds: f64,
    /// One bare RS256 check (SHA-256 + RSA verify) of the first token with
    /// the runtime's own crypto, seconds: the floor under that verifier.
    #[serde(default)]
    pub floor_seconds: f64,
    /// What the floor was measured with.
    #[serde(default)]
    pub floor: String,
    /// The whole process, start to exit, as the runner saw it.
    #[serde(default)]
    pub wall_seconds: f64,
    /// JWKS fetches the loopback server counted during the run.
    #[serde(default)]
    pub jwks_fetches: u64,
}

impl VerifyOutcome {
    /// Fresh tokens verified per second.
    pub fn fresh_per_second(&self) -> f64 {
        per_second(self.tokens, self.fresh_seconds)
    }

    /// Repeat tokens verified per second.
    pub fn repeat_per_second(&self) -> f64 {
        per_second(self.tokens, self.repeat_seconds)
    }

    /// True if every token was accepted both times.
    pub fn all_accepted(&self) -> bool {
        self.accepted_fresh == self.tokens && self.accepted_repeat == self.tokens
    }
}

fn per_second(count: usize, seconds: f64) -> f64 {
    if seconds > 0.0 { count as f64 / seconds } else { 0.0 }
}

/// studio-gate's side: the authorizer with keys from `facts.jwks_url`, on
/// this thread (a current-thread runtime, as one core allows).
pub fn verify_file(tokens_path: &Path, facts: &PoolFacts) -> Result<VerifyOutcome, BenchError> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(BenchError::io("starting tokio"))?;
    let settings = tokens::settings(&facts.jwks_url)?;
    let http = authorizer::http_client(&settings.jwks).map_err(BenchError::unexpected)?;
    let authorizer = Authorizer::new(settings, http).map_err(BenchError::unexpected)?;
    runtime.block_on(authorizer.prefetch_keys());
    let ready = started.elapsed();

    let tokens = tokens::read_tokens(tokens_path)?;
    let (mut fresh, mut repeat) = (Duration::ZERO, Duration::ZERO);
    let (mut accepted_fresh, mut accepted_repeat) = (0, 0);
    let mut verified = Vec::with_capacity(BLOCK);
    runtime.block_on(async {
        for block in tokens.chunks(BLOCK) {
            let (took, accepted) = verify_block(&authorizer, block, &mut verified).await;
            fresh += took;
            accepted_fresh += accepted;
            let (took, accepted) = verify_block(&authorizer, block, &mut verified).await;
            repeat += took;
            accepted_repeat += accepted;
        }
    });

    Ok(VerifyOutcome {
        verifier: "studio-gate".to_owned(),
        version: format!("authorizer {}", env!("CARGO_PKG_VERSION")),
        tokens: tokens.len(),
        fresh_seconds: fresh.as_secs_f64(),
        repeat_seconds: repeat.as_secs_f64(),
        accepted_fresh,
        accepted_repeat,
        ready_seconds: ready.as_secs_f64(),
        ..VerifyOutcome::default()
    })
}

/// Verifies every token of `block` as the anchors do: the token in, its
/// verified claims out (`Authorizer::verify_token`: the same checks and
/// verified-token cache as a decision, without the event and the policy);
/// returns the time it took and how many were accepted. The results are kept
/// in `verified` and counted after the clock stops, as the anchors' are.
async fn verify_block(
    authorizer: &Authorizer,
    block: &[String],
    verified: &mut Vec<Result<Arc<Verified>, Reason>>,
) -> (Duration, usize) {
    verified.clear();
    let started = Instant::now();
    for token in block {
        verified.push(authorizer.verify_token(token).await);
    }
    let took = started.elapsed();
    (took, verified.iter().filter(|outcome| outcome.is_ok()).count())
}

/// Runs `program args` pinned to `core` with `taskset`, waits at most
/// `limit`, and reads the [`VerifyOutcome`] on the last line of its output.
pub async fn run_pinned(
    core: &str,
    program: &Path,
    args: &[OsString],
    limit: Duration,
) -> Result<VerifyOutcome, BenchError> {
    let started = Instant::now();
    let child = tokio::process::Command::new("taskset")
        .arg("-c")
        .arg(core)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(BenchError::io(format!("starting {}", program.display())))?;
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .map_err(|_| BenchError::unexpected(format!("{} took over {limit:?}", program.display())))?
        .map_err(BenchError::io(format!("running {}", program.display())))?;
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|line| line.starts_with('{'));
    let Some(line) = line.filter(|_| output.status.success()) else {
        return Err(BenchError::unexpected(format!(
            "{} failed ({}): {}",
            program.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    };
    let mut outcome: VerifyOutcome =
        serde_json::from_str(line).map_err(|e| BenchError::unexpected(format!("{line}: {e}")))?;
    outcome.wall_seconds = wall.as_secs_f64();
    Ok(outcome)
}
