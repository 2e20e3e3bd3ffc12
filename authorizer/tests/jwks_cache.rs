//! The JWKS cache against a real HTTP server on 127.0.0.1: how many fetches
//! leave the authorizer, and what it answers when the server misbehaves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authorizer::settings::JwksPolicy;
use authorizer::{Authorizer, Settings, Unauthorized};
use aws_lambda_events::iam::IamPolicyEffect;
use serde_json::{Value, json};
use standins::jwks_server::{Behaviour, JwksServer};
use standins::keys::{SigningKey, jwks};

const POOL: &str = "eu-west-1_AbC123xyZ";
const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url";

fn policy() -> JwksPolicy {
    JwksPolicy {
        ttl: Duration::from_secs(3600),
        cooldown: Duration::from_millis(300),
        timeout: Duration::from_millis(500),
        max_bytes: 64 * 1024,
    }
}

fn authorizer(url: &str, policy: JwksPolicy) -> Arc<Authorizer> {
    let vars: HashMap<&str, String> = HashMap::from([
        ("USER_POOL_ID", POOL.to_owned()),
        ("APP_CLIENT_IDS", "client1".to_owned()),
        ("JWKS_URL", url.to_owned()),
    ]);
    let mut settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
    settings.jwks = policy;
    let http = authorizer::http_client(&settings.jwks).unwrap();
    Arc::new(Authorizer::new(settings, http).unwrap())
}

fn claims(n: usize) -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    json!({
        "sub": format!("sub-{n}"),
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "aud": "client1",
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 600,
        "cognito:username": format!("user{n}"),
        "custom:studio_user_profile": format!("user{n}"),
    })
}

fn event(token: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"Authorization": format!("Bearer {token}")},
        "requestContext": {"identity": {}}
    })
}

async fn allowed(authorizer: &Authorizer, token: &str) -> bool {
    match authorizer.authorize(&event(token)).await {
        Ok(answer) => answer.policy_document.statement[0].effect == IamPolicyEffect::Allow,
        Err(Unauthorized) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_verifications_on_a_cold_cache_make_one_fetch() {
    let key = SigningKey::generate("k1").unwrap();
    let server = JwksServer::start(jwks(&[&key])).await.unwrap();
    server.set_behaviour(Behaviour::Delay(Duration::from_millis(100)));
    let authorizer = authorizer(&server.url(), policy());

    let tasks: Vec<_> = (0..100)
        .map(|n| {
            let authorizer = authorizer.clone();
            let token = key.mint(&claims(n)).unwrap();
            tokio::spawn(async move { allowed(&authorizer, &token).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap());
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_unknown_kid_tokens_make_one_refetch_while_known_keys_keep_working() {
    let key = SigningKey::generate("k1").unwrap();
    let stranger = SigningKey::generate("not-in-the-set").unwrap();
    let server = JwksServer::start(jwks(&[&key])).await.unwrap();
    let authorizer = authorizer(&server.url(), policy());
    assert!(allowed(&authorizer, &key.mint(&claims(0)).unwrap()).await);
    assert_eq!(server.fetches(), 1);
    tokio::time::sleep(policy().cooldown + Duration::from_millis(50)).await;

    let unknown = stranger.mint(&claims(1)).unwrap();
    let known = key.mint(&claims(2)).unwrap();
    let tasks: Vec<_> = (0..500)
        .map(|n| {
            let authorizer = authorizer.clone();
            let token = if n % 5 == 0 { known.clone() } else { unknown.clone() };
            tokio::spawn(async move { (n % 5 == 0, allowed(&authorizer, &token).await) })
        })
        .collect();
    for task in tasks {
        let (is_known, allowed) = task.await.unwrap();
        assert_eq!(allowed, is_known);
    }
    assert_eq!(server.fetches(), 2, "one initial fetch and one refetch for the unknown kid");
}

#[tokio::test]
async fn unknown_kid_right_after_a_fetch_does_not_fetch_again() {
    let key = SigningKey::generate("k1").unwrap();
    let stranger = SigningKey::generate("k2").unwrap();
    let server = JwksServer::start(jwks(&[&key])).await.unwrap();
    let slow = JwksPolicy { cooldown: Duration::from_secs(10), ..policy() };
    let authorizer = authorizer(&server.url(), slow);
    for n in 0..50 {
        assert!(!allowed(&authorizer, &stranger.mint(&claims(n)).unwrap()).await);
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn key_added_to_the_set_is_picked_up_after_one_refetch() {
    let old = SigningKey::generate("old").unwrap();
    let new = SigningKey::generate("new").unwrap();
    let server = JwksServer::start(jwks(&[&old])).await.unwrap();
    let authorizer = authorizer(&server.url(), policy());
    assert!(allowed(&authorizer, &old.mint(&claims(0)).unwrap()).await);

    server.set_keys(jwks(&[&old, &new]));
    tokio::time::sleep(policy().cooldown + Duration::from_millis(50)).await;
    assert!(allowed(&authorizer, &new.mint(&claims(1)).unwrap()).await);
    assert!(allowed(&authorizer, &old.mint(&claims(2)).unwrap()).await);
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn key_set_is_fetched_again_after_the_ttl() {
    let key = SigningKey::generate("k1").unwrap();
    let server = JwksServer::start(jwks(&[&key])).await.unwrap();
    let short = JwksPolicy { ttl: Duration::from_millis(200), ..policy() };
    let authorizer = authorizer(&server.url(), short);
    assert!(allowed(&authorizer, &key.mint(&claims(0)).unwrap()).await);
    assert!(allowed(&authorizer, &key.mint(&claims(1)).unwrap()).await);
    assert_eq!(server.fetches(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(allowed(&authorizer, &key.mint(&claims(2)).unwrap()).await);
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn key_removed_from_the_set_stops_working_after_the_ttl() {
    let old = SigningKey::generate("old").unwrap();
    let new = SigningKey::generate("new").unwrap();
    let server = JwksServer::start(jwks(&[&old, &new])).await.unwrap();
    let short = JwksPolicy { ttl: Duration::from_millis(200), ..policy() };
    let authorizer = authorizer(&server.url(), short);
    assert!(allowed(&authorizer, &old.mint(&claims(0)).unwrap()).await);

    server.set_keys(jwks(&[&new]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!allowed(&authorizer, &old.mint(&claims(1)).unwrap()).await);
    assert!(allowed(&authorizer, &new.mint(&claims(2)).unwrap()).await);
}

fn faults() -> Vec<Behaviour> {
    vec![
        Behaviour::Delay(Duration::from_secs(3)),
        Behaviour::Status(500),
        Behaviour::Status(404),
        Behaviour::Html,
        Behaviour::Garbage(10 * 1024 * 1024),
        Behaviour::Oversized(1024 * 1024),
        Behaviour::Drop,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_jwks_on_a_cold_cache_lets_nobody_in() {
    let key = SigningKey::generate("k1").unwrap();
    for fault in faults() {
        let server = JwksServer::start(jwks(&[&key])).await.unwrap();
        server.set_behaviour(fault.clone());
        let authorizer = authorizer(&server.url(), policy());
        let started = std::time::Instant::now();
        assert!(!allowed(&authorizer, &key.mint(&claims(0)).unwrap()).await, "{fault:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{fault:?} took {:?}",
            started.elapsed()
        );
        assert_eq!(server.fetches(), 1, "{fault:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_jwks_keeps_cached_keys_working_and_recovers_without_restart() {
    let key = SigningKey::generate("k1").unwrap();
    let added = SigningKey::generate("k2").unwrap();
    let short = JwksPolicy { ttl: Duration::from_millis(100), ..policy() };
    for fault in faults() {
        let server = JwksServer::start(jwks(&[&key])).await.unwrap();
        let authorizer = authorizer(&server.url(), short.clone());
        assert!(allowed(&authorizer, &key.mint(&claims(0)).unwrap()).await);

        server.set_keys(jwks(&[&key, &added]));
        server.set_behaviour(fault.clone());
        tokio::time::sleep(short.cooldown + Duration::from_millis(50)).await;
        assert!(allowed(&authorizer, &key.mint(&claims(1)).unwrap()).await, "{fault:?}");
        assert!(!allowed(&authorizer, &added.mint(&claims(2)).unwrap()).await, "{fault:?}");
        let during = server.fetches();
        for n in 0..20 {
            assert!(allowed(&authorizer, &key.mint(&claims(n)).unwrap()).await);
        }
        assert_eq!(server.fetches(), during, "{fault:?}: no retry before the cooldown");

        server.set_behaviour(Behaviour::Serve);
        tokio::time::sleep(short.cooldown + Duration::from_millis(50)).await;
        assert!(allowed(&authorizer, &added.mint(&claims(3)).unwrap()).await, "{fault:?}");
    }
}

#[tokio::test]
async fn alg_none_and_foreign_key_urls_fetch_nothing_from_anywhere() {
    let key = SigningKey::generate("k1").unwrap();
    let attacker_key = SigningKey::generate("k1").unwrap();
    let server = JwksServer::start(jwks(&[&key])).await.unwrap();
    let attacker = JwksServer::start(jwks(&[&attacker_key])).await.unwrap();
    let authorizer = authorizer(&server.url(), policy());

    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "kid": "k1"}).to_string();
        let token = format!(
            "{}.{}.",
            standins::keys::b64url(header),
            standins::keys::b64url(claims(0).to_string())
        );
        assert!(!allowed(&authorizer, &token).await);
    }
    assert_eq!(server.fetches(), 0, "alg none is refused before any key is fetched");

    let header = json!({
        "alg": "RS256",
        "kid": "k1",
        "jku": attacker.url(),
        "x5u": attacker.url(),
        "jwk": attacker_key.jwk()
    });
    let token = attacker_key.sign_parts(&header.to_string(), &claims(1).to_string()).unwrap();
    assert!(!allowed(&authorizer, &token).await);
    assert_eq!(attacker.fetches(), 0);
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn cached_token_stops_working_when_its_key_leaves_the_set() {
    let old = SigningKey::generate("old").unwrap();
    let new = SigningKey::generate("new").unwrap();
    let server = JwksServer::start(jwks(&[&old, &new])).await.unwrap();
    let short = JwksPolicy { ttl: Duration::from_millis(200), ..policy() };
    let authorizer = authorizer(&server.url(), short);
    let token = old.mint(&claims(0)).unwrap();
    assert!(allowed(&authorizer, &token).await);
    assert!(allowed(&authorizer, &token).await);

    server.set_keys(jwks(&[&new]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!allowed(&authorizer, &token).await, "the verified-token cache outlived its key");
}
