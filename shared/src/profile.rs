//! The name of a SageMaker Studio user profile.
//!
//! SageMaker accepts a profile (and a space) name only if it matches
//! `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`: 1 to 63 ASCII letters, digits and
//! hyphens, starting and ending with a letter or digit. [`StudioUserProfileName`]
//! can only be built from such a string, so a value of that type is always safe
//! to send to SageMaker.

use std::fmt;

/// Longest name SageMaker accepts, in characters.
pub const MAX_LEN: usize = 63;

/// A SageMaker Studio user profile name that SageMaker would accept.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudioUserProfileName(String);

/// Why a string is not a valid profile name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileNameError {
    /// When the string is empty.
    #[error("a profile name must not be empty")]
    Empty,
    /// When the string is longer than 63 characters.
    #[error("a profile name has at most 63 characters")]
    TooLong,
    /// When the string holds anything but ASCII letters, digits and hyphens.
    #[error("a profile name holds only ASCII letters, digits and hyphens")]
    BadCharacter,
    /// When the string starts or ends with a hyphen.
    #[error("a profile name starts and ends with a letter or a digit")]
    BadEdge,
}

impl StudioUserProfileName {
    /// Checks `name` against SageMaker's rule and keeps it if it passes.
    pub fn parse(name: &str) -> Result<Self, ProfileNameError> {
        validate(name)?;
        Ok(Self(name.to_owned()))
    }

    /// The name as SageMaker knows it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks `name` against `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`.
///
/// The same rule names SageMaker spaces, so `presign` uses it for `space` too.
pub fn validate(name: &str) -> Result<(), ProfileNameError> {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return Err(ProfileNameError::Empty);
    };
    if bytes.len() > MAX_LEN {
        return Err(ProfileNameError::TooLong);
    }
    if !bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
        return Err(ProfileNameError::BadCharacter);
    }
    if *first == b'-' || *last == b'-' {
        return Err(ProfileNameError::BadEdge);
    }
    Ok(())
}

impl std::str::FromStr for StudioUserProfileName {
    type Err = ProfileNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for StudioUserProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StudioUserProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StudioUserProfileName({:?})", self.0)
    }
}

impl AsRef<str> for StudioUserProfileName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sagemaker_accepts_are_valid() {
        let longest = "a".repeat(63);
        for name in ["a", "user--one", "USER-ONE", "alice", "a1-b2", "0", longest.as_str()] {
            assert_eq!(StudioUserProfileName::parse(name).map(|p| p.0), Ok(name.to_owned()));
        }
    }

    #[test]
    fn names_sagemaker_refuses_are_invalid() {
        let too_long = "a".repeat(64);
        let cases = [
            ("", ProfileNameError::Empty),
            ("first.last@example.com", ProfileNameError::BadCharacter),
            ("first_last", ProfileNameError::BadCharacter),
            ("-user", ProfileNameError::BadEdge),
            ("user-", ProfileNameError::BadEdge),
            ("-", ProfileNameError::BadEdge),
            (too_long.as_str(), ProfileNameError::TooLong),
            ("émile", ProfileNameError::BadCharacter),
            ("a b", ProfileNameError::BadCharacter),
            ("a\n", ProfileNameError::BadCharacter),
        ];
        for (name, want) in cases {
            assert_eq!(StudioUserProfileName::parse(name), Err(want), "{name:?}");
        }
    }

    #[test]
    fn sixty_three_multibyte_characters_are_too_long_or_bad() {
        // 63 characters but more than 63 bytes: refused all the same.
        assert!(StudioUserProfileName::parse(&"é".repeat(32)).is_err());
    }
}
