//! Tokens already verified, so a repeat costs a hash and a lookup, not an RSA
//! verify.
//!
//! One portal session makes several calls with the same token, and API
//! Gateway's own result cache is per stage and per TTL; this cache keeps the
//! verified claims of a token under the SHA-256 of its exact text. An entry:
//!
//! - never outlives the token: it expires at `exp` plus the configured leeway,
//!   and a hit re-checks `exp` against the clock all the same;
//! - never outlives its key: it remembers the key that verified it, and a hit
//!   counts only while the JWKS cache still serves that very key for that `kid`
//!   (a key removed from the set, or a refreshed set, sends the token through
//!   the full check again);
//! - is bounded: at most [`Settings::verified_cache_entries`] entries, the
//!   least useful evicted first (moka's TinyLFU).
//!
//! Only tokens that passed every check of [`crate::verify`] are stored; what
//! depends on the request (the method ARN, the VPC endpoint) and on the
//! settings (groups, profile) is decided again on every call.
//!
//! [`Settings::verified_cache_entries`]: crate::Settings::verified_cache_entries

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{SHA256, digest};
use jsonwebtoken::DecodingKey;
use moka::Expiry;
use moka::sync::Cache;
use shared::CognitoClaims;

/// The SHA-256 of a token's text.
pub type TokenDigest = [u8; 32];

/// The digest a token is stored under.
pub fn token_digest(token: &str) -> TokenDigest {
    let mut out = [0; 32];
    out.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    out
}

/// A token that passed every check.
pub struct Verified {
    /// Its claims.
    pub claims: CognitoClaims,
    /// The `kid` of its header.
    pub kid: String,
    /// The key that verified it.
    pub key: Arc<DecodingKey>,
}

struct UntilExpiry {
    leeway: u64,
}

impl Expiry<TokenDigest, Arc<Verified>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _: &TokenDigest,
        entry: &Arc<Verified>,
        _: Instant,
    ) -> Option<Duration> {
        Some(Duration::from_secs(
            entry.claims.exp.saturating_add(self.leeway).saturating_sub(now()),
        ))
    }
}

/// The verified-token cache.
pub struct VerifiedCache {
    cache: Cache<TokenDigest, Arc<Verified>>,
    leeway: u64,
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens, each kept until its `exp` plus `leeway`.
    pub fn new(capacity: u64, leeway: u64) -> Self {
        let cache =
            Cache::builder().max_capacity(capacity).expire_after(UntilExpiry { leeway }).build();
        Self { cache, leeway }
    }

    /// The verified token stored under `digest`, if it has not expired.
    pub fn get(&self, digest: &TokenDigest) -> Option<Arc<Verified>> {
        self.cache.get(digest).filter(|entry| entry.claims.exp.saturating_add(self.leeway) > now())
    }

    /// Stores a token that passed every check.
    pub fn insert(&self, digest: TokenDigest, verified: Verified) {
        if verified.claims.exp.saturating_add(self.leeway) > now() {
            self.cache.insert(digest, Arc::new(verified));
        }
    }

    /// How many tokens are stored (after pending evictions are applied).
    pub fn len(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
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
    use serde_json::json;

    use super::*;

    fn verified(exp: u64) -> Verified {
        let claims = serde_json::from_value(json!({
            "sub": "s", "iss": "i", "token_use": "id", "aud": "c", "exp": exp, "iat": 0
        }))
        .unwrap();
        let key = Arc::new(DecodingKey::from_rsa_raw_components(&[0xc5; 256], &[1, 0, 1]));
        Verified { claims, kid: "k".into(), key }
    }

    #[test]
    fn cache_holds_at_most_its_capacity() {
        let cache = VerifiedCache::new(10, 0);
        for n in 0..200 {
            cache.insert(token_digest(&format!("token-{n}")), verified(now() + 600));
        }
        assert!(cache.len() <= 10, "{} entries", cache.len());
    }

    #[test]
    fn expired_tokens_are_neither_stored_nor_served() {
        let cache = VerifiedCache::new(10, 0);
        cache.insert(token_digest("old"), verified(now() - 1));
        assert!(cache.get(&token_digest("old")).is_none());
        assert!(cache.is_empty());

        let lenient = VerifiedCache::new(10, 60);
        lenient.insert(token_digest("old"), verified(now() - 1));
        assert!(lenient.get(&token_digest("old")).is_some(), "within the leeway");
    }

    #[test]
    fn digests_differ_for_different_tokens() {
        assert_ne!(token_digest("a.b.c"), token_digest("a.b.d"));
        assert_eq!(token_digest("a.b.c"), token_digest("a.b.c"));
    }
}
