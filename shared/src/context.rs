//! The authorizer context: what the authorizer tells `presign` about the caller.
//!
//! API Gateway passes the `context` of an authorizer's answer to the
//! integration as `requestContext.authorizer`, adding `principalId`. It accepts
//! only a flat object of strings, numbers and booleans; this context uses
//! strings only. [`AuthorizerContext::to_fields`] writes it and
//! [`AuthorizerContext::from_fields`] reads it back, so both sides agree on the
//! keys by construction.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::profile::{ProfileNameError, StudioUserProfileName};

/// Key of the SageMaker Studio user profile name.
pub const PROFILE_KEY: &str = "studioUserProfile";
/// Key of the caller's Cognito `sub`.
pub const SUB_KEY: &str = "sub";
/// Key of the caller's user name.
pub const USERNAME_KEY: &str = "username";
/// Key of the caller's groups, joined with commas.
pub const GROUPS_KEY: &str = "groups";

/// Who the caller is, as the authorizer established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerContext {
    /// The Studio user profile the caller may open.
    pub profile: StudioUserProfileName,
    /// The caller's Cognito `sub`.
    pub sub: String,
    /// The caller's user name (empty when the token names none).
    pub username: String,
    /// The caller's Cognito groups.
    pub groups: Vec<String>,
}

/// Why a context could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// When there is no `studioUserProfile` key.
    #[error("the authorizer context holds no {PROFILE_KEY}")]
    MissingProfile,
    /// When a key holds something other than a string.
    #[error("the authorizer context value {0} is not a string")]
    NotAString(&'static str),
    /// When the profile is not a name SageMaker accepts.
    #[error("the authorizer context {PROFILE_KEY} is not a valid SageMaker profile name: {0}")]
    InvalidProfile(ProfileNameError),
}

impl AuthorizerContext {
    /// The flat map the authorizer returns as `context`.
    pub fn to_fields(&self) -> Map<String, Value> {
        let mut fields = Map::with_capacity(4);
        fields.insert(PROFILE_KEY.into(), self.profile.as_str().into());
        fields.insert(SUB_KEY.into(), self.sub.as_str().into());
        fields.insert(USERNAME_KEY.into(), self.username.as_str().into());
        fields.insert(GROUPS_KEY.into(), self.groups.join(",").into());
        fields
    }

    /// Reads the context back from `requestContext.authorizer` as API Gateway
    /// hands it to the integration. The profile is required and validated again;
    /// `sub`, `username` and `groups` read as empty when absent.
    pub fn from_fields(fields: &HashMap<String, Value>) -> Result<Self, ContextError> {
        let profile = match fields.get(PROFILE_KEY) {
            None => return Err(ContextError::MissingProfile),
            Some(Value::String(profile)) => profile,
            Some(_) => return Err(ContextError::NotAString(PROFILE_KEY)),
        };
        let profile =
            StudioUserProfileName::parse(profile).map_err(ContextError::InvalidProfile)?;
        let groups = optional_string(fields, GROUPS_KEY)?;

        Ok(Self {
            profile,
            sub: optional_string(fields, SUB_KEY)?.to_owned(),
            username: optional_string(fields, USERNAME_KEY)?.to_owned(),
            groups: groups.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect(),
        })
    }
}

fn optional_string<'a>(
    fields: &'a HashMap<String, Value>,
    key: &'static str,
) -> Result<&'a str, ContextError> {
    match fields.get(key) {
        None => Ok(""),
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(ContextError::NotAString(key)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn alice() -> AuthorizerContext {
        AuthorizerContext {
            profile: StudioUserProfileName::parse("alice").unwrap(),
            sub: "sub-1".into(),
            username: "alice".into(),
            groups: vec!["studio-users".into(), "admins".into()],
        }
    }

    fn as_received(fields: Map<String, Value>) -> HashMap<String, Value> {
        let mut received: HashMap<String, Value> = fields.into_iter().collect();
        received.insert("principalId".into(), json!("sub-1"));
        received
    }

    #[test]
    fn context_reads_back_what_was_written() {
        let written = alice();
        let fields = written.to_fields();
        assert!(fields.values().all(Value::is_string));
        assert_eq!(AuthorizerContext::from_fields(&as_received(fields)), Ok(written));
    }

    #[test]
    fn no_groups_read_back_as_none() {
        let mut written = alice();
        written.groups.clear();
        let read = AuthorizerContext::from_fields(&as_received(written.to_fields())).unwrap();
        assert!(read.groups.is_empty());
    }

    #[test]
    fn profile_under_another_key_is_missing() {
        let mut fields = as_received(alice().to_fields());
        let profile = fields.remove(PROFILE_KEY).unwrap();
        fields.insert("profile".into(), profile);
        assert_eq!(AuthorizerContext::from_fields(&fields), Err(ContextError::MissingProfile));
    }

    #[test]
    fn profile_as_a_number_is_refused() {
        let mut fields = as_received(alice().to_fields());
        fields.insert(PROFILE_KEY.into(), json!(42));
        assert_eq!(
            AuthorizerContext::from_fields(&fields),
            Err(ContextError::NotAString(PROFILE_KEY))
        );
    }

    #[test]
    fn invalid_profile_name_is_refused() {
        let mut fields = as_received(alice().to_fields());
        fields.insert(PROFILE_KEY.into(), json!("first.last@example.com"));
        assert_eq!(
            AuthorizerContext::from_fields(&fields),
            Err(ContextError::InvalidProfile(ProfileNameError::BadCharacter))
        );
    }
}
