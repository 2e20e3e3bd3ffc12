//! Tokens already verified, so a repeat costs a hash and a lookup, not an RSA
//! verify.
//!
//! One portal session makes several calls with the same token, and API
//! Gateway's own result cache is per stage and per TTL; this cache keeps the
//! verified claims of a token with its exact text, found by a fast hash of the
//! text (seeded at random per process, so nobody can aim at a slot) and
//! counted as a hit only when the whole text is equal, compared in constant
//! time. A hit costs that hash, the lookup and the comparison: no base64, no
//! JSON, no SHA-256, no RSA. An entry:
//!
//! - never outlives the token: a hit checks `exp` plus the configured leeway
//!   against the clock, and an entry found expired is dropped;
//! - never outlives its key: it remembers the key that verified it, and a hit
//!   counts only while the JWKS cache still serves that very key for that `kid`
//!   (a key removed from the set, or a refreshed set, sends the token through
//!   the full check again);
//! - is bounded: at most [`Settings::verified_cache_entries`] entries, the
//!   least recently used evicted first (the `lru` crate, behind a mutex: a
//!   Lambda process serves one request at a time). Every verified token is
//!   admitted: a frequency-based admission such as moka's TinyLFU would, once
//!   the cache is full, keep out a new user's token in favour of tokens seen
//!   more often, and that user would pay the full RSA check on every call; and
//!   moka's insert cost about 5 µs here, a quarter of the RSA check.
//!
//! Only tokens that passed every check of [`crate::verify`] are stored; what
//! depends on the request (the method ARN, the VPC endpoint) and on the
//! settings (groups, profile) is decided again on every call.
//!
//! [`Settings::verified_cache_entries`]: crate::Settings::verified_cache_entries

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use std::hash::BuildHasher as _;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use foldhash::fast::RandomState;
use lru::LruCache;
use shared::CognitoClaims;

use crate::jwks::PublicKey;
use crate::verify::Token;

/// A token that passed every check.
pub struct Verified {
    /// Its claims.
    pub claims: CognitoClaims,
    /// The `kid` of its header.
    pub kid: String,
    /// The key that verified it.
    pub key: Arc<PublicKey>,
    /// The token, exactly as sent.
    pub token: Box<str>,
}

/// The verified-token cache.
pub struct VerifiedCache {
    /// `None` when the capacity is 0: nothing is kept.
    cache: Option<Mutex<LruCache<u64, Arc<Verified>>>>,
    hasher: RandomState,
    leeway: u64,
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens (0: no cache), each served until
    /// its `exp` plus `leeway`.
    pub fn new(capacity: u64, leeway: u64) -> Self {
        let capacity = NonZeroUsize::new(usize::try_from(capacity).unwrap_or(usize::MAX));
        let cache = capacity.map(|capacity| Mutex::new(LruCache::new(capacity)));
        Self { cache, hasher: RandomState::default(), leeway }
    }

    /// The verified token that is exactly `token`, if it is stored and has not
    /// expired. The texts are compared in constant time. An expired entry is
    /// dropped when found.
    pub fn get(&self, token: &Token<'_>) -> Option<Arc<Verified>> {
        let mut cache = self.cache.as_ref()?.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = self.hasher.hash_one(token.text());
        let entry = cache.get(&slot)?;
        if entry.claims.exp.saturating_add(self.leeway) <= now() {
            cache.pop(&slot);
            return None;
        }
        verify_slices_are_equal(entry.token.as_bytes(), token.text().as_bytes())
            .is_ok()
            .then(|| Arc::clone(entry))
    }

    /// Stores `verified`, a token that passed every check, as `token`; when the
    /// cache is full, the least recently used entry makes room.
    pub fn insert(&self, token: &Token<'_>, verified: Arc<Verified>) {
        let Some(cache) = &self.cache else { return };
        if verified.claims.exp.saturating_add(self.leeway) > now() {
            let slot = self.hasher.hash_one(token.text());
            cache.lock().unwrap_or_else(PoisonError::into_inner).put(slot, verified);
        }
    }

    /// How many tokens are stored.
    pub fn len(&self) -> usize {
        self.cache
            .as_ref()
            .map_or(0, |cache| cache.lock().unwrap_or_else(PoisonError::into_inner).len())
    }

    /// Whether no token is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use serde_json::json;
    use standins::keys::{SigningKey, jwks};

    use super::*;
    use crate::jwks::KeySet;

    fn key() -> Arc<PublicKey> {
        static KEY: OnceLock<Arc<PublicKey>> = OnceLock::new();
        KEY.get_or_init(|| {
            let signing = SigningKey::generate("k").unwrap();
            let set = KeySet::parse(jwks(&[&signing]).to_string().as_bytes()).unwrap();
            Arc::clone(set.get("k").unwrap())
        })
        .clone()
    }

    fn verified(token: &Token<'_>, exp: u64) -> Arc<Verified> {
        let claims = serde_json::from_value(json!({
            "sub": "s", "iss": "i", "token_use": "id", "aud": "c", "exp": exp, "iat": 0
        }))
        .unwrap();
        Arc::new(Verified { claims, kid: "k".into(), key: key(), token: token.text().into() })
    }

    fn text(n: usize) -> String {
        format!("header.payload-{n}.signature-{n}")
    }

    fn store(cache: &VerifiedCache, text: &str) {
        let token = Token::new(text).unwrap();
        cache.insert(&token, verified(&token, now() + 600));
    }

    fn stored(cache: &VerifiedCache, text: &str) -> bool {
        cache.get(&Token::new(text).unwrap()).is_some()
    }

    #[test]
    fn cache_holds_at_most_its_capacity() {
        let cache = VerifiedCache::new(10, 0);
        for n in 0..200 {
            store(&cache, &text(n));
        }
        assert!(cache.len() <= 10, "{} entries", cache.len());
    }

    #[test]
    fn a_full_cache_admits_new_tokens_and_drops_the_least_recently_used() {
        let cache = VerifiedCache::new(10, 0);
        for n in 0..10 {
            store(&cache, &text(n));
        }
        // The first ten are popular: each seen many times.
        for _ in 0..20 {
            for n in 0..10 {
                assert!(stored(&cache, &text(n)), "token {n}");
            }
        }
        assert_eq!(cache.len(), 10);
        // Ten new users arrive; the cache is full of popular tokens.
        for n in 10..20 {
            store(&cache, &text(n));
        }
        for n in 10..20 {
            assert!(stored(&cache, &text(n)), "the new token {n} was not admitted");
        }
        assert!((0..10).all(|n| !stored(&cache, &text(n))), "the oldest went first");
    }

    #[test]
    fn only_the_exact_token_text_is_a_hit() {
        let cache = VerifiedCache::new(10, 0);
        store(&cache, "header.payload.signature");
        assert!(stored(&cache, "header.payload.signature"));
        for other in ["header.payload.signaturf", "header.payload.signatur", "header.payload."] {
            assert!(!stored(&cache, other), "{other}");
        }
        assert!(!stored(&cache, "header.payloae.signature"));
        assert!(!stored(&cache, "header.payload.signature.x"));
        assert!(!stored(&cache, "xheader.payload.signature"));
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache = VerifiedCache::new(0, 0);
        store(&cache, &text(1));
        assert!(!stored(&cache, &text(1)));
        assert!(cache.is_empty());
    }

    #[test]
    fn expired_tokens_are_neither_stored_nor_served() {
        let token = Token::new("old.token.sig").unwrap();
        let cache = VerifiedCache::new(10, 0);
        cache.insert(&token, verified(&token, now() - 1));
        assert!(cache.get(&token).is_none());
        assert!(cache.is_empty());

        let lenient = VerifiedCache::new(10, 60);
        lenient.insert(&token, verified(&token, now() - 1));
        assert!(lenient.get(&token).is_some(), "within the leeway");
    }
}
