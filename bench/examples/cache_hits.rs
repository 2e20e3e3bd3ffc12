//! How often the verified-token cache answers a repeat token, block by block.
//!
//! Run with:
//!
//! ```text
//! cargo run --release -p studio-gate-bench --example cache_hits -- [tokens] [block]
//! ```
//!
//! The same pattern as item 2 of `bench/run` (default 6,000 tokens in blocks of
//! 1,000: each block decided once, then again), with the keys pinned, and
//! counting the decisions the authorizer logs with `cached = true`. It shows
//! whether tokens keep being admitted once the cache is full.

#![allow(clippy::expect_used)]

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use authorizer::jwks::KeySet;
use authorizer::{Authorizer, Jwks};
use studio_gate_bench::events::request_event;
use studio_gate_bench::tokens::{self, TokenSet};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};

/// Decisions logged with `cached = true`.
static HITS: AtomicUsize = AtomicUsize::new(0);

struct CachedField;

impl Visit for CachedField {
    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "cached" && value {
            HITS.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

struct CountHits;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountHits {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        event.record(&mut CachedField);
    }
}

fn main() {
    let registry = tracing_subscriber::registry().with(CountHits);
    tracing::subscriber::set_global_default(registry).expect("the only subscriber");
    let mut args = std::env::args().skip(1).map(|arg| arg.parse::<usize>().ok());
    let count = args.next().flatten().unwrap_or(6000);
    let block = args.next().flatten().unwrap_or(1000).max(1);

    let set = TokenSet::new(3, 1000).expect("keys");
    let minted = set.mint_many(count, 2).expect("tokens");
    let settings = tokens::settings("http://127.0.0.1:9/unused").expect("settings");
    let keys = KeySet::parse(set.jwks().to_string().as_bytes()).expect("the JWKS");
    let policy = settings.jwks.clone();
    let capacity = settings.verified_cache_entries;
    let authorizer = Authorizer::with_keys(settings, Jwks::pinned(keys, policy));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime");

    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "cache capacity {capacity}; {count} tokens in blocks of {block}");
    runtime.block_on(async {
        for (n, chunk) in minted.chunks(block).enumerate() {
            let events: Vec<_> = chunk.iter().map(|token| request_event(token)).collect();
            for event in &events {
                let _ = authorizer.authorize(event).await;
            }
            let before = HITS.load(Ordering::Relaxed);
            for event in &events {
                let _ = authorizer.authorize(event).await;
            }
            let hits = HITS.load(Ordering::Relaxed) - before;
            let _ =
                writeln!(out, "block {n}: {hits}/{} repeats answered from the cache", chunk.len());
        }
    });
}
