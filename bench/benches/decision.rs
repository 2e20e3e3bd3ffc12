//! Decision cost, in process (issue 6, item 1).
//!
//! Run with `cargo bench -p studio-gate-bench --bench decision`; `bench/run` runs
//! the built benchmark pinned to one core and reads criterion's estimates.
//!
//! Every decision is [`authorizer::Authorizer::authorize`] on a REQUEST event as
//! API Gateway sends it (see `studio_gate_bench::events`), with the keys
//! fetched once from a JWKS on loopback and cached:
//!
//! - `decision/fresh_token`: a token the authorizer has not seen, every
//!   iteration. [`FRESH`] tokens are minted up front; a new authorizer (keys
//!   fetched and cached, outside the timing) takes over every [`FRESH`]
//!   iterations, so no timed decision can be answered from a verified-token cache;
//! - `decision/fresh_token_paired`: the same, with the bare RS256 check of
//!   each token timed just before its decision; the two totals go to
//!   `paired.json` under `CRITERION_HOME`, and their ratio is the goal's
//!   figure, since both were measured over the same stretch of time;
//! - `decision/repeat_token`: the same token again and again;
//! - `decision/repeat_token_small_event`: the same, in a TOKEN event, to show
//!   what reading a full REQUEST event costs;
//! - `decision/refused_expired`, `decision/refused_bad_alg`: tokens refused;
//! - `extract/request_event`, `extract/token_event`: reading the event and the
//!   bearer token out of it, alone;
//! - `verify/parse_and_check`: strict parsing and `Verifier::check` alone, no
//!   event, no policy, fresh tokens;
//! - `rs256/bare_parsed_key`: the floor, SHA-256 and the RSA-2048 verify of
//!   the same token with aws-lc-rs and the key parsed once;
//!   `rs256/bare_key_from_components`: the same with the key built from `n`
//!   and `e` on each call, as jsonwebtoken does.

#![allow(missing_docs, clippy::expect_used)]

use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use authorizer::jwks::KeySet;
use authorizer::verify::{self, Verifier};
use authorizer::{Authorizer, extract};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use standins::jwks_server::JwksServer;
use studio_gate_bench::bare::BareCheck;
use studio_gate_bench::events::{is_allow, request_event, token_event};
use studio_gate_bench::tokens::{self, TokenSet};
use tokio::runtime::Runtime;

/// How many different tokens the fresh-token benchmarks cycle through.
const FRESH: usize = 2000;

struct Fixture {
    runtime: Runtime,
    server: JwksServer,
    jwks: Value,
    tokens: Vec<String>,
    events: Vec<Value>,
    event_texts: Vec<Vec<u8>>,
    bare: Vec<BareCheck>,
    paired: Cell<(Duration, Duration)>,
    expired: Value,
    bad_alg: Value,
}

impl Fixture {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let set = TokenSet::new(3, 100).expect("keys");
        let jwks = set.jwks();
        let server = runtime.block_on(JwksServer::start(jwks.clone())).expect("a JWKS server");
        let tokens = set.mint_many(FRESH, 2).expect("tokens");
        let events: Vec<Value> = tokens.iter().map(|token| request_event(token)).collect();
        let event_texts = events.iter().map(|event| event.to_string().into_bytes()).collect();
        let expired = request_event(&set.expired().expect("an expired token"));
        let bad_alg = request_event(&set.bad_alg().expect("a bad-alg token"));
        let bare = tokens
            .iter()
            .map(|token| BareCheck::new(&jwks, token).expect("the bare check"))
            .collect();
        let paired = Cell::new((Duration::ZERO, Duration::ZERO));
        Self { runtime, server, jwks, tokens, events, event_texts, bare, paired, expired, bad_alg }
    }

    /// A new authorizer with its keys fetched and cached, and no token seen.
    fn authorizer(&self) -> Authorizer {
        let settings = tokens::settings(&self.server.url()).expect("settings");
        let http = authorizer::http_client(&settings.jwks).expect("an http client");
        let authorizer = Authorizer::new(settings, http).expect("an authorizer");
        self.runtime.block_on(authorizer.prefetch_keys());
        authorizer
    }

    /// Times `iters` decisions of `event` by one authorizer.
    fn time_same(&self, authorizer: &Authorizer, event: &Value, iters: u64) -> Duration {
        self.runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                let _ = black_box(authorizer.authorize(black_box(event)).await);
            }
            start.elapsed()
        })
    }

    /// Times `iters` decisions of tokens no authorizer has seen before.
    ///
    /// Each event is read from its JSON text just before its own timed
    /// decision, as the Lambda runtime reads it just before the handler runs,
    /// so the decision starts with its event in the CPU caches as in
    /// production; the reading itself is not timed. Walking 2,000 events built
    /// up front would instead time cache misses on event trees that went cold
    /// since they were built (about 3 µs a decision here).
    fn time_fresh(&self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = usize::try_from(iters).unwrap_or(usize::MAX);
        while left > 0 {
            let authorizer = self.authorizer();
            let batch = &self.event_texts[..left.min(FRESH)];
            total += self.runtime.block_on(async {
                let mut spent = Duration::ZERO;
                for text in batch {
                    let event: Value = serde_json::from_slice(text).expect("an event");
                    let start = Instant::now();
                    let _ = black_box(authorizer.authorize(black_box(&event)).await);
                    spent += start.elapsed();
                }
                spent
            });
            left -= batch.len();
        }
        total
    }
}

impl Fixture {
    /// Like [`Fixture::time_fresh`], and before each decision the bare RS256
    /// check of the same token, timed apart: the two totals, kept in
    /// `paired`, were measured over the same stretch of time, token by token,
    /// so their ratio holds when the machine's speed drifts between benchmarks.
    fn time_fresh_paired(&self, iters: u64) -> Duration {
        let (mut decisions, mut bare) = self.paired.get();
        let mut left = usize::try_from(iters).unwrap_or(usize::MAX);
        while left > 0 {
            let authorizer = self.authorizer();
            let batch = left.min(FRESH);
            self.runtime.block_on(async {
                for (text, check) in self.event_texts[..batch].iter().zip(&self.bare) {
                    let event: Value = serde_json::from_slice(text).expect("an event");
                    let start = Instant::now();
                    black_box(check.verify_parsed());
                    let middle = Instant::now();
                    let _ = black_box(authorizer.authorize(black_box(&event)).await);
                    decisions += middle.elapsed();
                    bare += middle - start;
                }
            });
            left -= batch;
        }
        self.paired.set((decisions, bare));
        decisions
    }
}

/// Writes the paired totals to `paired.json` under `CRITERION_HOME`, for the
/// report: `{"decision_ns": …, "bare_ns": …}`.
fn write_paired(fx: &Fixture) {
    let (decisions, bare) = fx.paired.get();
    let Some(home) = std::env::var_os("CRITERION_HOME") else { return };
    let json = serde_json::json!({
        "decision_ns": decisions.as_nanos() as f64,
        "bare_ns": bare.as_nanos() as f64,
    });
    let path = std::path::Path::new(&home).join("paired.json");
    std::fs::write(&path, json.to_string()).expect("writing paired.json");
}

fn decision(c: &mut Criterion) {
    let fx = Fixture::new();
    {
        let authorizer = fx.authorizer();
        for (event, want) in [(&fx.events[0], true), (&fx.expired, false), (&fx.bad_alg, false)] {
            let answer = fx.runtime.block_on(authorizer.authorize(event));
            assert_eq!(is_allow(&answer), want, "unexpected answer in the benchmark set-up");
        }
    }

    let mut group = c.benchmark_group("decision");
    group.bench_function("fresh_token", |b| b.iter_custom(|iters| fx.time_fresh(iters)));
    group.bench_function("fresh_token_paired", |b| {
        b.iter_custom(|iters| fx.time_fresh_paired(iters));
    });
    write_paired(&fx);
    let same = fx.authorizer();
    let small = token_event(&fx.tokens[0]);
    for (name, event) in [
        ("repeat_token", &fx.events[0]),
        ("repeat_token_small_event", &small),
        ("refused_expired", &fx.expired),
        ("refused_bad_alg", &fx.bad_alg),
    ] {
        let _ = fx.runtime.block_on(same.authorize(event));
        group.bench_function(name, |b| b.iter_custom(|iters| fx.time_same(&same, event, iters)));
    }
    group.finish();

    let mut group = c.benchmark_group("extract");
    for (name, event) in [("request_event", &fx.events[0]), ("token_event", &small)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let request = extract::request(black_box(event)).expect("an authorizer event");
                let authorization = request.authorization.expect("an Authorization value");
                black_box(extract::bearer(authorization).map(str::len).unwrap_or_default())
            });
        });
    }
    group.finish();

    let settings = tokens::settings(&fx.server.url()).expect("settings");
    let verifier = Verifier::new(&settings);
    let keys = KeySet::parse(fx.jwks.to_string().as_bytes()).expect("the JWKS");
    let mut group = c.benchmark_group("verify");
    let mut next = fx.tokens.iter().cycle();
    group.bench_function("parse_and_check", |b| {
        b.iter(|| {
            let token = next.next().map_or("", String::as_str);
            let token = verify::Token::new(black_box(token)).expect("a token");
            let unverified = verify::parse(&token).expect("a parsed token");
            let key = keys.get(unverified.kid()).expect("a known kid");
            black_box(verifier.check(unverified, key).is_ok())
        });
    });
    group.finish();

    let bare = BareCheck::new(&fx.jwks, &fx.tokens[0]).expect("the bare check");
    assert!(bare.verify_parsed() && bare.verify_components());
    let mut group = c.benchmark_group("rs256");
    group.bench_function("bare_parsed_key", |b| b.iter(|| black_box(bare.verify_parsed())));
    group.bench_function("bare_key_from_components", |b| {
        b.iter(|| black_box(bare.verify_components()));
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = decision
}
criterion_main!(benches);
