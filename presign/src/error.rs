//! Everything that ends a request without a URL.
//!
//! Each [`Error`] has an HTTP status, a stable code for the JSON body and the
//! log, and a fixed, helpful text for the client ([`Error::client_message`]).
//! Its `Display` is for the log and holds the cause, SageMaker's own error code
//! and message included.

use shared::{ContextError, StudioUserProfileName};

/// Seconds a client is told to wait after SageMaker throttled it (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// A SageMaker call that failed, as the SDK reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SageMakerFailure {
    /// The operation, e.g. `DescribeUserProfile`.
    pub operation: &'static str,
    /// SageMaker's error code from the SDK's error metadata, e.g. `ThrottlingException`.
    pub code: Option<String>,
    /// SageMaker's error message from the SDK's error metadata.
    pub message: Option<String>,
    /// SageMaker's request id, when it answered.
    pub request_id: Option<String>,
    /// The HTTP status SageMaker answered with, when it answered.
    pub http_status: Option<u16>,
    /// The SDK's full error chain, for failures without a SageMaker answer.
    pub cause: String,
}

/// Why a request got no URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// When the query holds something other than `redirect`, `landing` and
    /// `space`, or a bad value: 400.
    #[error("bad query: {0}")]
    BadQuery(crate::query::QueryError),
    /// When the authorizer context names no profile, or one SageMaker cannot
    /// accept: 403.
    #[error("no usable profile in the authorizer context: {0}")]
    NoProfile(ContextError),
    /// When SageMaker knows no such profile in the domain: 404.
    #[error("sagemaker has no user profile {profile} in the domain")]
    ProfileNotFound {
        /// The caller's profile.
        profile: StudioUserProfileName,
    },
    /// When SageMaker knows no such space in the domain: 404.
    #[error("sagemaker has no space {space} in the domain")]
    SpaceNotFound {
        /// The space asked for.
        space: StudioUserProfileName,
    },
    /// When the profile exists but is not `InService`: 409.
    #[error("user profile {profile} is {status}, not InService")]
    ProfileNotReady {
        /// The caller's profile.
        profile: StudioUserProfileName,
        /// Its status as SageMaker spells it, e.g. `Pending`.
        status: String,
    },
    /// When SageMaker still throttled after the SDK's retries: 503 with `Retry-After`.
    #[error("sagemaker {} throttled beyond the sdk's retries: {}", .0.operation, describe(.0))]
    Throttled(SageMakerFailure),
    /// When SageMaker denied this function's call: 502.
    #[error("sagemaker {} denied access: {}", .0.operation, describe(.0))]
    AccessDenied(SageMakerFailure),
    /// When SageMaker failed, answered something unexpected or could not be
    /// reached: 502.
    #[error("sagemaker {} failed: {}", .0.operation, describe(.0))]
    SageMaker(SageMakerFailure),
    /// When SageMaker did not answer before the function's deadline, or no
    /// time was left to ask it: 504.
    #[error("{}", timeout_text(.operation))]
    Timeout {
        /// The operation in flight, if one was.
        operation: Option<&'static str>,
    },
}

fn timeout_text(operation: &Option<&'static str>) -> String {
    match operation {
        Some(operation) => format!("sagemaker {operation} did not answer before the deadline"),
        None => "no time left before the deadline to call sagemaker".to_owned(),
    }
}

fn describe(failure: &SageMakerFailure) -> String {
    match (&failure.code, &failure.message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.clone(),
        _ => failure.cause.clone(),
    }
}

impl Error {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Error::BadQuery(_) => 400,
            Error::NoProfile(_) => 403,
            Error::ProfileNotFound { .. } | Error::SpaceNotFound { .. } => 404,
            Error::ProfileNotReady { .. } => 409,
            Error::AccessDenied(_) | Error::SageMaker(_) => 502,
            Error::Throttled(_) => 503,
            Error::Timeout { .. } => 504,
        }
    }

    /// The `error` member of the JSON body, also the `outcome` of the log line.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadQuery(_) => "invalid_query",
            Error::NoProfile(_) => "no_profile",
            Error::ProfileNotFound { .. } => "profile_not_found",
            Error::SpaceNotFound { .. } => "space_not_found",
            Error::ProfileNotReady { .. } => "profile_not_ready",
            Error::Throttled(_) => "sagemaker_throttled",
            Error::AccessDenied(_) => "sagemaker_access_denied",
            Error::SageMaker(_) => "sagemaker_failed",
            Error::Timeout { .. } => "sagemaker_timeout",
        }
    }

    /// The `message` member of the JSON body: fixed text that tells a person
    /// what happened and what to do, never SageMaker's own words.
    pub fn client_message(&self) -> String {
        match self {
            Error::BadQuery(error) => error.client_message(),
            Error::NoProfile(ContextError::InvalidProfile(rule)) => format!(
                "the Studio user profile name in your sign-in is not valid for SageMaker \
                 ({rule}); ask an administrator to correct the profile attribute of your account"
            ),
            Error::NoProfile(_) => "your sign-in does not name a SageMaker Studio user profile; \
                ask an administrator to give your account one"
                .to_owned(),
            Error::ProfileNotFound { profile } => format!(
                "there is no SageMaker Studio user profile named {profile:?} in this domain; ask \
                 an administrator to create it"
            ),
            Error::SpaceNotFound { space } => format!(
                "there is no space named {space:?} in this domain; check the space parameter"
            ),
            Error::ProfileNotReady { profile, status } => {
                let advice = match status.as_str() {
                    "Pending" | "Updating" => "try again in a few minutes",
                    _ => "ask an administrator to repair it",
                };
                format!("the Studio user profile {profile:?} is {status}, not InService; {advice}")
            }
            Error::Throttled(_) => format!(
                "SageMaker is receiving too many requests; try again in {RETRY_AFTER_SECONDS} \
                 seconds"
            ),
            Error::AccessDenied(_) => "SageMaker denied this service's request: the presign \
                function must reach SageMaker through the VPC endpoint that its IAM policy \
                allows (aws:sourceVpce); ask an administrator to check the function's VPC \
                settings and the SageMaker API VPC endpoint"
                .to_owned(),
            Error::SageMaker(_) => "SageMaker could not create a Studio URL; try again later, \
                and tell an administrator if it keeps failing"
                .to_owned(),
            Error::Timeout { .. } => "SageMaker did not answer in time; try again".to_owned(),
        }
    }

    /// The SageMaker failure behind this error, if one is.
    pub fn sagemaker_failure(&self) -> Option<&SageMakerFailure> {
        match self {
            Error::Throttled(failure)
            | Error::AccessDenied(failure)
            | Error::SageMaker(failure) => Some(failure),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::ProfileNameError;

    use super::*;

    fn failure(code: &str) -> SageMakerFailure {
        SageMakerFailure {
            operation: "DescribeUserProfile",
            code: Some(code.to_owned()),
            message: Some("secret internal detail".to_owned()),
            request_id: Some("req-1".to_owned()),
            http_status: Some(400),
            cause: "service error".to_owned(),
        }
    }

    fn alice() -> StudioUserProfileName {
        StudioUserProfileName::parse("alice").unwrap()
    }

    #[test]
    fn statuses_follow_the_design() {
        let cases = [
            (Error::BadQuery(crate::query::QueryError::BadRedirect), 400),
            (Error::NoProfile(ContextError::MissingProfile), 403),
            (Error::ProfileNotFound { profile: alice() }, 404),
            (Error::SpaceNotFound { space: alice() }, 404),
            (Error::ProfileNotReady { profile: alice(), status: "Pending".into() }, 409),
            (Error::AccessDenied(failure("AccessDeniedException")), 502),
            (Error::SageMaker(failure("InternalFailure")), 502),
            (Error::Throttled(failure("ThrottlingException")), 503),
            (Error::Timeout { operation: Some("DescribeUserProfile") }, 504),
            (Error::Timeout { operation: None }, 504),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error}");
            assert_ne!(error.status(), 500);
        }
    }

    #[test]
    fn log_text_holds_sagemakers_code_and_message() {
        let text = Error::SageMaker(failure("InternalFailure")).to_string();
        assert_eq!(
            text,
            "sagemaker DescribeUserProfile failed: InternalFailure: secret internal detail"
        );
    }

    #[test]
    fn client_text_never_holds_sagemakers_words() {
        for error in [
            Error::SageMaker(failure("InternalFailure")),
            Error::AccessDenied(failure("AccessDeniedException")),
            Error::Throttled(failure("ThrottlingException")),
        ] {
            let message = error.client_message();
            assert!(!message.contains("secret internal detail"), "{message}");
            assert!(!message.contains("req-1"), "{message}");
        }
    }

    #[test]
    fn access_denied_text_points_at_the_vpc_endpoint() {
        let message = Error::AccessDenied(failure("AccessDeniedException")).client_message();
        assert!(message.contains("VPC endpoint"), "{message}");
        assert!(message.contains("aws:sourceVpce"), "{message}");
    }

    #[test]
    fn invalid_profile_text_says_it_is_not_valid_for_sagemaker() {
        let error = Error::NoProfile(ContextError::InvalidProfile(ProfileNameError::BadCharacter));
        let message = error.client_message();
        assert!(message.contains("not valid for SageMaker"), "{message}");
        assert!(message.contains("letters, digits and hyphens"), "{message}");
    }

    #[test]
    fn not_ready_text_names_the_status() {
        let pending = Error::ProfileNotReady { profile: alice(), status: "Pending".into() };
        assert!(pending.client_message().contains("is Pending, not InService; try again"));
        let failed = Error::ProfileNotReady { profile: alice(), status: "Failed".into() };
        assert!(failed.client_message().contains("is Failed, not InService; ask an administrator"));
    }
}
