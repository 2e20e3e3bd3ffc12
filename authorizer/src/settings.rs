//! Authorizer settings, read once at cold start.
//!
//! Every setting comes from the environment (see DESIGN.md). A missing or bad
//! value stops the function at start-up with a message that names the variable
//! and the rule it broke, so a misconfigured deployment fails its first
//! invocation loudly instead of letting anyone in.

use std::path::PathBuf;
use std::time::Duration;

use shared::TokenUse;

/// Settings the authorizer cannot start without.
pub const REQUIRED_VARS: &[&str] = &["USER_POOL_ID", "APP_CLIENT_IDS"];
/// Settings with a default, or off when unset.
pub const OPTIONAL_VARS: &[&str] = &[
    "TOKEN_USE",
    "PROFILE_CLAIM",
    "REQUIRED_GROUPS",
    "ALLOWED_VPCE_IDS",
    "JWKS_URL",
    "JWKS_FILE",
    "CLOCK_SKEW_SECONDS",
];

/// The claim that names the Studio user profile unless `PROFILE_CLAIM` says otherwise.
pub const DEFAULT_PROFILE_CLAIM: &str = "custom:studio_user_profile";
/// How many verified tokens are kept unless the settings say otherwise.
pub const DEFAULT_VERIFIED_CACHE_ENTRIES: u64 = 2048;
/// The largest `CLOCK_SKEW_SECONDS` accepted.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;

/// How the JWKS is fetched and cached. Not read from the environment: the
/// defaults suit Cognito, and tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksPolicy {
    /// How long a fetched key set is used before it is fetched again. Default 1 hour.
    pub ttl: Duration,
    /// The least time between two fetches caused by unknown `kid`s or by a
    /// failed fetch. Default 10 s.
    pub cooldown: Duration,
    /// Time limit for one fetch, connection and body included. Default 3 s.
    pub timeout: Duration,
    /// Largest JWKS body accepted, in bytes. Default 64 KiB.
    pub max_bytes: usize,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(3600),
            cooldown: Duration::from_secs(10),
            timeout: Duration::from_secs(3),
            max_bytes: 64 * 1024,
        }
    }
}

/// Where the keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Fetched over HTTP(S) and cached: `JWKS_URL`, or the pool's own JWKS.
    Url(String),
    /// Read once from a file at start: `JWKS_FILE`.
    File(PathBuf),
}

/// Everything the authorizer is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `USER_POOL_ID`, e.g. `eu-west-1_AbC123xyZ` (required).
    pub user_pool_id: String,
    /// The pool's region, taken from the pool id.
    pub region: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<pool>`, the only `iss` accepted.
    pub issuer: String,
    /// `APP_CLIENT_IDS`: the app clients whose tokens are accepted (required).
    pub client_ids: Vec<String>,
    /// `TOKEN_USE`: `id` or `access`. Default `id`.
    pub token_use: TokenUse,
    /// `PROFILE_CLAIM`: the claim that names the Studio user profile.
    /// Default `custom:studio_user_profile`.
    pub profile_claim: String,
    /// `REQUIRED_GROUPS`: if not empty, `cognito:groups` must hold one of them.
    /// Default empty (no group needed).
    pub required_groups: Vec<String>,
    /// `ALLOWED_VPCE_IDS`: if not empty, requests must come through one of these
    /// VPC endpoints. Default empty (not checked).
    pub allowed_vpce_ids: Vec<String>,
    /// `JWKS_FILE` if set, else `JWKS_URL`, else `<issuer>/.well-known/jwks.json`.
    pub keys: KeySource,
    /// `CLOCK_SKEW_SECONDS`: leeway on `exp` and `nbf`, 0..=300. Default 0.
    pub clock_skew: u64,
    /// JWKS fetching and caching.
    pub jwks: JwksPolicy,
    /// Most tokens kept in the verified-token cache ([`crate::verified`]).
    /// Not read from the environment. Default 2048.
    pub verified_cache_entries: u64,
}

/// A setting that stops the function at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {rule}")]
pub struct SettingsError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What it must be.
    pub rule: &'static str,
}

fn bad(var: &'static str, rule: &'static str) -> SettingsError {
    SettingsError { var, rule }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which answers a variable's value.
    /// An empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let user_pool_id = get("USER_POOL_ID").ok_or(bad(
            "USER_POOL_ID",
            "is required: the Cognito user pool id, e.g. eu-west-1_AbC123xyZ",
        ))?;
        let region = pool_region(&user_pool_id).ok_or(bad(
            "USER_POOL_ID",
            "must be <region>_<id>, e.g. eu-west-1_AbC123xyZ, with a letters-and-digits id",
        ))?;
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");

        let client_ids = list(get("APP_CLIENT_IDS").as_deref());
        if client_ids.is_empty() {
            return Err(bad("APP_CLIENT_IDS", "is required: comma-separated app client ids"));
        }
        if !client_ids.iter().all(|id| is_word(id, 128)) {
            return Err(bad("APP_CLIENT_IDS", "each id is 1 to 128 letters and digits"));
        }

        let token_use = match get("TOKEN_USE").as_deref().map(str::trim) {
            None => TokenUse::Id,
            Some(value) => value.parse().map_err(|()| bad("TOKEN_USE", "must be id or access"))?,
        };

        let profile_claim =
            get("PROFILE_CLAIM").map_or(DEFAULT_PROFILE_CLAIM.to_owned(), |c| c.trim().to_owned());

        let required_groups = list(get("REQUIRED_GROUPS").as_deref());

        let allowed_vpce_ids = list(get("ALLOWED_VPCE_IDS").as_deref());
        if !allowed_vpce_ids.iter().all(|id| is_vpce_id(id)) {
            return Err(bad(
                "ALLOWED_VPCE_IDS",
                "each id is vpce- followed by lowercase hex digits",
            ));
        }

        let keys = match (get("JWKS_FILE"), get("JWKS_URL")) {
            (Some(_), Some(_)) => {
                return Err(bad("JWKS_FILE", "set JWKS_FILE or JWKS_URL, not both"));
            }
            (Some(path), None) => KeySource::File(PathBuf::from(path.trim())),
            (None, Some(url)) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(bad("JWKS_URL", "must be an http:// or https:// URL"));
                }
                KeySource::Url(url)
            }
            (None, None) => KeySource::Url(format!("{issuer}/.well-known/jwks.json")),
        };

        let clock_skew = match get("CLOCK_SKEW_SECONDS") {
            None => 0,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|skew| *skew <= MAX_CLOCK_SKEW_SECONDS)
                .ok_or(bad("CLOCK_SKEW_SECONDS", "must be a whole number of seconds, 0 to 300"))?,
        };

        Ok(Self {
            user_pool_id,
            region,
            issuer,
            client_ids,
            token_use,
            profile_claim,
            required_groups,
            allowed_vpce_ids,
            keys,
            clock_skew,
            jwks: JwksPolicy::default(),
            verified_cache_entries: DEFAULT_VERIFIED_CACHE_ENTRIES,
        })
    }
}

/// The region of a pool id `<region>_<id>`: `eu-west-1` from `eu-west-1_AbC123xyZ`.
fn pool_region(pool_id: &str) -> Option<String> {
    let (region, id) = pool_id.split_once('_')?;
    let parts: Vec<&str> = region.split('-').collect();
    let [area, names @ .., number] = parts.as_slice() else { return None };
    let well_formed_region = area.len() == 2
        && is_lower(area)
        && !names.is_empty()
        && names.iter().all(|name| is_lower(name))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit());
    (well_formed_region && is_word(id, 64)).then(|| region.to_owned())
}

fn is_lower(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_word(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_vpce_id(s: &str) -> bool {
    s.strip_prefix("vpce-").is_some_and(|hex| {
        !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A comma-separated list, each item trimmed, empty items dropped.
fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    const BASE: [(&str, &str); 2] =
        [("USER_POOL_ID", "eu-west-1_AbC123xyZ"), ("APP_CLIENT_IDS", "client1, client2")];

    #[test]
    fn defaults_follow_from_the_pool_id() {
        let s = settings(&BASE).unwrap();
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ");
        assert_eq!(s.client_ids, ["client1", "client2"]);
        assert_eq!(s.token_use, TokenUse::Id);
        assert_eq!(s.profile_claim, DEFAULT_PROFILE_CLAIM);
        assert_eq!(
            s.keys,
            KeySource::Url(
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ/.well-known/jwks.json"
                    .into()
            )
        );
        assert_eq!(s.clock_skew, 0);
        assert!(s.required_groups.is_empty() && s.allowed_vpce_ids.is_empty());
    }

    #[test]
    fn moto_pool_ids_are_accepted() {
        let s = settings(&[
            ("USER_POOL_ID", "us-east-1_0123456789abcdef0123456789abcdef"),
            ("APP_CLIENT_IDS", "abc"),
            ("JWKS_URL", "http://127.0.0.1:5000/us-east-1_0123456789abcdef0123456789abcdef/.well-known/jwks.json"),
        ])
        .unwrap();
        assert_eq!(s.region, "us-east-1");
        assert!(matches!(s.keys, KeySource::Url(url) if url.starts_with("http://127.0.0.1")));
    }

    #[test]
    fn every_setting_is_read() {
        let s = settings(&[
            BASE[0],
            BASE[1],
            ("TOKEN_USE", "access"),
            ("PROFILE_CLAIM", "username"),
            ("REQUIRED_GROUPS", "studio-users,admins"),
            ("ALLOWED_VPCE_IDS", "vpce-0123abcd"),
            ("JWKS_FILE", "/opt/jwks.json"),
            ("CLOCK_SKEW_SECONDS", "30"),
        ])
        .unwrap();
        assert_eq!(s.token_use, TokenUse::Access);
        assert_eq!(s.profile_claim, "username");
        assert_eq!(s.required_groups, ["studio-users", "admins"]);
        assert_eq!(s.allowed_vpce_ids, ["vpce-0123abcd"]);
        assert_eq!(s.keys, KeySource::File("/opt/jwks.json".into()));
        assert_eq!(s.clock_skew, 30);
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[BASE[1]], "USER_POOL_ID"),
            (&[("USER_POOL_ID", "AbC123xyZ"), BASE[1]], "USER_POOL_ID"),
            (&[("USER_POOL_ID", "eu-west-1_"), BASE[1]], "USER_POOL_ID"),
            (&[("USER_POOL_ID", "eu-west_abc"), BASE[1]], "USER_POOL_ID"),
            (&[("USER_POOL_ID", "eu-west-1_a/b"), BASE[1]], "USER_POOL_ID"),
            (&[BASE[0]], "APP_CLIENT_IDS"),
            (&[BASE[0], ("APP_CLIENT_IDS", " , ")], "APP_CLIENT_IDS"),
            (&[BASE[0], ("APP_CLIENT_IDS", "a b")], "APP_CLIENT_IDS"),
            (&[BASE[0], BASE[1], ("TOKEN_USE", "refresh")], "TOKEN_USE"),
            (&[BASE[0], BASE[1], ("ALLOWED_VPCE_IDS", "vpce-XYZ")], "ALLOWED_VPCE_IDS"),
            (&[BASE[0], BASE[1], ("JWKS_URL", "file:///etc/passwd")], "JWKS_URL"),
            (&[BASE[0], BASE[1], ("JWKS_URL", "https://x"), ("JWKS_FILE", "/x")], "JWKS_FILE"),
            (&[BASE[0], BASE[1], ("CLOCK_SKEW_SECONDS", "301")], "CLOCK_SKEW_SECONDS"),
            (&[BASE[0], BASE[1], ("CLOCK_SKEW_SECONDS", "-1")], "CLOCK_SKEW_SECONDS"),
        ];
        for (vars, var) in cases {
            let err = settings(vars).unwrap_err();
            assert_eq!(err.var, *var, "{vars:?}");
            assert!(err.to_string().starts_with(var));
        }
    }
}
