//! The claims of a Cognito user pool token.
//!
//! Cognito issues two kinds of JWT: ID tokens (`token_use` = `id`, the app
//! client in `aud`, the user's attributes, `cognito:username`) and access tokens
//! (`token_use` = `access`, the app client in `client_id`, `username`, `scope`,
//! no custom attributes unless a pre-token-generation trigger adds them). Both
//! carry `sub`, `iss`, `exp`, `iat`, `auth_time` and `cognito:groups`.
//!
//! [`CognitoClaims`] reads both kinds. Numeric dates must be JSON integers that
//! fit in a `u64`: `"exp": "1700000000"`, `1e300` or `-1` do not deserialize.

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

/// Which kind of Cognito token: `id` or `access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenUse {
    /// An ID token: `aud` names the app client.
    #[default]
    Id,
    /// An access token: `client_id` names the app client.
    Access,
}

impl TokenUse {
    /// The value of the `token_use` claim for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
        }
    }
}

impl std::str::FromStr for TokenUse {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "id" => Ok(Self::Id),
            "access" => Ok(Self::Access),
            _ => Err(()),
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a Cognito ID or access token.
///
/// `token_use` is kept as text so that a verifier can say which kind it got
/// when it is the wrong one. Claims this type does not name (custom attributes,
/// `scope`, `jti`, …) are in [`CognitoClaims::other`]; [`CognitoClaims::claim_str`]
/// reads any of them by name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CognitoClaims {
    /// The user's stable id in the pool.
    pub sub: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub iss: String,
    /// `id` or `access` in a genuine Cognito token.
    pub token_use: String,
    /// The app client, in ID tokens.
    #[serde(default)]
    pub aud: Option<String>,
    /// The app client, in access tokens.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time, seconds since the epoch.
    pub iat: u64,
    /// When the user authenticated, seconds since the epoch.
    #[serde(default)]
    pub auth_time: Option<u64>,
    /// Not valid before, seconds since the epoch (Cognito does not set it).
    #[serde(default)]
    pub nbf: Option<u64>,
    /// The user name, in ID tokens.
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// The user name, in access tokens.
    #[serde(default)]
    pub username: Option<String>,
    /// The user's groups in the pool.
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    /// Every other claim, by name.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl CognitoClaims {
    /// The user name: `cognito:username` in ID tokens, `username` in access tokens.
    pub fn user_name(&self) -> Option<&str> {
        self.cognito_username.as_deref().or(self.username.as_deref())
    }

    /// The app client the token was issued to, read from the claim that
    /// `token_use` dictates and never from the other one.
    pub fn app_client(&self, token_use: TokenUse) -> Option<&str> {
        match token_use {
            TokenUse::Id => self.aud.as_deref(),
            TokenUse::Access => self.client_id.as_deref(),
        }
    }

    /// The string value of the claim called `name`, typed or not; `None` when it
    /// is absent or not a string.
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        match name {
            "sub" => Some(&self.sub),
            "iss" => Some(&self.iss),
            "token_use" => Some(&self.token_use),
            "aud" => self.aud.as_deref(),
            "client_id" => self.client_id.as_deref(),
            "cognito:username" => self.cognito_username.as_deref(),
            "username" => self.username.as_deref(),
            _ => self.other.get(name).and_then(Value::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn id_claims() -> Value {
        json!({
            "sub": "5f1c6d0e-0000-4000-8000-000000000001",
            "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ",
            "token_use": "id",
            "aud": "client1",
            "exp": 1_900_000_000u64,
            "iat": 1_899_996_400u64,
            "auth_time": 1_899_996_400u64,
            "cognito:username": "alice",
            "cognito:groups": ["studio-users"],
            "custom:studio_user_profile": "alice",
            "email": "alice@example.com"
        })
    }

    #[test]
    fn id_token_claims_are_read_by_name() {
        let claims: CognitoClaims = serde_json::from_value(id_claims()).unwrap();
        assert_eq!(claims.user_name(), Some("alice"));
        assert_eq!(claims.app_client(TokenUse::Id), Some("client1"));
        assert_eq!(claims.app_client(TokenUse::Access), None);
        assert_eq!(claims.claim_str("custom:studio_user_profile"), Some("alice"));
        assert_eq!(claims.claim_str("cognito:username"), Some("alice"));
        assert_eq!(claims.groups, ["studio-users"]);
    }

    #[test]
    fn non_integer_dates_do_not_deserialize() {
        for exp in [json!("1900000000"), json!(1e300), json!(-1), json!(1.5), json!(null)] {
            let mut value = id_claims();
            value["exp"] = exp.clone();
            assert!(serde_json::from_value::<CognitoClaims>(value).is_err(), "exp = {exp}");
        }
    }

    #[test]
    fn missing_exp_does_not_deserialize() {
        let mut value = id_claims();
        value.as_object_mut().unwrap().remove("exp");
        assert!(serde_json::from_value::<CognitoClaims>(value).is_err());
    }

    #[test]
    fn duplicate_named_claim_does_not_deserialize() {
        let text = r#"{"sub":"a","sub":"b","iss":"i","token_use":"id","exp":1,"iat":1}"#;
        assert!(serde_json::from_str::<CognitoClaims>(text).is_err());
    }

    #[test]
    fn non_string_claim_reads_as_absent() {
        let mut value = id_claims();
        value["custom:studio_user_profile"] = json!(42);
        let claims: CognitoClaims = serde_json::from_value(value).unwrap();
        assert_eq!(claims.claim_str("custom:studio_user_profile"), None);
    }
}
