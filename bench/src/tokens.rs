//! The token set every verifier reads: Cognito-shaped ID tokens of one pool,
//! signed by a few keys, and the JWKS that holds their public halves.
//!
//! The pool is [`standins::cognito::UserPool`], so the claims are the ones
//! Cognito puts in an ID token (`sub`, `cognito:groups`, `iss`,
//! `cognito:username`, `aud`, `custom:studio_user_profile`, `email`,
//! `email_verified`, `token_use`, `origin_jti`, `event_id`, `auth_time`, `iat`,
//! `exp`, `jti`), valid for one hour from minting. Token `i` belongs to user
//! `i % users` and is signed by key `i % keys`; every token is different (its
//! own `jti`, `origin_jti` and `event_id`).

use std::path::Path;
use std::time::Duration;

use authorizer::Settings;
use aws_lc_rs::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::TokenUse;
use standins::cognito::{PoolConfig, User, UserPool};
use standins::keys::{self, SigningKey};

use crate::BenchError;

/// The pool's region.
pub const REGION: &str = "eu-west-1";
/// The pool id, in the real form `<region>_<id>`.
pub const POOL_ID: &str = "eu-west-1_SgBench26";
/// The one app client, 26 lowercase letters and digits as Cognito makes them.
pub const CLIENT_ID: &str = "4benchstudiogateclient2026";
/// The group every user is in.
pub const GROUP: &str = "studio-users";

/// What a verifier in another language needs to know about the pool, as
/// written to `pool.json` next to the token file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolFacts {
    /// [`POOL_ID`].
    pub user_pool_id: String,
    /// [`CLIENT_ID`].
    pub client_id: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<pool>`.
    pub issuer: String,
    /// Where the JWKS is served on loopback for this run; empty in the file
    /// the token step writes, filled in by the runner.
    #[serde(default)]
    pub jwks_url: String,
}

/// A pool with its extra keys.
pub struct TokenSet {
    pool: UserPool,
    extra_keys: Vec<SigningKey>,
    users: usize,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("pool", &self.pool)
            .field("keys", &(self.extra_keys.len() + 1))
            .field("users", &self.users)
            .finish()
    }
}

impl TokenSet {
    /// A pool of `users` users (each with a Studio profile of the same name and
    /// in [`GROUP`]) whose tokens are signed by `keys` RSA-2048 keys.
    pub fn new(keys: usize, users: usize) -> Result<Self, BenchError> {
        let users = users.max(1);
        let mut config = PoolConfig {
            region: REGION.to_owned(),
            pool_id: Some(POOL_ID.to_owned()),
            token_lifetime: Duration::from_secs(3600),
            ..PoolConfig::default()
        }
        .with_client_id(CLIENT_ID);
        for n in 0..users {
            let name = user_name(n);
            config = config.with_user(
                User::new(&name, "not-used-1A!")
                    .with_profile(&name)
                    .with_group(GROUP)
                    .with_email(format!("{name}@example.com")),
            );
        }
        let pool = UserPool::new(config).map_err(|e| BenchError::Signing(e.to_string()))?;
        let extra_keys = (1..keys.max(1))
            .map(|n| SigningKey::generate(kid(n)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BenchError::Signing(e.to_string()))?;
        Ok(Self { pool, extra_keys, users })
    }

    /// Every signing key, the pool's own first.
    pub fn keys(&self) -> Vec<&SigningKey> {
        std::iter::once(self.pool.key()).chain(&self.extra_keys).collect()
    }

    /// The JWKS holding every key, as the pool would publish it.
    pub fn jwks(&self) -> Value {
        keys::jwks(&self.keys())
    }

    /// The facts other verifiers need, with no JWKS URL yet.
    pub fn facts(&self) -> PoolFacts {
        PoolFacts {
            user_pool_id: POOL_ID.to_owned(),
            client_id: CLIENT_ID.to_owned(),
            issuer: self.pool.issuer(),
            jwks_url: String::new(),
        }
    }

    /// Token number `i`: user `i % users`, key `i % keys`, valid from now for an hour.
    pub fn mint(&self, i: usize) -> Result<String, BenchError> {
        let keys = self.keys();
        let key = keys[i % keys.len()];
        self.pool
            .token(&user_name(i % self.users), TokenUse::Id)
            .and_then(|token| token.signed_with(key).mint())
            .map_err(|e| BenchError::Signing(e.to_string()))
    }

    /// Tokens `0..count`, minted on `threads` threads.
    pub fn mint_many(&self, count: usize, threads: usize) -> Result<Vec<String>, BenchError> {
        let threads = threads.clamp(1, 64);
        let per_thread = count.div_ceil(threads).max(1);
        let chunks: Vec<Result<Vec<String>, BenchError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..count)
                .step_by(per_thread)
                .map(|start| {
                    let end = (start + per_thread).min(count);
                    scope.spawn(move || (start..end).map(|i| self.mint(i)).collect())
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|_| Err(BenchError::unexpected("minting panicked")))
                })
                .collect()
        });
        let mut tokens = Vec::with_capacity(count);
        for chunk in chunks {
            tokens.extend(chunk?);
        }
        Ok(tokens)
    }

    /// A token whose signature is good but whose `exp` passed ten minutes ago.
    pub fn expired(&self) -> Result<String, BenchError> {
        let now = unix_now();
        self.pool
            .token(&user_name(0), TokenUse::Id)
            .and_then(|token| token.issued_at(now - 4200).mint())
            .map_err(|e| BenchError::Signing(e.to_string()))
    }

    /// A token with the claims of token 0 whose header says `alg: HS256`,
    /// signed (with RSA, as an attacker could) over exactly those bytes.
    pub fn bad_alg(&self) -> Result<String, BenchError> {
        let token = self
            .pool
            .token(&user_name(0), TokenUse::Id)
            .map_err(|e| BenchError::Signing(e.to_string()))?;
        let claims = Value::Object(token.claims().clone());
        let header = json!({"kid": self.pool.key().kid(), "alg": "HS256"});
        self.pool
            .key()
            .sign_parts(&header.to_string(), &claims.to_string())
            .map_err(|e| BenchError::Signing(e.to_string()))
    }
}

/// Authorizer settings for [`POOL_ID`] and [`CLIENT_ID`], keys at `jwks_url`.
pub fn settings(jwks_url: &str) -> Result<Settings, BenchError> {
    Settings::from_lookup(|name| match name {
        "USER_POOL_ID" => Some(POOL_ID.to_owned()),
        "APP_CLIENT_IDS" => Some(CLIENT_ID.to_owned()),
        "JWKS_URL" => Some(jwks_url.to_owned()),
        _ => None,
    })
    .map_err(BenchError::unexpected)
}

/// Writes `tokens.txt` (one token a line), `jwks.json` and `pool.json` into `dir`.
pub fn write_set(dir: &Path, set: &TokenSet, tokens: &[String]) -> Result<(), BenchError> {
    std::fs::create_dir_all(dir).map_err(BenchError::io(format!("creating {}", dir.display())))?;
    let mut text = tokens.join("\n");
    text.push('\n');
    write(&dir.join("tokens.txt"), text.as_bytes())?;
    write(&dir.join("jwks.json"), set.jwks().to_string().as_bytes())?;
    let facts = serde_json::to_vec_pretty(&set.facts()).map_err(BenchError::unexpected)?;
    write(&dir.join("pool.json"), &facts)
}

/// Reads the tokens of `tokens.txt`.
pub fn read_tokens(path: &Path) -> Result<Vec<String>, BenchError> {
    let text = std::fs::read_to_string(path)
        .map_err(BenchError::io(format!("reading {}", path.display())))?;
    Ok(text.lines().filter(|line| !line.is_empty()).map(str::to_owned).collect())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BenchError> {
    std::fs::write(path, bytes).map_err(BenchError::io(format!("writing {}", path.display())))
}

/// `user-0042` for 42.
pub fn user_name(n: usize) -> String {
    format!("user-{n:04}")
}

/// A `kid` shaped like Cognito's: 43 base64url characters, from `n`.
fn kid(n: usize) -> String {
    keys::b64url(digest(&SHA256, format!("studio-gate-bench key {n}").as_bytes()))
}

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
