//! Load through the local API: 20,000 requests, 200 at a time, through the
//! gateway stand-in running the real authorizer and presign handlers, with a mix
//! of genuine, expired, forged and profile-less tokens. Every answer is checked
//! and counted; memory is read after a warm-up and at the end; the Cognito
//! stand-in counts the JWKS fetches.
//!
//! The gateway's authorizer cache is off, so every request reaches the
//! authorizer. Memory and counts are printed (`--nocapture` shows them); only a
//! generous bound on growth is asserted, and nothing about time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use e2e::{start_stack, unix_now};
use local::gateway::PRESIGNED_URL_PATH;
use local::stack::{DEMO_USER, NO_PROFILE_USER};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::TokenUse;
use standins::keys::SigningKey;

/// Requests in all, warm-up included, unless `STUDIO_GATE_LOAD_REQUESTS` says
/// otherwise (at least [`WARM_UP`] plus one).
const REQUESTS: usize = 20_000;
/// Requests sent before memory is first read.
const WARM_UP: usize = 2_000;
/// Requests in flight at once.
const CONCURRENCY: usize = 200;
/// Distinct tokens of each kind; each is sent several times.
const TOKENS_PER_KIND: usize = 250;
/// How much the resident set may grow between the warm-up and the end. Far more
/// than the stand-ins' own records of 18,000 requests need; a leak of a few
/// kilobytes per request would pass it.
const MAX_GROWTH_KIB: u64 = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A genuine ID token of a user with a Studio profile: 200 with a URL.
    Genuine,
    /// Expired two hours ago: 401.
    Expired,
    /// Signed by a stranger's key under the pool key's `kid`: 401.
    Forged,
    /// A genuine token of a user without a profile: 403.
    NoProfile,
}

/// Kinds in the order requests cycle through them: half genuine.
const MIX: [Kind; 6] =
    [Kind::Genuine, Kind::Expired, Kind::Genuine, Kind::Forged, Kind::Genuine, Kind::NoProfile];

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Whether `status` and `body` are the right answer for a token of `kind`.
fn right(kind: Kind, status: StatusCode, body: &Value, url_prefix: &str) -> bool {
    match kind {
        Kind::Genuine => {
            status == StatusCode::OK
                && body["url"].as_str().is_some_and(|url| url.starts_with(url_prefix))
                && body["expiresAt"].is_string()
        }
        Kind::Expired | Kind::Forged => {
            status == StatusCode::UNAUTHORIZED && *body == json!({"message": "Unauthorized"})
        }
        Kind::NoProfile => status == StatusCode::FORBIDDEN,
    }
}

#[derive(Default)]
struct Tally {
    sent: BTreeMap<Kind, usize>,
    right: BTreeMap<Kind, usize>,
    wrong: Vec<String>,
}

/// Sends requests `from..to` of the plan, `CONCURRENCY` at a time.
async fn send(
    url: Arc<String>,
    plan: Arc<Vec<(Kind, String)>>,
    from: usize,
    to: usize,
    url_prefix: Arc<String>,
) -> Tally {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(from));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, url, plan, next, prefix) =
                (client.clone(), url.clone(), plan.clone(), next.clone(), url_prefix.clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= to {
                        return tally;
                    }
                    let (kind, token) = &plan[n % plan.len()];
                    let response = client
                        .get(url.as_str())
                        .bearer_auth(token)
                        .header("accept", "application/json")
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap())
                        .unwrap_or_default();
                    *tally.sent.entry(*kind).or_default() += 1;
                    if right(*kind, status, &body, &prefix) {
                        *tally.right.entry(*kind).or_default() += 1;
                    } else if tally.wrong.len() < 5 {
                        // Never the token or the URL: the kind, the status and the error.
                        tally.wrong.push(format!("{kind:?} got {status} {}", body["message"]));
                    }
                }
            })
        })
        .collect();
    let mut all = Tally::default();
    for worker in workers {
        let tally = worker.await.unwrap();
        for (kind, n) in tally.sent {
            *all.sent.entry(kind).or_default() += n;
        }
        for (kind, n) in tally.right {
            *all.right.entry(kind).or_default() += n;
        }
        all.wrong.extend(tally.wrong);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_mixed_requests_are_each_answered_right_without_a_leak_or_a_fetch_storm() {
    let requests = std::env::var("STUDIO_GATE_LOAD_REQUESTS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(REQUESTS, |n| n.max(WARM_UP + 1));
    let stack = start_stack(|config| {
        config.gateway.authorizer_cache_ttl = Duration::ZERO;
    })
    .await;
    let cognito = stack.cognito().unwrap();
    let pool = cognito.pool();
    let forger = SigningKey::generate(pool.key().kid()).unwrap();
    let fetches_at_start = cognito.jwks().fetches();

    let mint = |kind: Kind| {
        let user = if kind == Kind::NoProfile { NO_PROFILE_USER } else { DEMO_USER };
        let builder = pool.token(user, TokenUse::Id).unwrap();
        match kind {
            Kind::Genuine | Kind::NoProfile => builder.mint(),
            Kind::Expired => builder.issued_at(unix_now() - 7200).mint(),
            Kind::Forged => builder.signed_with(&forger).mint(),
        }
        .unwrap()
    };
    let started = Instant::now();
    let mut by_kind: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for kind in [Kind::Genuine, Kind::Expired, Kind::Forged, Kind::NoProfile] {
        by_kind.insert(kind, (0..TOKENS_PER_KIND).map(|_| mint(kind)).collect());
    }
    // Request n sends kind MIX[n % 6], each kind's tokens in turn.
    let mut used: BTreeMap<Kind, usize> = BTreeMap::new();
    let plan: Vec<(Kind, String)> = (0..requests)
        .map(|n| {
            let kind = MIX[n % MIX.len()];
            let i = used.entry(kind).or_default();
            *i += 1;
            (kind, by_kind[&kind][*i % TOKENS_PER_KIND].clone())
        })
        .collect();
    let minting = started.elapsed();

    let url = Arc::new(stack.gateway().url(PRESIGNED_URL_PATH));
    let prefix = Arc::new(format!(
        "https://{}.studio.eu-west-1.sagemaker.aws/auth?token=",
        stack.domain_id()
    ));
    let plan = Arc::new(plan);

    let started = Instant::now();
    let warm = send(url.clone(), plan.clone(), 0, WARM_UP, prefix.clone()).await;
    let rss_after_warm_up = rss_kib();
    let main = send(url, plan, WARM_UP, requests, prefix).await;
    let rss_at_end = rss_kib();
    let elapsed = started.elapsed();

    let mut sent: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut right: BTreeMap<Kind, usize> = BTreeMap::new();
    for tally in [&warm, &main] {
        for (kind, n) in &tally.sent {
            *sent.entry(*kind).or_default() += n;
        }
        for (kind, n) in &tally.right {
            *right.entry(*kind).or_default() += n;
        }
    }
    let fetches = cognito.jwks().fetches() - fetches_at_start;
    let minted = stack.sagemaker().unwrap().minted().len();
    println!(
        "load: {requests} requests, {CONCURRENCY} concurrent, tokens minted in {minting:?}, sent in {elapsed:?}"
    );
    for (kind, n) in &sent {
        println!("load: {kind:?}: {n} sent, {} answered right", right.get(kind).unwrap_or(&0));
    }
    println!(
        "load: VmRSS {rss_after_warm_up} KiB after {WARM_UP} requests, {rss_at_end} KiB after {requests} ({:+} KiB)",
        rss_at_end as i64 - rss_after_warm_up as i64
    );
    println!("load: JWKS fetches during the run: {fetches}; URLs minted: {minted}");

    assert!(warm.wrong.is_empty() && main.wrong.is_empty(), "{:?} {:?}", warm.wrong, main.wrong);
    assert_eq!(sent.values().sum::<usize>(), requests);
    assert_eq!(sent, right, "every answer right");
    assert_eq!(sent[&Kind::Genuine], requests.div_ceil(2));
    assert_eq!(minted, sent[&Kind::Genuine], "one URL per genuine request, none for the others");
    assert_eq!(fetches, 0, "the keys fetched at start served every request");
    assert!(
        rss_at_end <= rss_after_warm_up + MAX_GROWTH_KIB,
        "resident set grew from {rss_after_warm_up} KiB to {rss_at_end} KiB"
    );
}
