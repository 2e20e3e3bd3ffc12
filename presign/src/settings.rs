//! Presign settings, read once at cold start.
//!
//! Every setting comes from the environment (see DESIGN.md). A missing or bad
//! value stops the function at start-up with a message that names the variable
//! and the rule or range it broke. `AWS_ENDPOINT_URL_SAGEMAKER` is not read
//! here: it is the SDK's own setting and `aws-config` reads it.

use std::ops::RangeInclusive;

/// Settings the function cannot start without.
pub const REQUIRED_VARS: &[&str] = &["STUDIO_DOMAIN_ID"];
/// Settings with a default.
pub const OPTIONAL_VARS: &[&str] = &["URL_EXPIRES_SECONDS", "SESSION_EXPIRES_SECONDS"];

/// What `URL_EXPIRES_SECONDS` may be: SageMaker's `ExpiresInSeconds` range.
pub const URL_EXPIRES_RANGE: RangeInclusive<i32> = 5..=300;
/// `URL_EXPIRES_SECONDS` when unset.
pub const DEFAULT_URL_EXPIRES_SECONDS: i32 = 60;
/// What `SESSION_EXPIRES_SECONDS` may be: SageMaker's
/// `SessionExpirationDurationInSeconds` range.
pub const SESSION_EXPIRES_RANGE: RangeInclusive<i32> = 1800..=43200;
/// `SESSION_EXPIRES_SECONDS` when unset.
pub const DEFAULT_SESSION_EXPIRES_SECONDS: i32 = 43200;

/// Everything the presign function is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `STUDIO_DOMAIN_ID`: the SageMaker domain, e.g. `d-abc123xyz456` (required).
    pub domain_id: String,
    /// `URL_EXPIRES_SECONDS`: how long a presigned URL can be opened, sent as
    /// `ExpiresInSeconds`. 5 to 300; default 60.
    pub url_expires_seconds: i32,
    /// `SESSION_EXPIRES_SECONDS`: how long the Studio session it opens lasts,
    /// sent as `SessionExpirationDurationInSeconds`. 1800 to 43200; default 43200.
    pub session_expires_seconds: i32,
}

/// A setting that stops the function at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {rule}")]
pub struct SettingsError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What it must be, and what it was when that helps.
    pub rule: String,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which answers a variable's value.
    /// An empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let domain_id = get("STUDIO_DOMAIN_ID").ok_or_else(|| SettingsError {
            var: "STUDIO_DOMAIN_ID",
            rule: "is required: the SageMaker domain id, e.g. d-abc123xyz456".to_owned(),
        })?;
        if !is_domain_id(&domain_id) {
            return Err(SettingsError {
                var: "STUDIO_DOMAIN_ID",
                rule: format!(
                    "must be a SageMaker domain id: d- then lowercase letters, digits and \
                     hyphens, ending with a letter or digit, at most 63 characters, e.g. \
                     d-abc123xyz456; got {domain_id:?}"
                ),
            });
        }

        let url_expires_seconds = seconds(
            "URL_EXPIRES_SECONDS",
            get("URL_EXPIRES_SECONDS"),
            URL_EXPIRES_RANGE,
            DEFAULT_URL_EXPIRES_SECONDS,
        )?;
        let session_expires_seconds = seconds(
            "SESSION_EXPIRES_SECONDS",
            get("SESSION_EXPIRES_SECONDS"),
            SESSION_EXPIRES_RANGE,
            DEFAULT_SESSION_EXPIRES_SECONDS,
        )?;

        Ok(Self { domain_id, url_expires_seconds, session_expires_seconds })
    }
}

/// A whole number of seconds within `range`, or `default` when unset.
fn seconds(
    var: &'static str,
    value: Option<String>,
    range: RangeInclusive<i32>,
    default: i32,
) -> Result<i32, SettingsError> {
    let Some(value) = value else {
        return Ok(default);
    };
    value.parse::<i32>().ok().filter(|s| range.contains(s)).ok_or_else(|| SettingsError {
        var,
        rule: format!(
            "must be a whole number of seconds from {} to {}; got {value:?}",
            range.start(),
            range.end()
        ),
    })
}

/// SageMaker's domain id pattern, `d-(-*[a-z0-9]){1,61}`, at most 63 characters.
fn is_domain_id(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("d-") else {
        return false;
    };
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let significant = rest.bytes().filter(allowed).count();
    value.len() <= 63
        && (1..=61).contains(&significant)
        && rest.bytes().all(|b| allowed(&b) || b == b'-')
        && !rest.ends_with('-')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn domain_alone_takes_the_defaults() {
        let settings = read(&[("STUDIO_DOMAIN_ID", "d-abc123xyz456")]).unwrap();
        assert_eq!(
            settings,
            Settings {
                domain_id: "d-abc123xyz456".into(),
                url_expires_seconds: 60,
                session_expires_seconds: 43200,
            }
        );
    }

    #[test]
    fn lifetimes_at_the_edges_of_their_ranges_are_accepted() {
        for (url, session) in [("5", "1800"), ("300", "43200"), (" 120 ", "3600")] {
            let settings = read(&[
                ("STUDIO_DOMAIN_ID", "d-abc123xyz456"),
                ("URL_EXPIRES_SECONDS", url),
                ("SESSION_EXPIRES_SECONDS", session),
            ])
            .unwrap();
            assert_eq!(settings.url_expires_seconds.to_string(), url.trim());
            assert_eq!(settings.session_expires_seconds.to_string(), session);
        }
    }

    #[test]
    fn missing_domain_is_named() {
        for vars in [&[][..], &[("STUDIO_DOMAIN_ID", "  ")][..]] {
            let error = read(vars).unwrap_err();
            assert_eq!(error.var, "STUDIO_DOMAIN_ID");
            assert!(error.to_string().starts_with("STUDIO_DOMAIN_ID: is required"), "{error}");
        }
    }

    #[test]
    fn domain_not_shaped_like_a_domain_id_is_refused() {
        for bad in ["abc123", "d-", "d-ABC", "d-abc_123", "d-abc-", "arn:aws:sagemaker:d-abc"] {
            let error = read(&[("STUDIO_DOMAIN_ID", bad)]).unwrap_err();
            assert_eq!(error.var, "STUDIO_DOMAIN_ID", "{bad}");
            assert!(error.rule.contains("SageMaker domain id"), "{error}");
        }
    }

    #[test]
    fn url_lifetime_out_of_range_refuses_to_start_and_says_the_range() {
        for bad in ["600", "0", "4", "-5", "sixty", "60s", "1e2"] {
            let error =
                read(&[("STUDIO_DOMAIN_ID", "d-abc123xyz456"), ("URL_EXPIRES_SECONDS", bad)])
                    .unwrap_err();
            assert_eq!(error.var, "URL_EXPIRES_SECONDS");
            let message = error.to_string();
            assert!(message.starts_with("URL_EXPIRES_SECONDS: "), "{message}");
            assert!(message.contains("from 5 to 300"), "{message}");
        }
    }

    #[test]
    fn session_lifetime_out_of_range_refuses_to_start_and_says_the_range() {
        for bad in ["86400", "1799", "0"] {
            let error =
                read(&[("STUDIO_DOMAIN_ID", "d-abc123xyz456"), ("SESSION_EXPIRES_SECONDS", bad)])
                    .unwrap_err();
            assert_eq!(error.var, "SESSION_EXPIRES_SECONDS");
            let message = error.to_string();
            assert!(message.contains("from 1800 to 43200"), "{message}");
        }
    }

    #[test]
    fn variable_lists_name_every_setting_read() {
        assert_eq!(REQUIRED_VARS, ["STUDIO_DOMAIN_ID"]);
        assert_eq!(OPTIONAL_VARS, ["URL_EXPIRES_SECONDS", "SESSION_EXPIRES_SECONDS"]);
    }
}
