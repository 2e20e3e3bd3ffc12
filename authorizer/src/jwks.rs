//! The user pool's signing keys, fetched and cached.
//!
//! Keys come from one place only, set at start (`JWKS_URL`, the pool's JWKS, or
//! `JWKS_FILE`); nothing a token names is ever fetched. The cache is a moka
//! cache with one entry, the current key set:
//!
//! - **one fetch at a time**: however many requests find the cache empty, they
//!   wait on the same fetch;
//! - **refresh after a TTL**: a fetched set lives for [`JwksPolicy::ttl`];
//! - **unknown `kid`**: the set is fetched again, at most once per
//!   [`JwksPolicy::cooldown`] counted from the last fetch of any kind, while
//!   requests with known keys go on being served;
//! - **failures fail closed**: a fetch that times out, answers non-200, sends
//!   more than [`JwksPolicy::max_bytes`] or a body that is not a usable JWKS
//!   leaves the keys already held in service, and is not retried before the
//!   cooldown; a key the authorizer does not hold is never trusted.
//!
//! # Concurrency
//!
//! `moka::future::Cache::get_with` runs one loader per key and makes the other
//! callers wait for its result; the cooldown is a timestamp under a mutex that
//! is held only to read and set it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_lc_rs::digest::Digest;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use moka::Expiry;
use moka::future::Cache;
use serde::Deserialize;
use tracing::{debug, warn};

use crate::settings::{JwksPolicy, KeySource};

/// Fewest bytes in an accepted RSA modulus (2048 bits).
const MIN_MODULUS_BYTES: usize = 256;
/// Most bytes in an accepted RSA modulus (8192 bits).
const MAX_MODULUS_BYTES: usize = 1024;

/// One RSA public key of the pool, parsed once when the key set is read, so
/// that a check costs the RSA operation and nothing to rebuild the key.
pub struct PublicKey {
    parsed: ParsedPublicKey,
    modulus_bits: usize,
}

impl PublicKey {
    /// The key with modulus `n` and public exponent `e` (big-endian bytes), for
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RS256); `None` unless the modulus has
    /// 2048 to 8192 bits and aws-lc accepts the pair.
    pub fn rs256(n: &[u8], e: &[u8]) -> Option<Self> {
        let n = trim_leading_zeros(n);
        let e = trim_leading_zeros(e);
        if !(MIN_MODULUS_BYTES..=MAX_MODULUS_BYTES).contains(&n.len()) || e.is_empty() {
            return None;
        }
        let parsed = RsaPublicKeyComponents { n, e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .ok()?;
        Some(Self { parsed, modulus_bits: n.len() * 8 - n[0].leading_zeros() as usize })
    }

    /// Whether `signature` is this key's RS256 signature of the message whose
    /// SHA-256 is `digest`.
    pub fn verifies(&self, digest: &Digest, signature: &[u8]) -> bool {
        self.parsed.verify_digest_sig(digest, signature).is_ok()
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey").field("modulus_bits", &self.modulus_bits).finish()
    }
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// The keys of one JWKS document, by `kid`.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, Arc<PublicKey>>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("KeySet").field("kids", &kids).finish()
    }
}

/// Why a JWKS document was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// When the request failed: connection, timeout, or reading the body.
    #[error("jwks request failed: {0}")]
    Request(#[from] reqwest::Error),
    /// When the server answered anything but 200.
    #[error("jwks answered status {0}")]
    Status(u16),
    /// When the body is larger than the cap.
    #[error("jwks body is larger than {0} bytes")]
    TooLarge(usize),
    /// When the body is not a JWKS document with at least one usable RSA key.
    #[error("jwks body is not a usable key set: {0}")]
    Malformed(String),
    /// When `JWKS_FILE` could not be read.
    #[error("jwks file could not be read: {0}")]
    File(#[from] std::io::Error),
}

/// Why no key was found for a `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// When the key set is current and does not hold the `kid`.
    #[error("no key has this kid")]
    UnknownKid,
    /// When no current key set could be fetched and the keys held lack the `kid`.
    #[error("the key set could not be fetched")]
    Unavailable,
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<serde_json::Value>,
}

/// One JWK, with the members this verifier reads.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl KeySet {
    /// Parses a JWKS document. Keys that are not RSA signing keys for RS256
    /// (`kty` RSA; `use` sig and `alg` RS256 where present; a 2048 to 8192 bit
    /// modulus) are left out; a `kid` that appears twice is left out entirely,
    /// since it could name either key. A document with no usable key is refused.
    pub fn parse(body: &[u8]) -> Result<Self, JwksError> {
        let document: Document =
            serde_json::from_slice(body).map_err(|e| JwksError::Malformed(e.to_string()))?;
        let mut keys: HashMap<String, Arc<PublicKey>> = HashMap::new();
        let mut ambiguous = Vec::new();
        for value in document.keys {
            let Some((kid, key)) = usable_key(value) else { continue };
            if keys.insert(kid.clone(), Arc::new(key)).is_some() {
                ambiguous.push(kid);
            }
        }
        for kid in ambiguous {
            debug!(kid = %kid, "jwks holds this kid twice; neither key is used");
            keys.remove(&kid);
        }
        if keys.is_empty() {
            return Err(JwksError::Malformed("no RS256 signing key".into()));
        }
        Ok(Self { keys })
    }

    /// The key called `kid`, matched exactly.
    pub fn get(&self, kid: &str) -> Option<&Arc<PublicKey>> {
        self.keys.get(kid)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn usable_key(value: serde_json::Value) -> Option<(String, PublicKey)> {
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if jwk.kty != "RSA"
        || jwk.use_.as_deref().is_some_and(|u| u != "sig")
        || jwk.alg.as_deref().is_some_and(|a| a != "RS256")
    {
        return None;
    }
    let kid = jwk.kid.filter(|kid| !kid.is_empty())?;
    let n = URL_SAFE_NO_PAD.decode(jwk.n?).ok()?;
    let e = URL_SAFE_NO_PAD.decode(jwk.e?).ok()?;
    Some((kid, PublicKey::rs256(&n, &e)?))
}

/// A key set and whether it came from a fetch that succeeded.
struct Snapshot {
    keys: Arc<KeySet>,
    fresh: bool,
}

/// A fresh set lives for the TTL; the stale one kept after a failed fetch only
/// until the cooldown has passed and a fetch may be tried again.
struct SnapshotExpiry {
    ttl: Duration,
    retry: Duration,
}

impl Expiry<(), Arc<Snapshot>> for SnapshotExpiry {
    fn expire_after_create(
        &self,
        _: &(),
        snapshot: &Arc<Snapshot>,
        _: Instant,
    ) -> Option<Duration> {
        Some(if snapshot.fresh { self.ttl } else { self.retry })
    }
}

/// The signing keys, from a URL through the cache or pinned from a file.
pub struct Jwks {
    source: Source,
    policy: JwksPolicy,
}

enum Source {
    Pinned(Arc<KeySet>),
    Fetched(Fetcher),
}

struct Fetcher {
    url: String,
    http: reqwest::Client,
    cache: Cache<(), Arc<Snapshot>>,
    /// The keys of the last fetch that succeeded, kept through failures.
    last_good: Mutex<Arc<KeySet>>,
    /// When the last fetch started or ended, for the cooldown.
    last_fetch: Mutex<Option<Instant>>,
}

impl Jwks {
    /// The keys named by `source`: a file is read and parsed now; a URL is
    /// fetched on first use (or by [`Jwks::prefetch`]) through `http`.
    pub fn new(
        source: &KeySource,
        policy: JwksPolicy,
        http: reqwest::Client,
    ) -> Result<Self, JwksError> {
        let source = match source {
            KeySource::File(path) => {
                return Ok(Self::pinned(KeySet::parse(&std::fs::read(path)?)?, policy));
            }
            KeySource::Url(url) => Source::Fetched(Fetcher {
                url: url.clone(),
                http,
                cache: Cache::builder()
                    .max_capacity(1)
                    .expire_after(SnapshotExpiry { ttl: policy.ttl, retry: policy.cooldown })
                    .build(),
                last_good: Mutex::new(Arc::default()),
                last_fetch: Mutex::new(None),
            }),
        };
        Ok(Self { source, policy })
    }

    /// Keys given directly, never fetched: for tests and benchmarks, and what
    /// `JWKS_FILE` gives.
    pub fn pinned(keys: KeySet, policy: JwksPolicy) -> Self {
        Self { source: Source::Pinned(Arc::new(keys)), policy }
    }

    /// Fetches the key set now if the cache is empty, e.g. during the Lambda
    /// init phase. A failure is logged and left for the first request to retry.
    pub async fn prefetch(&self) {
        if let Source::Fetched(fetcher) = &self.source {
            fetcher.current(&self.policy).await;
        }
    }

    /// The key called `kid`.
    pub async fn key(&self, kid: &str) -> Result<Arc<PublicKey>, KeyError> {
        let fetcher = match &self.source {
            Source::Pinned(keys) => return keys.get(kid).cloned().ok_or(KeyError::UnknownKid),
            Source::Fetched(fetcher) => fetcher,
        };

        let snapshot = fetcher.current(&self.policy).await;
        if let Some(key) = snapshot.keys.get(kid) {
            return Ok(key.clone());
        }
        if !fetcher.may_fetch_again(self.policy.cooldown) {
            return Err(if snapshot.fresh { KeyError::UnknownKid } else { KeyError::Unavailable });
        }

        debug!(kid = %kid, "unknown kid; fetching the key set again");
        fetcher.cache.invalidate(&()).await;
        let snapshot = fetcher.current(&self.policy).await;
        match snapshot.keys.get(kid) {
            Some(key) => Ok(key.clone()),
            None if snapshot.fresh => Err(KeyError::UnknownKid),
            None => Err(KeyError::Unavailable),
        }
    }
}

impl Fetcher {
    async fn current(&self, policy: &JwksPolicy) -> Arc<Snapshot> {
        self.cache.get_with((), self.load(policy)).await
    }

    /// True, and the cooldown restarted, if no fetch started within `cooldown`.
    fn may_fetch_again(&self, cooldown: Duration) -> bool {
        let mut last = self.last_fetch.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < cooldown) {
            return false;
        }
        *last = Some(now);
        true
    }

    async fn load(&self, policy: &JwksPolicy) -> Arc<Snapshot> {
        self.mark_fetch();
        let result = self.fetch(policy).await;
        // The cooldown counts from the end of a fetch too, so a slow failure
        // is not followed at once by another.
        self.mark_fetch();
        let held = match result {
            Ok(keys) => {
                let keys = Arc::new(keys);
                debug!(keys = keys.len(), "jwks fetched");
                *self.last_good.lock().unwrap_or_else(PoisonError::into_inner) = keys.clone();
                return Arc::new(Snapshot { keys, fresh: true });
            }
            Err(error) => {
                warn!(error = %error, url = %self.url, "jwks refresh failed; keeping the keys already held");
                self.last_good.lock().unwrap_or_else(PoisonError::into_inner).clone()
            }
        };
        Arc::new(Snapshot { keys: held, fresh: false })
    }

    fn mark_fetch(&self) {
        *self.last_fetch.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    async fn fetch(&self, policy: &JwksPolicy) -> Result<KeySet, JwksError> {
        let mut response = self.http.get(&self.url).timeout(policy.timeout).send().await?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|len| len > policy.max_bytes as u64) {
            return Err(JwksError::TooLarge(policy.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > policy.max_bytes {
                return Err(JwksError::TooLarge(policy.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        KeySet::parse(&body)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use standins::keys::{SigningKey, jwks};

    use super::*;

    #[test]
    fn cognito_shaped_jwks_parses() {
        let a = SigningKey::generate("a").unwrap();
        let b = SigningKey::generate("b").unwrap();
        let set = KeySet::parse(jwks(&[&a, &b]).to_string().as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.get("a").is_some() && set.get("b").is_some() && set.get("A").is_none());
    }

    #[test]
    fn keys_that_are_not_rs256_signing_keys_are_left_out() {
        let good = SigningKey::generate("good").unwrap();
        let mut enc = good.jwk();
        enc["kid"] = json!("enc");
        enc["use"] = json!("enc");
        let mut hs = good.jwk();
        hs["kid"] = json!("ps");
        hs["alg"] = json!("PS256");
        let mut ec = good.jwk();
        ec["kid"] = json!("ec");
        ec["kty"] = json!("EC");
        let mut no_kid = good.jwk();
        no_kid.as_object_mut().unwrap().remove("kid");
        let mut short = good.jwk();
        short["kid"] = json!("short");
        short["n"] = json!(URL_SAFE_NO_PAD.encode([0xab; 128]));
        let mut padded = good.jwk();
        padded["kid"] = json!("padded");
        padded["e"] = json!("AQAB==");
        let mut bare = good.jwk();
        bare["kid"] = json!("bare");
        bare.as_object_mut().unwrap().remove("use");
        bare.as_object_mut().unwrap().remove("alg");
        let doc = json!({"keys": [good.jwk(), enc, hs, ec, no_kid, short, padded, bare, "x", 1]});
        let set = KeySet::parse(doc.to_string().as_bytes()).unwrap();
        let mut kids: Vec<_> = set.keys.keys().cloned().collect();
        kids.sort();
        assert_eq!(kids, ["bare", "good"]);
    }

    #[test]
    fn a_kid_named_twice_is_not_used() {
        let a = SigningKey::generate("same").unwrap();
        let b = SigningKey::generate("same").unwrap();
        let c = SigningKey::generate("other").unwrap();
        let set = KeySet::parse(jwks(&[&a, &b, &c]).to_string().as_bytes()).unwrap();
        assert!(set.get("same").is_none());
        assert!(set.get("other").is_some());
    }

    #[test]
    fn documents_without_a_usable_key_are_refused() {
        for body in
            [&b""[..], b"<html></html>", b"{}", b"{\"keys\": []}", b"{\"keys\": {}}", b"null"]
        {
            assert!(KeySet::parse(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    #[tokio::test]
    async fn pinned_file_serves_its_keys_without_fetching() {
        let key = SigningKey::generate("pinned").unwrap();
        let dir = std::env::temp_dir().join(format!("jwks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwks.json");
        std::fs::write(&path, jwks(&[&key]).to_string()).unwrap();
        let jwks = Jwks::new(&KeySource::File(path), JwksPolicy::default(), reqwest::Client::new())
            .unwrap();
        assert!(jwks.key("pinned").await.is_ok());
        assert_eq!(jwks.key("other").await.err(), Some(KeyError::UnknownKid));
    }

    #[test]
    fn unreadable_pinned_file_stops_start_up() {
        let missing = KeySource::File("/nonexistent/jwks.json".into());
        assert!(matches!(
            Jwks::new(&missing, JwksPolicy::default(), reqwest::Client::new()),
            Err(JwksError::File(_))
        ));
    }
}
