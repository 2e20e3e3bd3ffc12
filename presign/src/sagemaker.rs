//! The two SageMaker calls, and what their failures mean for the caller.
//!
//! SageMaker's own error code and message come from the SDK's error metadata
//! ([`ProvideErrorMetadata`]); the SDK's `Display` of a service error says only
//! "service error". Throttling is retried by the SDK's standard retry mode
//! before it reaches this module.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::config::http::HttpResponse;
use aws_sdk_sagemaker::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sagemaker::operation::RequestId;
use aws_sdk_sagemaker::types::UserProfileStatus;
use shared::StudioUserProfileName;
use time::OffsetDateTime;

use crate::answer::{Minted, PresignedUrl};
use crate::error::{Error, SageMakerFailure};
use crate::query::Options;
use crate::settings::Settings;

/// Error codes that mean "slow down", as the SDK's retry classifier knows them.
const THROTTLING_CODES: [&str; 8] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
];

/// Error codes that mean the caller's IAM policy refused the call.
const ACCESS_DENIED_CODES: [&str; 2] = ["AccessDeniedException", "AccessDenied"];

const DESCRIBE: &str = "DescribeUserProfile";
const PRESIGN: &str = "CreatePresignedDomainUrl";

/// One request's conversation with SageMaker, remembering what the log line needs.
pub(crate) struct Calls<'a> {
    client: &'a Client,
    settings: &'a Settings,
    /// The operation in flight, or the last one made.
    pub(crate) operation: &'static str,
    /// SageMaker's request id of the last answer.
    pub(crate) request_id: Option<String>,
}

impl<'a> Calls<'a> {
    pub(crate) fn new(client: &'a Client, settings: &'a Settings) -> Self {
        Self { client, settings, operation: DESCRIBE, request_id: None }
    }

    /// `DescribeUserProfile`: the profile must exist and be `InService`.
    pub(crate) async fn check_profile(
        &mut self,
        profile: &StudioUserProfileName,
    ) -> Result<(), Error> {
        self.operation = DESCRIBE;
        let answer = self
            .client
            .describe_user_profile()
            .domain_id(&self.settings.domain_id)
            .user_profile_name(profile.as_str())
            .send()
            .await;
        self.request_id = answer.request_id().map(str::to_owned);
        let described = answer.map_err(|error| {
            refusal(DESCRIBE, &error, || Error::ProfileNotFound { profile: profile.clone() })
        })?;

        match described.status() {
            Some(UserProfileStatus::InService) => Ok(()),
            Some(status) => Err(Error::ProfileNotReady {
                profile: profile.clone(),
                status: status.as_str().to_owned(),
            }),
            None => Err(Error::SageMaker(unexpected(
                DESCRIBE,
                self.request_id.clone(),
                "the answer holds no Status",
            ))),
        }
    }

    /// `CreatePresignedDomainUrl` with the configured lifetimes and the
    /// caller's landing page and space.
    pub(crate) async fn presign(
        &mut self,
        profile: &StudioUserProfileName,
        options: &Options,
    ) -> Result<Minted, Error> {
        self.operation = PRESIGN;
        let asked_at = OffsetDateTime::now_utc();
        let answer = self
            .client
            .create_presigned_domain_url()
            .domain_id(&self.settings.domain_id)
            .user_profile_name(profile.as_str())
            .expires_in_seconds(self.settings.url_expires_seconds)
            .session_expiration_duration_in_seconds(self.settings.session_expires_seconds)
            .set_landing_uri(options.landing.as_ref().map(|l| l.as_str().to_owned()))
            .set_space_name(options.space.as_ref().map(|s| s.as_str().to_owned()))
            .send()
            .await;
        self.request_id = answer.request_id().map(str::to_owned);
        let output = answer.map_err(|error| {
            refusal(PRESIGN, &error, || match &options.space {
                Some(space) => Error::SpaceNotFound { space: space.clone() },
                None => Error::ProfileNotFound { profile: profile.clone() },
            })
        })?;

        let url = output.authorized_url.and_then(PresignedUrl::new).ok_or_else(|| {
            let problem = "the answer holds no AuthorizedUrl, or not an https URL";
            Error::SageMaker(unexpected(PRESIGN, self.request_id.clone(), problem))
        })?;
        let lifetime = time::Duration::seconds(self.settings.url_expires_seconds.into());
        Ok(Minted { url, expires_at: asked_at + lifetime })
    }
}

/// What the SDK says about a failed call.
fn failure<E>(operation: &'static str, error: &SdkError<E, HttpResponse>) -> SageMakerFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    SageMakerFailure {
        operation,
        code: error.code().map(str::to_owned),
        message: error.message().map(str::to_owned),
        request_id: error.request_id().map(str::to_owned),
        http_status: error.raw_response().map(|raw| raw.status().as_u16()),
        cause: DisplayErrorContext(error).to_string(),
    }
}

fn unexpected(
    operation: &'static str,
    request_id: Option<String>,
    problem: &str,
) -> SageMakerFailure {
    SageMakerFailure {
        operation,
        code: None,
        message: None,
        request_id,
        http_status: None,
        cause: problem.to_owned(),
    }
}

/// What a failed call means for the caller; `not_found` is the error for
/// SageMaker's `ResourceNotFound`.
fn refusal<E>(
    operation: &'static str,
    error: &SdkError<E, HttpResponse>,
    not_found: impl FnOnce() -> Error,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let SdkError::TimeoutError(_) = error {
        return Error::Timeout { operation: Some(operation) };
    }
    let failure = failure(operation, error);
    let code = failure.code.as_deref().unwrap_or_default();
    if code == "ResourceNotFound" {
        not_found()
    } else if THROTTLING_CODES.contains(&code) || failure.http_status == Some(429) {
        Error::Throttled(failure)
    } else if ACCESS_DENIED_CODES.contains(&code) {
        Error::AccessDenied(failure)
    } else {
        Error::SageMaker(failure)
    }
}
