//! Where a fresh decision's time goes: each step of `Authorizer::authorize`
//! timed alone over the same fresh tokens, then the whole decision.
//!
//! `cargo run --release -p studio-gate-bench --example steps` (pin it with
//! `taskset -c 1` for steadier figures). A diagnostic, not part of `bench/run`.

#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use authorizer::jwks::{Jwks, KeySet};
use authorizer::verified::{Verified, VerifiedCache};
use authorizer::verify::{self, Token, Verifier};
use authorizer::{Authorizer, extract};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerResponse;
use serde_json::Value;
use shared::{AuthorizerContext, CognitoClaims, StudioUserProfileName};
use studio_gate_bench::events::request_event;
use studio_gate_bench::tokens::{self, TokenSet};

const N: usize = 2000;

fn time(name: &str, mut step: impl FnMut(usize)) {
    for i in 0..N.min(200) {
        step(i);
    }
    let start = Instant::now();
    for i in 0..N {
        step(i);
    }
    println!("{name:<40} {:>8.2} µs", start.elapsed().as_secs_f64() * 1e6 / N as f64);
}

/// The context and Allow policy for `claims`, as the authorizer builds them.
fn allow(claims: &CognitoClaims) -> ApiGatewayCustomAuthorizerResponse {
    let context = AuthorizerContext {
        profile: StudioUserProfileName::parse(
            claims.claim_str("custom:studio_user_profile").unwrap(),
        )
        .unwrap(),
        sub: claims.sub.clone(),
        username: claims.user_name().unwrap_or_default().to_owned(),
        groups: claims.groups.clone(),
    };
    shared::allow_policy(&claims.sub, "arn".to_owned(), context.to_fields())
}

fn time_hot(name: &str, mut step: impl FnMut()) {
    for _ in 0..1000 {
        step();
    }
    let start = Instant::now();
    for _ in 0..20_000 {
        step();
    }
    println!("{name:<40} {:>8.3} µs", start.elapsed().as_secs_f64() * 1e6 / 20_000.0);
}

fn main() {
    let set = TokenSet::new(3, 1000).unwrap();
    let tokens = set.mint_many(N, 2).unwrap();
    let events: Vec<Value> = tokens.iter().map(|t| request_event(t)).collect();
    let settings = tokens::settings("http://127.0.0.1:9/unused").unwrap();
    let keys = KeySet::parse(set.jwks().to_string().as_bytes()).unwrap();
    let verifier = Verifier::new(&settings);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    time("extract (REQUEST event)", |i| {
        let request = extract::request(black_box(&events[i])).unwrap();
        black_box(extract::bearer(request.authorization.unwrap()).map(str::len).unwrap());
    });
    time("Token::new (split)", |i| {
        black_box(Token::new(black_box(&tokens[i])).unwrap());
    });
    let parsed: Vec<Token<'_>> = tokens.iter().map(|t| Token::new(t).unwrap()).collect();
    time("verify::parse (with the SHA-256)", |i| {
        black_box(verify::parse(black_box(&parsed[i])).unwrap());
    });
    time("parse + Verifier::check", |i| {
        let unverified = verify::parse(&parsed[i]).unwrap();
        let key = keys.get(unverified.kid()).unwrap();
        black_box(verifier.check(unverified, key).unwrap());
    });
    let claims: Vec<_> = parsed
        .iter()
        .map(|t| {
            let unverified = verify::parse(t).unwrap();
            let kid = unverified.kid().to_owned();
            let key = Arc::clone(keys.get(&kid).unwrap());
            (verifier.check(unverified, &key).unwrap(), kid, key)
        })
        .collect();
    let cache = VerifiedCache::new(settings.verified_cache_entries, 0);
    time("verified cache: miss + insert", |i| {
        black_box(cache.get(&parsed[i]));
        let (claims, kid, key) = claims[i].clone();
        let token = parsed[i].text().into();
        cache.insert(&parsed[i], Arc::new(Verified { claims, kid, key, token }));
    });
    time("verified cache: hit", |i| {
        black_box(cache.get(&parsed[i]).unwrap());
    });
    let jwks = Jwks::pinned(keys.clone(), settings.jwks.clone());
    time("Jwks::key (pinned)", |i| {
        black_box(runtime.block_on(jwks.key(&claims[i].1)).unwrap());
    });
    time("context + allow policy", |i| {
        black_box(allow(&claims[i].0));
    });
    println!("-- the same input again and again (hot caches)");
    time_hot("extract (REQUEST event)", || {
        let request = extract::request(black_box(&events[0])).unwrap();
        black_box(extract::bearer(request.authorization.unwrap()).map(str::len).unwrap());
    });
    time_hot("Token::new (split)", || {
        black_box(Token::new(black_box(&tokens[0])).unwrap());
    });
    time_hot("verified cache: hit", || {
        black_box(cache.get(&parsed[0]).unwrap());
    });
    time_hot("Jwks::key (pinned)", || {
        black_box(runtime.block_on(jwks.key(&claims[0].1)).unwrap());
    });
    time_hot("context + allow policy", || {
        black_box(allow(&claims[0].0));
    });
    println!("--");
    let authorizer =
        Authorizer::with_keys(settings.clone(), Jwks::pinned(keys.clone(), settings.jwks.clone()));
    time("whole decision, fresh tokens", |i| {
        black_box(runtime.block_on(authorizer.authorize(&events[i])).unwrap());
    });
    time("whole decision, repeat tokens", |i| {
        black_box(runtime.block_on(authorizer.authorize(&events[i])).unwrap());
    });
}
