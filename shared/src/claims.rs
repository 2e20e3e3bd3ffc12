//! The claims of a Cognito user pool token.
//!
//! Cognito issues two kinds of JWT: ID tokens (`token_use` = `id`, the app
//! client in `aud`, the user's attributes, `cognito:username`) and access tokens
//! (`token_use` = `access`, the app client in `client_id`, `username`, `scope`,
//! no custom attributes unless a pre-token-generation trigger adds them). Both
//! carry `sub`, `iss`, `exp`, `iat`, `auth_time` and `cognito:groups`.
//!
//! [`CognitoClaims`] reads both kinds, in one pass over the JSON: a claim named
//! twice is refused (JSON parsers disagree on which of the two wins, so a
//! token that names one twice could be read two ways). Numeric dates must be
//! JSON integers that fit in a `u64` (`exp`, `iat`, and `nbf` and `auth_time`
//! when present): `"exp": "1700000000"`, `1e300`, `-1` or `null` do not
//! deserialize. [`CognitoClaims::from_json`] says which of these rules
//! a document broke.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
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
#[derive(Debug, Clone, PartialEq)]
pub struct CognitoClaims {
    /// The user's stable id in the pool.
    pub sub: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub iss: String,
    /// `id` or `access` in a genuine Cognito token.
    pub token_use: String,
    /// The app client, in ID tokens.
    pub aud: Option<String>,
    /// The app client, in access tokens.
    pub client_id: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time, seconds since the epoch.
    pub iat: u64,
    /// When the user authenticated, seconds since the epoch.
    pub auth_time: Option<u64>,
    /// Not valid before, seconds since the epoch (Cognito does not set it).
    pub nbf: Option<u64>,
    /// The user name, in ID tokens.
    pub cognito_username: Option<String>,
    /// The user name, in access tokens.
    pub username: Option<String>,
    /// The user's groups in the pool.
    pub groups: Vec<String>,
    /// Every other claim, by name.
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

/// Why a claims document was refused by [`CognitoClaims::from_json`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// When the bytes are not one JSON object.
    #[error("the claims are not one JSON object")]
    NotAnObject,
    /// When the object names a member twice.
    #[error("a claim is named twice")]
    DuplicateClaim,
    /// When a claim that must be there is missing or of the wrong type.
    #[error("a claim is missing or of the wrong type")]
    Invalid,
}

impl CognitoClaims {
    /// Reads a claims document (a token's decoded payload) and says which rule
    /// it broke, if any. One pass, no intermediate `Value` for the named claims.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ClaimsError> {
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(ClaimsError::NotAnObject);
        }
        let mut json = serde_json::Deserializer::from_slice(bytes);
        let outcome = json.deserialize_map(ClaimsVisitor).map_err(|error| {
            if error.is_data() { ClaimsError::Invalid } else { ClaimsError::NotAnObject }
        })?;
        json.end().map_err(|_| ClaimsError::NotAnObject)?;
        outcome
    }
}

impl<'de> Deserialize<'de> for CognitoClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClaimsVisitor)?.map_err(de::Error::custom)
    }
}

/// A member name, borrowed from the input when it has no escapes.
pub struct MemberName<'de>(Cow<'de, str>);

impl MemberName<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(name)))
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(name.to_owned())))
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(name)))
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

/// Reads the members of a JSON object that are still to come (call it after
/// reading a member's value), so that a document refused for a rule the JSON
/// does not show is still checked to its end.
pub fn skip_rest<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Stores the next value in `slot`, or says the member was named twice.
fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<bool, A::Error> {
    if slot.is_some() {
        map.next_value::<IgnoredAny>()?;
        return Ok(false);
    }
    *slot = Some(map.next_value()?);
    Ok(true)
}

/// The one pass over a claims object. Its value is `Err` for a broken rule
/// the JSON itself does not show (a duplicate, a missing claim), so that
/// [`CognitoClaims::from_json`] can tell them from bad JSON.
struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = Result<CognitoClaims, ClaimsError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of Cognito claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut sub, mut iss, mut token_use) = (None, None, None);
        let (mut aud, mut client_id) = (None::<Option<String>>, None::<Option<String>>);
        let (mut exp, mut iat, mut auth_time, mut nbf) = (None, None, None, None);
        let (mut cognito_username, mut username) = (None::<Option<String>>, None);
        let mut groups = None;
        let mut other = Map::new();

        while let Some(name) = map.next_key::<MemberName<'de>>()? {
            let first = match name.as_str() {
                "sub" => once(&mut map, &mut sub)?,
                "iss" => once(&mut map, &mut iss)?,
                "token_use" => once(&mut map, &mut token_use)?,
                "aud" => once(&mut map, &mut aud)?,
                "client_id" => once(&mut map, &mut client_id)?,
                "exp" => once(&mut map, &mut exp)?,
                "iat" => once(&mut map, &mut iat)?,
                "auth_time" => once(&mut map, &mut auth_time)?,
                "nbf" => once(&mut map, &mut nbf)?,
                "cognito:username" => once(&mut map, &mut cognito_username)?,
                "username" => once(&mut map, &mut username)?,
                "cognito:groups" => once(&mut map, &mut groups)?,
                _ => {
                    let value = map.next_value::<Value>()?;
                    other.insert(name.into_owned(), value).is_none()
                }
            };
            if !first {
                skip_rest(&mut map)?;
                return Ok(Err(ClaimsError::DuplicateClaim));
            }
        }

        let (Some(sub), Some(iss), Some(token_use), Some(exp), Some(iat)) =
            (sub, iss, token_use, exp, iat)
        else {
            return Ok(Err(ClaimsError::Invalid));
        };
        Ok(Ok(CognitoClaims {
            sub,
            iss,
            token_use,
            aud: aud.flatten(),
            client_id: client_id.flatten(),
            exp,
            iat,
            auth_time,
            nbf,
            cognito_username: cognito_username.flatten(),
            username: username.flatten(),
            groups: groups.unwrap_or_default(),
            other,
        }))
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
    fn from_json_says_which_rule_a_document_broke() {
        let good = id_claims().to_string();
        assert!(CognitoClaims::from_json(good.as_bytes()).is_ok());
        for text in ["[]", "\"x\"", "null", "{", "{} {}", "{\"a\":1}x", "", " "] {
            assert_eq!(
                CognitoClaims::from_json(text.as_bytes()),
                Err(ClaimsError::NotAnObject),
                "{text}"
            );
        }
        for doubled in [
            good.replacen('{', r#"{"sub":"x","#, 1),
            good.replacen('{', r#"{"custom:studio_user_profile":"admin","#, 1),
            good.replacen('{', r#"{"s\u0075b":"x","#, 1),
        ] {
            assert_eq!(
                CognitoClaims::from_json(doubled.as_bytes()),
                Err(ClaimsError::DuplicateClaim),
                "{doubled}"
            );
        }
        let mut value = id_claims();
        value.as_object_mut().unwrap().remove("sub");
        assert_eq!(
            CognitoClaims::from_json(value.to_string().as_bytes()),
            Err(ClaimsError::Invalid)
        );
        value = id_claims();
        value["nbf"] = Value::Null;
        assert_eq!(
            CognitoClaims::from_json(value.to_string().as_bytes()),
            Err(ClaimsError::Invalid)
        );
    }

    #[test]
    fn non_string_claim_reads_as_absent() {
        let mut value = id_claims();
        value["custom:studio_user_profile"] = json!(42);
        let claims: CognitoClaims = serde_json::from_value(value).unwrap();
        assert_eq!(claims.claim_str("custom:studio_user_profile"), None);
    }
}
