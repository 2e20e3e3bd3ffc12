//! JWKS faults that `jwks_cache.rs` leaves out, against a real HTTP server on
//! 127.0.0.1: an endpoint that flaps between good and bad, a failing endpoint
//! under concurrent load, a well-formed set with no usable key, and a `kid`
//! that comes back naming another key. In each, no request is allowed on a
//! failure path and the cache recovers without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authorizer::Authorizer;
use authorizer::settings::JwksPolicy;
use serde_json::json;
use standins::jwks_server::{Behaviour, JwksServer};
use standins::keys::{SigningKey, jwks};
use support::{allowed, fetching, id_claims};

fn policy() -> JwksPolicy {
    JwksPolicy {
        ttl: Duration::from_millis(100),
        cooldown: Duration::from_millis(300),
        timeout: Duration::from_millis(500),
        max_bytes: 64 * 1024,
    }
}

/// The kinds of token a load mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Genuine,
    /// Signed by a stranger's key under the pool key's `kid`.
    Forged,
    /// Signed by a key whose `kid` the pool does not have.
    UnknownKid,
    /// Signed by the pool key, expired an hour ago.
    Expired,
}

const KINDS: [Kind; 4] = [Kind::Genuine, Kind::Forged, Kind::UnknownKid, Kind::Expired];

struct Keys {
    pool: SigningKey,
    forger: SigningKey,
    stranger: SigningKey,
}

impl Keys {
    fn new() -> Self {
        Self {
            pool: SigningKey::generate("pool-key").unwrap(),
            forger: SigningKey::generate("pool-key").unwrap(),
            stranger: SigningKey::generate("stranger-key").unwrap(),
        }
    }

    fn token(&self, kind: Kind, n: usize) -> String {
        match kind {
            Kind::Genuine => self.pool.mint(&id_claims(n, 600)),
            Kind::Forged => self.forger.mint(&id_claims(n, 600)),
            Kind::UnknownKid => self.stranger.mint(&id_claims(n, 600)),
            Kind::Expired => self.pool.mint(&id_claims(n, -3600)),
        }
        .unwrap()
    }
}

/// Sends `per_kind` tokens of each kind at once; how many of each were allowed.
/// The tokens are all minted before the first is sent, so the requests of a
/// round arrive together.
async fn round(authorizer: &Arc<Authorizer>, keys: &Keys, per_kind: usize) -> HashMap<Kind, usize> {
    let tokens: Vec<(Kind, String)> =
        (0..per_kind).flat_map(|n| KINDS.map(|kind| (kind, keys.token(kind, n)))).collect();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|(kind, token)| {
            let authorizer = authorizer.clone();
            tokio::spawn(async move { (kind, allowed(&authorizer, &token).await) })
        })
        .collect();
    let mut allowed_by_kind: HashMap<Kind, usize> = KINDS.iter().map(|k| (*k, 0)).collect();
    for task in tasks {
        let (kind, allowed) = task.await.unwrap();
        *allowed_by_kind.get_mut(&kind).unwrap() += usize::from(allowed);
    }
    allowed_by_kind
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flapping_jwks_lets_no_forged_unknown_or_expired_token_in_and_recovers() {
    let keys = Keys::new();
    let server = JwksServer::start(jwks(&[&keys.pool])).await.unwrap();
    server.set_behaviour(Behaviour::Flap(Box::new(Behaviour::SERVER_ERROR)));
    let authorizer = fetching(&server.url(), policy());
    let started = Instant::now();

    for r in 0..6 {
        let allowed = round(&authorizer, &keys, 25).await;
        assert_eq!(allowed[&Kind::Forged], 0, "round {r}: a forged token got in");
        assert_eq!(allowed[&Kind::UnknownKid], 0, "round {r}: an unknown kid got in");
        assert_eq!(allowed[&Kind::Expired], 0, "round {r}: an expired token got in");
        if r == 0 {
            // The first fetch failed and no key is held: fail closed.
            assert_eq!(allowed[&Kind::Genuine], 0, "round 0: allowed without any key");
            assert_eq!(server.fetches(), 1, "100 requests on a cold cache wait on one fetch");
        } else {
            // A good fetch has happened since; failed refreshes keep its keys.
            assert_eq!(allowed[&Kind::Genuine], 25, "round {r}: genuine tokens refused");
        }
        tokio::time::sleep(policy().cooldown + Duration::from_millis(50)).await;
    }
    // No storm: 600 requests, but fetches at least a TTL apart (unknown kids wait
    // for the longer cooldown), however long the rounds took on a busy machine.
    let bound = 1 + started.elapsed().as_millis() / policy().ttl.as_millis();
    let fetches = u128::from(server.fetches());
    assert!(fetches <= bound, "{fetches} fetches, at most {bound} expected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flapping_connection_drops_keep_cached_keys_and_pick_up_a_new_key() {
    let keys = Keys::new();
    let added = SigningKey::generate("added-key").unwrap();
    let server = JwksServer::start(jwks(&[&keys.pool])).await.unwrap();
    let authorizer = fetching(&server.url(), policy());
    assert!(allowed(&authorizer, &keys.token(Kind::Genuine, 0)).await);

    server.set_keys(jwks(&[&keys.pool, &added]));
    server.set_behaviour(Behaviour::Flap(Box::new(Behaviour::Drop)));
    let mut added_allowed = false;
    for n in 0..8 {
        tokio::time::sleep(policy().cooldown + Duration::from_millis(50)).await;
        let allowed_now = round(&authorizer, &keys, 10).await;
        assert_eq!(allowed_now[&Kind::Genuine], 10, "attempt {n}: a held key stopped working");
        assert_eq!(
            allowed_now[&Kind::Forged]
                + allowed_now[&Kind::UnknownKid]
                + allowed_now[&Kind::Expired],
            0
        );
        added_allowed |= allowed(&authorizer, &added.mint(&id_claims(100 + n, 600)).unwrap()).await;
    }
    assert!(added_allowed, "a good fetch between the drops brought the new key in");
}

fn faults() -> Vec<Behaviour> {
    vec![
        Behaviour::Delay(Duration::from_secs(3)),
        Behaviour::SERVER_ERROR,
        Behaviour::Html,
        Behaviour::Garbage(10 * 1024 * 1024),
        Behaviour::Oversized(1024 * 1024),
        Behaviour::Drop,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_jwks_under_200_concurrent_requests_lets_nobody_in_with_one_fetch() {
    let keys = Keys::new();
    for fault in faults() {
        let server = JwksServer::start(jwks(&[&keys.pool])).await.unwrap();
        server.set_behaviour(fault.clone());
        let long_ttl = JwksPolicy { ttl: Duration::from_secs(3600), ..policy() };
        let authorizer = fetching(&server.url(), long_ttl);

        let allowed = round(&authorizer, &keys, 50).await;
        assert!(allowed.values().all(|n| *n == 0), "{fault:?}: {allowed:?}");
        assert_eq!(server.fetches(), 1, "{fault:?}: one fetch however many wait");

        server.set_behaviour(Behaviour::Serve);
        tokio::time::sleep(policy().cooldown + Duration::from_millis(50)).await;
        let recovering = Instant::now();
        let allowed = round(&authorizer, &keys, 50).await;
        assert_eq!(allowed[&Kind::Genuine], 50, "{fault:?}: no recovery without a restart");
        assert_eq!(
            allowed[&Kind::Forged] + allowed[&Kind::UnknownKid] + allowed[&Kind::Expired],
            0
        );
        // The good fetch, then at most one refetch for the unknown kid per cooldown.
        let bound = 2 + 1 + recovering.elapsed().as_millis() / policy().cooldown.as_millis();
        let fetches = u128::from(server.fetches());
        assert!(fetches <= bound, "{fault:?}: {fetches} fetches, at most {bound} expected");
    }
}

#[tokio::test]
async fn well_formed_set_without_a_usable_key_is_a_failure_and_keeps_the_held_keys() {
    let keys = Keys::new();
    let server = JwksServer::start(jwks(&[&keys.pool])).await.unwrap();
    let authorizer = fetching(&server.url(), policy());
    assert!(allowed(&authorizer, &keys.token(Kind::Genuine, 0)).await);

    let mut encryption_only = keys.stranger.jwk();
    encryption_only["use"] = json!("enc");
    let unusable = [
        json!({"keys": []}),
        json!({"keys": [encryption_only]}),
        json!({"keys": "none"}),
        json!({"keys": [keys.forger.jwk(), keys.forger.jwk()]}),
    ];
    for body in unusable {
        server.set_keys(body.clone());
        tokio::time::sleep(policy().cooldown + Duration::from_millis(50)).await;
        let before = server.fetches();
        assert!(allowed(&authorizer, &keys.token(Kind::Genuine, 1)).await, "{body}");
        assert!(server.fetches() > before, "{body}: the set was fetched again");
        assert!(!allowed(&authorizer, &keys.token(Kind::Forged, 2)).await, "{body}");
        assert!(!allowed(&authorizer, &keys.token(Kind::UnknownKid, 3)).await, "{body}");
    }
}

#[tokio::test]
async fn kid_that_comes_back_naming_another_key_refuses_the_old_keys_tokens_even_cached() {
    let old = SigningKey::generate("rotating").unwrap();
    let new = SigningKey::generate("rotating").unwrap();
    let server = JwksServer::start(jwks(&[&old])).await.unwrap();
    let authorizer = fetching(&server.url(), policy());
    let old_token = old.mint(&id_claims(0, 600)).unwrap();
    assert!(allowed(&authorizer, &old_token).await);
    assert!(allowed(&authorizer, &old_token).await, "answered from the verified-token cache");

    server.set_keys(jwks(&[&new]));
    tokio::time::sleep(policy().ttl + Duration::from_millis(100)).await;
    assert!(!allowed(&authorizer, &old_token).await, "the cache outlived the key behind its kid");
    assert!(!allowed(&authorizer, &old.mint(&id_claims(1, 600)).unwrap()).await);
    assert!(allowed(&authorizer, &new.mint(&id_claims(2, 600)).unwrap()).await);
}
