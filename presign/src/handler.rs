//! The handler: one API Gateway proxy request in, one answer out.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use serde_json::Value;
use shared::{AuthorizerContext, StudioUserProfileName};

use crate::answer::{self, Minted};
use crate::error::Error;
use crate::query::Options;
use crate::sagemaker::Calls;
use crate::settings::Settings;

/// Time kept back before the Lambda deadline to answer 504 rather than be cut off.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(500);
/// Time SageMaker gets when the caller passes no deadline: under API Gateway's
/// 29 s integration limit.
pub const NO_DEADLINE_BUDGET: Duration = Duration::from_secs(28);

/// Longest profile value from the context written to the log.
const MAX_LOGGED_PROFILE: usize = 128;

/// Mints presigned Studio URLs for the profile in the authorizer context.
///
/// Built once at cold start, with the settings and the SageMaker client, and
/// shared by every invocation.
#[derive(Debug, Clone)]
pub struct Presigner {
    settings: Settings,
    client: aws_sdk_sagemaker::Client,
}

/// What one request did, for its log line.
#[derive(Default)]
struct Record {
    profile: Option<String>,
    context_keys: Option<String>,
    options: Options,
    operation: Option<&'static str>,
    sagemaker_request_id: Option<String>,
}

impl Presigner {
    /// A presigner for `settings` that calls SageMaker through `client`.
    pub fn new(settings: Settings, client: aws_sdk_sagemaker::Client) -> Self {
        Self { settings, client }
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Answers one request. It never fails and never panics: every outcome is
    /// an HTTP answer, and each writes one `info` line to the log. When
    /// `deadline` is given (the Lambda invocation deadline), SageMaker gets
    /// until [`DEADLINE_MARGIN`] before it and the answer is 504 after that;
    /// without one, it gets [`NO_DEADLINE_BUDGET`].
    pub async fn handle(
        &self,
        request: ApiGatewayProxyRequest,
        deadline: Option<SystemTime>,
    ) -> ApiGatewayProxyResponse {
        let started = Instant::now();
        let mut record = Record::default();

        let outcome = self.presign(&request, deadline, &mut record).await;

        let response = match &outcome {
            Ok(minted) => answer::minted(minted, record.options.redirect),
            Err(error) => answer::error(error),
        };
        self.log(&request, &record, &outcome, response.status_code, started.elapsed());
        response
    }

    async fn presign(
        &self,
        request: &ApiGatewayProxyRequest,
        deadline: Option<SystemTime>,
        record: &mut Record,
    ) -> Result<Minted, Error> {
        let profile = read_profile(request, record)?;
        record.options = Options::from_request(request).map_err(Error::BadQuery)?;

        let budget = match deadline {
            None => NO_DEADLINE_BUDGET,
            Some(deadline) => deadline
                .duration_since(SystemTime::now())
                .ok()
                .and_then(|left| left.checked_sub(DEADLINE_MARGIN))
                .unwrap_or_default(),
        };
        if budget.is_zero() {
            return Err(Error::Timeout { operation: None });
        }
        let mut calls = Calls::new(&self.client, &self.settings);
        let options = &record.options;
        let talk = async {
            calls.check_profile(&profile).await?;
            calls.presign(&profile, options).await
        };
        let result = tokio::time::timeout(budget, talk).await;

        record.operation = Some(calls.operation);
        record.sagemaker_request_id = calls.request_id;
        result.unwrap_or(Err(Error::Timeout { operation: Some(calls.operation) }))
    }

    fn log(
        &self,
        request: &ApiGatewayProxyRequest,
        record: &Record,
        outcome: &Result<Minted, Error>,
        status: i64,
        latency: Duration,
    ) {
        let (outcome, reason, failure) = match outcome {
            Ok(_) if record.options.redirect => ("redirect", None, None),
            Ok(_) => ("url", None, None),
            Err(error) => (error.code(), Some(error.to_string()), error.sagemaker_failure()),
        };
        tracing::info!(
            api_request_id = request.request_context.request_id.as_deref(),
            profile = record.profile.as_deref(),
            domain = %self.settings.domain_id,
            space = record.options.space.as_ref().map(StudioUserProfileName::as_str),
            landing = record.options.landing.as_ref().map(|l| l.as_str()),
            outcome,
            status,
            reason = reason.as_deref(),
            context_keys = record.context_keys.as_deref(),
            query_profile_ignored = record.options.ignored_profile.then_some(true),
            sagemaker_operation = record.operation,
            sagemaker_request_id = record.sagemaker_request_id.as_deref(),
            sagemaker_error_code = failure.and_then(|f| f.code.as_deref()),
            sagemaker_error_message = failure.and_then(|f| f.message.as_deref()),
            sagemaker_http_status = failure.and_then(|f| f.http_status),
            latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            "presign answer"
        );
    }
}

/// The caller's profile, from the authorizer context only.
fn read_profile(
    request: &ApiGatewayProxyRequest,
    record: &mut Record,
) -> Result<StudioUserProfileName, Error> {
    let fields = &request.request_context.authorizer.fields;
    match AuthorizerContext::from_fields(fields) {
        Ok(context) => {
            record.profile = Some(context.profile.as_str().to_owned());
            Ok(context.profile)
        }
        Err(error) => {
            // Say what the context held, so a misconfigured authorizer is plain
            // to see: the keys, and the profile value if it is a string.
            let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
            keys.sort_unstable();
            record.context_keys = Some(keys.join(","));
            if let Some(Value::String(profile)) = fields.get(shared::context::PROFILE_KEY) {
                record.profile = Some(profile.chars().take(MAX_LOGGED_PROFILE).collect());
            }
            Err(Error::NoProfile(error))
        }
    }
}
