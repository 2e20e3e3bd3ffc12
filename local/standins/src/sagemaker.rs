//! A SageMaker stand-in for Studio user profiles and presigned domain URLs.
//!
//! moto implements SageMaker domains but not user profiles or
//! `CreatePresignedDomainUrl`, so this server speaks the AWS JSON 1.1 protocol
//! that `aws-sdk-sagemaker` uses (`POST /`, `X-Amz-Target: SageMaker.<Operation>`)
//! for four operations: `CreateUserProfile`, `DescribeUserProfile`,
//! `DeleteUserProfile` and `CreatePresignedDomainUrl`. Any other target answers
//! `UnknownOperationException`.
//!
//! What it does like SageMaker:
//!
//! - it checks inputs as the API reference states them (required members, the
//!   domain id and name patterns, the lifetime ranges, length limits) and
//!   answers `ValidationException`; a body that is not the right JSON answers
//!   `SerializationException`;
//! - errors carry the real shape, `{"__type": "<Code>", "message": "..."}`,
//!   with an `x-amzn-RequestId` header on every answer, so the SDK's error
//!   metadata and request ids work;
//! - unknown domains, profiles and spaces answer `ResourceNotFound`, a second
//!   profile of the same name `ResourceInUse`;
//! - a request without a SigV4 `Authorization` header answers
//!   `MissingAuthenticationTokenException`, and one signed for another region
//!   `InvalidSignatureException` (the signature itself is not checked);
//! - URLs look like `https://<domainId>.studio.<region>.sagemaker.aws/auth?token=<random>`,
//!   every token different.
//!
//! What it does differently, on purpose:
//!
//! - a profile made with `CreateUserProfile` is `InService` at once (SageMaker
//!   passes through `Pending` first); [`StandInOptions::new_profile_status`]
//!   changes that, and [`SageMakerStandIn::set_profile_status`] moves a
//!   profile to any status;
//! - `DeleteUserProfile` removes the profile at once;
//! - spaces are not created through the API: [`SageMakerStandIn::add_space`]
//!   makes one known, and `CreatePresignedDomainUrl` with an unknown space
//!   answers `ResourceNotFound`;
//! - `CreatePresignedDomainUrl` does not look at the profile's status.
//!
//! Faults are injected with [`FaultRule`]s: throttling, internal errors,
//! `AccessDeniedException`, a delay, or a hang, for the next N calls or until
//! cleared, on one operation or all. Every call is counted per operation, faulted
//! or not, and every minted URL is recorded.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use standins::sagemaker::{Fault, ProfileStatus, SageMakerStandIn, StandInOptions};
//!
//! let sagemaker = SageMakerStandIn::start(StandInOptions::default()).await?;
//! let client = sagemaker.client();
//! client
//!     .create_user_profile()
//!     .domain_id(sagemaker.domain_id())
//!     .user_profile_name("alice")
//!     .send()
//!     .await
//!     .expect("the stand-in creates profiles");
//! sagemaker.fail_next(2, Fault::Throttling);
//! let status = sagemaker.profile_status(sagemaker.domain_id(), "alice");
//! assert_eq!(status, Some(ProfileStatus::InService));
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use aws_sdk_sagemaker::config::retry::{RetryConfig, RetryPartition};
use aws_sdk_sagemaker::config::{BehaviorVersion, Credentials, Region};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// Region the stand-in claims to be in unless told otherwise.
pub const DEFAULT_REGION: &str = "eu-west-1";
/// Account id in the ARNs the stand-in answers with.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// The domain the stand-in knows from the start unless told otherwise.
pub const DEFAULT_DOMAIN_ID: &str = "d-abc123xyz456";
/// Access key id of the static test credentials that [`SageMakerStandIn::client`]
/// and [`SageMakerStandIn::sdk_env`] use.
pub const TEST_ACCESS_KEY_ID: &str = "AKIDSTANDINTEST00000";
/// Secret of the static test credentials.
pub const TEST_SECRET_ACCESS_KEY: &str = "standin-test-secret-not-a-real-key";

const JSON_1_1: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "SageMaker.";

/// How to start a [`SageMakerStandIn`].
#[derive(Debug, Clone)]
pub struct StandInOptions {
    /// Port on 127.0.0.1; `0` lets the OS choose. Default `0`.
    pub port: u16,
    /// Region in minted URLs and ARNs; requests must be signed for it. Default
    /// [`DEFAULT_REGION`].
    pub region: String,
    /// Account id in ARNs. Default [`DEFAULT_ACCOUNT_ID`].
    pub account_id: String,
    /// Domains that exist from the start; the first is [`SageMakerStandIn::domain_id`].
    /// Default `[DEFAULT_DOMAIN_ID]`.
    pub domain_ids: Vec<String>,
    /// Status a profile has right after `CreateUserProfile`. Default `InService`.
    pub new_profile_status: ProfileStatus,
}

impl Default for StandInOptions {
    fn default() -> Self {
        Self {
            port: 0,
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            domain_ids: vec![DEFAULT_DOMAIN_ID.to_owned()],
            new_profile_status: ProfileStatus::InService,
        }
    }
}

/// The operations the stand-in serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `CreateUserProfile`.
    CreateUserProfile,
    /// `DescribeUserProfile`.
    DescribeUserProfile,
    /// `DeleteUserProfile`.
    DeleteUserProfile,
    /// `CreatePresignedDomainUrl`.
    CreatePresignedDomainUrl,
}

impl Operation {
    /// Every operation the stand-in serves.
    pub const ALL: [Operation; 4] = [
        Operation::CreateUserProfile,
        Operation::DescribeUserProfile,
        Operation::DeleteUserProfile,
        Operation::CreatePresignedDomainUrl,
    ];

    /// The name after `SageMaker.` in `X-Amz-Target`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateUserProfile => "CreateUserProfile",
            Operation::DescribeUserProfile => "DescribeUserProfile",
            Operation::DeleteUserProfile => "DeleteUserProfile",
            Operation::CreatePresignedDomainUrl => "CreatePresignedDomainUrl",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// The status of a user profile, spelled on the wire as SageMaker spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileStatus {
    /// `Pending`: being created.
    Pending,
    /// `InService`: ready; the only status `presign` mints URLs for.
    InService,
    /// `Failed`: creation failed.
    Failed,
    /// `Updating`.
    Updating,
    /// `Update_Failed`.
    UpdateFailed,
    /// `Deleting`.
    Deleting,
    /// `Delete_Failed`.
    DeleteFailed,
}

impl ProfileStatus {
    /// The status as it appears in `DescribeUserProfile`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileStatus::Pending => "Pending",
            ProfileStatus::InService => "InService",
            ProfileStatus::Failed => "Failed",
            ProfileStatus::Updating => "Updating",
            ProfileStatus::UpdateFailed => "Update_Failed",
            ProfileStatus::Deleting => "Deleting",
            ProfileStatus::DeleteFailed => "Delete_Failed",
        }
    }

    fn failed(self) -> bool {
        matches!(
            self,
            ProfileStatus::Failed | ProfileStatus::UpdateFailed | ProfileStatus::DeleteFailed
        )
    }
}

/// A way to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 400 `ThrottlingException` "Rate exceeded", which the SDK retries.
    Throttling,
    /// HTTP 500 `InternalFailure`, which the SDK retries.
    InternalError,
    /// HTTP 400 `AccessDeniedException`, as when the caller's policy refuses the
    /// call (for instance an `aws:sourceVpce` condition that does not hold).
    AccessDenied,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Never answer, until [`SageMakerStandIn::release_hangs`] (then answer
    /// normally) or shutdown.
    Hang,
}

/// When a [`Fault`] applies: to which operation and how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// Only this operation, or every operation when `None`.
    pub operation: Option<Operation>,
    /// How many more calls it applies to; `None` until cleared.
    pub remaining: Option<u32>,
}

impl FaultRule {
    /// `fault` on every call of every operation, until cleared.
    pub fn always(fault: Fault) -> Self {
        Self { fault, operation: None, remaining: None }
    }

    /// `fault` on the next `times` calls.
    pub fn next(times: u32, fault: Fault) -> Self {
        Self { fault, operation: None, remaining: Some(times) }
    }

    /// Restricts the rule to `operation`.
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }
}

/// A URL the stand-in minted, with the request that asked for it.
#[derive(Clone, PartialEq, Eq)]
pub struct MintedUrl {
    /// `DomainId` of the request.
    pub domain_id: String,
    /// `UserProfileName` of the request.
    pub user_profile_name: String,
    /// `SpaceName`, if given.
    pub space_name: Option<String>,
    /// `LandingUri`, if given.
    pub landing_uri: Option<String>,
    /// `ExpiresInSeconds`, if given.
    pub expires_in_seconds: Option<i64>,
    /// `SessionExpirationDurationInSeconds`, if given.
    pub session_expiration_duration_in_seconds: Option<i64>,
    /// The whole URL, token included.
    pub url: String,
    /// The token alone.
    pub token: String,
}

impl fmt::Debug for MintedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedUrl")
            .field("domain_id", &self.domain_id)
            .field("user_profile_name", &self.user_profile_name)
            .field("space_name", &self.space_name)
            .field("landing_uri", &self.landing_uri)
            .field("expires_in_seconds", &self.expires_in_seconds)
            .field(
                "session_expiration_duration_in_seconds",
                &self.session_expiration_duration_in_seconds,
            )
            .field("url", &"[redacted]")
            .field("token", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Profile {
    status: ProfileStatus,
    created: f64,
    modified: f64,
    sso_identifier: Option<String>,
    sso_value: Option<String>,
    user_settings: Option<Value>,
}

#[derive(Debug, Default)]
struct Inner {
    domains: BTreeSet<String>,
    profiles: BTreeMap<(String, String), Profile>,
    spaces: BTreeSet<(String, String)>,
    faults: Vec<FaultRule>,
    calls: HashMap<Operation, usize>,
    minted: Vec<MintedUrl>,
}

struct Shared {
    region: String,
    account_id: String,
    new_profile_status: ProfileStatus,
    inner: Mutex<Inner>,
    release: Notify,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running SageMaker stand-in on 127.0.0.1. It stops when dropped or on
/// [`SageMakerStandIn::shutdown`].
pub struct SageMakerStandIn {
    address: SocketAddr,
    domain_id: String,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for SageMakerStandIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SageMakerStandIn")
            .field("address", &self.address)
            .field("region", &self.shared.region)
            .finish_non_exhaustive()
    }
}

impl SageMakerStandIn {
    /// Binds 127.0.0.1 on `options.port` and starts serving on the current
    /// Tokio runtime.
    pub async fn start(options: StandInOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let address = listener.local_addr()?;
        let (stop, shutdown) = watch::channel(false);
        let domain_id = options.domain_ids.first().cloned().unwrap_or_default();
        let shared = Arc::new(Shared {
            region: options.region,
            account_id: options.account_id,
            new_profile_status: options.new_profile_status,
            inner: Mutex::new(Inner {
                domains: options.domain_ids.into_iter().collect(),
                ..Inner::default()
            }),
            release: Notify::new(),
            shutdown: shutdown.clone(),
        });

        let app = Router::new().route("/", axum::routing::post(serve)).with_state(shared.clone());
        let mut signal = shutdown;
        let server = tokio::spawn(async move {
            let stopped = async move {
                let _ = signal.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                tracing::warn!(%error, "sagemaker stand-in stopped serving");
            }
        });

        Ok(Self { address, domain_id, shared, stop, server: Some(server) })
    }

    /// `http://127.0.0.1:<port>`, for `endpoint_url` or `AWS_ENDPOINT_URL_SAGEMAKER`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The region requests must be signed for and URLs are minted in.
    pub fn region(&self) -> &str {
        &self.shared.region
    }

    /// The first domain of [`StandInOptions::domain_ids`] (empty if none).
    pub fn domain_id(&self) -> &str {
        &self.domain_id
    }

    /// Makes a domain known.
    pub fn add_domain(&self, domain_id: &str) {
        self.shared.lock().domains.insert(domain_id.to_owned());
    }

    /// Makes a space known in a domain, for `CreatePresignedDomainUrl` with `SpaceName`.
    pub fn add_space(&self, domain_id: &str, space_name: &str) {
        self.shared.lock().spaces.insert((domain_id.to_owned(), space_name.to_owned()));
    }

    /// Puts a profile straight into the stand-in (and its domain, if new), as if
    /// `CreateUserProfile` had run and the profile had reached `status`.
    pub fn put_profile(&self, domain_id: &str, name: &str, status: ProfileStatus) {
        let now = epoch_seconds();
        let mut inner = self.shared.lock();
        inner.domains.insert(domain_id.to_owned());
        inner.profiles.insert(
            (domain_id.to_owned(), name.to_owned()),
            Profile {
                status,
                created: now,
                modified: now,
                sso_identifier: None,
                sso_value: None,
                user_settings: None,
            },
        );
    }

    /// Moves an existing profile to `status`; `false` if there is no such profile.
    pub fn set_profile_status(&self, domain_id: &str, name: &str, status: ProfileStatus) -> bool {
        let mut inner = self.shared.lock();
        match inner.profiles.get_mut(&(domain_id.to_owned(), name.to_owned())) {
            Some(profile) => {
                profile.status = status;
                profile.modified = epoch_seconds();
                true
            }
            None => false,
        }
    }

    /// The status of a profile, if it exists.
    pub fn profile_status(&self, domain_id: &str, name: &str) -> Option<ProfileStatus> {
        let inner = self.shared.lock();
        inner.profiles.get(&(domain_id.to_owned(), name.to_owned())).map(|p| p.status)
    }

    /// Adds a fault rule. Rules are tried in the order they were added; the
    /// first that matches a call and has calls left applies and counts down.
    pub fn set_fault(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// `fault` on the next `times` calls of any operation.
    pub fn fail_next(&self, times: u32, fault: Fault) {
        self.set_fault(FaultRule::next(times, fault));
    }

    /// Removes every fault rule. Calls already hanging keep hanging until
    /// [`SageMakerStandIn::release_hangs`].
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Lets every call that is hanging now answer normally.
    pub fn release_hangs(&self) {
        self.shared.release.notify_waiters();
    }

    /// Calls received for `operation` so far, faulted ones included.
    pub fn calls(&self, operation: Operation) -> usize {
        self.shared.lock().calls.get(&operation).copied().unwrap_or(0)
    }

    /// Calls received for every operation so far.
    pub fn total_calls(&self) -> usize {
        self.shared.lock().calls.values().sum()
    }

    /// Every URL minted so far, in order.
    pub fn minted(&self) -> Vec<MintedUrl> {
        self.shared.lock().minted.clone()
    }

    /// The token of every URL minted so far, in order.
    pub fn minted_tokens(&self) -> Vec<String> {
        self.shared.lock().minted.iter().map(|m| m.token.clone()).collect()
    }

    /// An SDK configuration for this stand-in: its region and endpoint, static
    /// test credentials, the SDK's standard retry mode (3 attempts) with a 10 ms
    /// initial backoff so retries do not slow tests, and a retry partition of its
    /// own so no other client's retry budget is spent.
    pub fn sdk_config(&self) -> aws_sdk_sagemaker::Config {
        aws_sdk_sagemaker::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.shared.region.clone()))
            .credentials_provider(Credentials::new(
                TEST_ACCESS_KEY_ID,
                TEST_SECRET_ACCESS_KEY,
                None,
                None,
                "standins",
            ))
            .endpoint_url(self.endpoint_url())
            .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(10)))
            .retry_partition(RetryPartition::new(format!("sagemaker-standin-{}", self.address)))
            .build()
    }

    /// A SageMaker client built from [`SageMakerStandIn::sdk_config`].
    pub fn client(&self) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::from_conf(self.sdk_config())
    }

    /// The environment a process needs to reach this stand-in through
    /// `aws-config`: `AWS_ENDPOINT_URL_SAGEMAKER`, the region, the static test
    /// credentials, and settings that keep `aws-config` off instance metadata
    /// and away from the user's own `~/.aws` files.
    pub fn sdk_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL_SAGEMAKER", self.endpoint_url()),
            ("AWS_REGION", self.shared.region.clone()),
            ("AWS_DEFAULT_REGION", self.shared.region.clone()),
            ("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_CONFIG_FILE", "/nonexistent/studio-gate/aws-config".to_owned()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/studio-gate/aws-credentials".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Stops serving and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for SageMakerStandIn {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn epoch_seconds() -> f64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as f64 / 1000.0
}

/// An error answer in the AWS JSON 1.1 shape.
struct AwsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl AwsError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    fn validation(problems: &[String]) -> Self {
        let count = problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        let message = format!("{count} validation {noun}: {}", problems.join("; "));
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ResourceNotFound", message)
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(JSON_1_1));
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("x-amzn-RequestId", id);
    }
    response
}

fn error_answer(error: AwsError) -> Response {
    answer(error.status, json!({"__type": error.code, "message": error.message}))
}

async fn serve(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(operation) = target.strip_prefix(TARGET_PREFIX).and_then(Operation::from_name) else {
        let message = format!("operation {target:?} is not served by the SageMaker stand-in");
        return error_answer(AwsError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            message,
        ));
    };

    let fault = {
        let mut inner = shared.lock();
        *inner.calls.entry(operation).or_insert(0) += 1;
        take_fault(&mut inner.faults, operation)
    };
    if let Err(error) = check_signature(&headers, &shared.region) {
        return error_answer(error);
    }
    match fault {
        Some(Fault::Throttling) => {
            return error_answer(AwsError::new(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                "Rate exceeded",
            ));
        }
        Some(Fault::InternalError) => {
            return error_answer(AwsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "The request processing has failed because of an unknown error.",
            ));
        }
        Some(Fault::AccessDenied) => {
            let message = format!(
                "User: arn:aws:sts::{}:assumed-role/presign/presign is not authorized to \
                 perform: sagemaker:{} because no identity-based policy allows it",
                shared.account_id,
                operation.name()
            );
            return error_answer(AwsError::new(
                StatusCode::BAD_REQUEST,
                "AccessDeniedException",
                message,
            ));
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Hang) => {
            let mut shutdown = shared.shutdown.clone();
            tokio::select! {
                () = shared.release.notified() => {}
                _ = shutdown.wait_for(|stop| *stop) => {
                    return error_answer(AwsError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "ServiceUnavailable",
                        "the stand-in is shutting down",
                    ));
                }
            }
        }
        None => {}
    }

    let result = match operation {
        Operation::CreateUserProfile => create_user_profile(&shared, &body),
        Operation::DescribeUserProfile => describe_user_profile(&shared, &body),
        Operation::DeleteUserProfile => delete_user_profile(&shared, &body),
        Operation::CreatePresignedDomainUrl => create_presigned_domain_url(&shared, &body),
    };
    match result {
        Ok(body) => answer(StatusCode::OK, body),
        Err(error) => error_answer(error),
    }
}

fn take_fault(rules: &mut Vec<FaultRule>, operation: Operation) -> Option<Fault> {
    let index = rules.iter().position(|rule| {
        rule.operation.is_none_or(|op| op == operation) && rule.remaining != Some(0)
    })?;
    let rule = &mut rules[index];
    let fault = rule.fault;
    if let Some(remaining) = rule.remaining.as_mut() {
        *remaining -= 1;
        if *remaining == 0 {
            rules.remove(index);
        }
    }
    Some(fault)
}

/// Checks that the request is SigV4-signed for `region` and `sagemaker`; the
/// signature itself is not verified.
fn check_signature(headers: &HeaderMap, region: &str) -> Result<(), AwsError> {
    let authorization =
        headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(rest) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let scope = rest
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("Credential="))
        .next()
        .unwrap_or_default();
    // <access key>/<date>/<region>/<service>/aws4_request
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [_, _, scope_region, "sagemaker", "aws4_request"] if *scope_region == region => Ok(()),
        _ => Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidSignatureException",
            format!("Credential should be scoped to region {region} and service sagemaker"),
        )),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, AwsError> {
    serde_json::from_slice(body).map_err(|error| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            format!("the request body is not valid for this operation: {error}"),
        )
    })
}

/// Collects validation problems the way SageMaker reports them: all at once.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn required<'a>(&mut self, member: &str, value: &'a Option<String>) -> &'a str {
        match value {
            Some(value) => value,
            None => {
                self.0.push(format!("{member} is required"));
                ""
            }
        }
    }

    fn domain_id(&mut self, value: &str) {
        if !is_domain_id(value) {
            self.0.push(format!(
                "value {value:?} at domainId must match d-(-*[a-z0-9]){{1,61}} and have at most \
                 63 characters"
            ));
        }
    }

    fn resource_name(&mut self, member: &str, value: &str) {
        if shared::profile::validate(value).is_err() {
            self.0.push(format!(
                "value {value:?} at {member} must match [a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}"
            ));
        }
    }

    fn range(&mut self, member: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(value) = value.filter(|v| !(min..=max).contains(v)) {
            self.0.push(format!("value {value} at {member} must be between {min} and {max}"));
        }
    }

    fn max_len(&mut self, member: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value.filter(|v| v.chars().count() > max) {
            let len = value.chars().count();
            self.0.push(format!("{member} has {len} characters, at most {max} are allowed"));
        }
    }

    fn finish(self) -> Result<(), AwsError> {
        if self.0.is_empty() { Ok(()) } else { Err(AwsError::validation(&self.0)) }
    }
}

/// `d-(-*[a-z0-9]){1,61}`, at most 63 characters.
fn is_domain_id(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("d-") else {
        return false;
    };
    let bytes = rest.as_bytes();
    let alnum = bytes.iter().filter(|b| b.is_ascii_lowercase() || b.is_ascii_digit()).count();
    value.len() <= 63
        && (1..=61).contains(&alnum)
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.last().is_some_and(|b| *b != b'-')
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProfileInput {
    domain_id: Option<String>,
    user_profile_name: Option<String>,
    single_sign_on_user_identifier: Option<String>,
    single_sign_on_user_value: Option<String>,
    user_settings: Option<Value>,
    tags: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PresignInput {
    domain_id: Option<String>,
    user_profile_name: Option<String>,
    session_expiration_duration_in_seconds: Option<i64>,
    expires_in_seconds: Option<i64>,
    space_name: Option<String>,
    landing_uri: Option<String>,
}

/// Checks `DomainId` and `UserProfileName`, both required.
fn profile_key(
    problems: &mut Problems,
    domain_id: &Option<String>,
    user_profile_name: &Option<String>,
) -> (String, String) {
    let domain = problems.required("domainId", domain_id).to_owned();
    let name = problems.required("userProfileName", user_profile_name).to_owned();
    if domain_id.is_some() {
        problems.domain_id(&domain);
    }
    if user_profile_name.is_some() {
        problems.resource_name("userProfileName", &name);
    }
    (domain, name)
}

fn no_such_profile(shared: &Shared, domain: &str, name: &str) -> AwsError {
    AwsError::not_found(format!(
        "User profile {} does not exist",
        profile_arn(shared, domain, name)
    ))
}

fn profile_arn(shared: &Shared, domain: &str, name: &str) -> String {
    format!(
        "arn:aws:sagemaker:{}:{}:user-profile/{domain}/{name}",
        shared.region, shared.account_id
    )
}

fn create_user_profile(shared: &Shared, body: &[u8]) -> Result<Value, AwsError> {
    let input: ProfileInput = parse(body)?;
    let mut problems = Problems::default();
    let (domain, name) = profile_key(&mut problems, &input.domain_id, &input.user_profile_name);
    problems.max_len("singleSignOnUserValue", input.single_sign_on_user_value.as_deref(), 256);
    if input.tags.as_ref().is_some_and(|tags| tags.len() > 50) {
        problems.0.push("tags has more than 50 members".to_owned());
    }
    problems.finish()?;

    let mut inner = shared.lock();
    if !inner.domains.contains(&domain) {
        return Err(AwsError::not_found(format!("Domain {domain} does not exist")));
    }
    let key = (domain, name);
    if inner.profiles.contains_key(&key) {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "ResourceInUse",
            format!("User profile {} already exists in domain {}", key.1, key.0),
        ));
    }
    let now = epoch_seconds();
    let arn = profile_arn(shared, &key.0, &key.1);
    inner.profiles.insert(
        key,
        Profile {
            status: shared.new_profile_status,
            created: now,
            modified: now,
            sso_identifier: input.single_sign_on_user_identifier,
            sso_value: input.single_sign_on_user_value,
            user_settings: input.user_settings,
        },
    );
    Ok(json!({ "UserProfileArn": arn }))
}

fn describe_user_profile(shared: &Shared, body: &[u8]) -> Result<Value, AwsError> {
    let input: ProfileInput = parse(body)?;
    let mut problems = Problems::default();
    let (domain, name) = profile_key(&mut problems, &input.domain_id, &input.user_profile_name);
    problems.finish()?;

    let inner = shared.lock();
    let Some(profile) = inner.profiles.get(&(domain.clone(), name.clone())) else {
        return Err(no_such_profile(shared, &domain, &name));
    };
    let mut output = json!({
        "DomainId": domain,
        "UserProfileArn": profile_arn(shared, &domain, &name),
        "UserProfileName": name,
        "HomeEfsFileSystemUid": "200001",
        "Status": profile.status.as_str(),
        "CreationTime": profile.created,
        "LastModifiedTime": profile.modified,
    });
    if profile.status.failed() {
        output["FailureReason"] = json!("the stand-in was told this profile failed");
    }
    if let Some(identifier) = &profile.sso_identifier {
        output["SingleSignOnUserIdentifier"] = json!(identifier);
    }
    if let Some(value) = &profile.sso_value {
        output["SingleSignOnUserValue"] = json!(value);
    }
    if let Some(settings) = &profile.user_settings {
        output["UserSettings"] = settings.clone();
    }
    Ok(output)
}

fn delete_user_profile(shared: &Shared, body: &[u8]) -> Result<Value, AwsError> {
    let input: ProfileInput = parse(body)?;
    let mut problems = Problems::default();
    let (domain, name) = profile_key(&mut problems, &input.domain_id, &input.user_profile_name);
    problems.finish()?;

    let mut inner = shared.lock();
    match inner.profiles.remove(&(domain.clone(), name.clone())) {
        Some(_) => Ok(json!({})),
        None => Err(no_such_profile(shared, &domain, &name)),
    }
}

fn create_presigned_domain_url(shared: &Shared, body: &[u8]) -> Result<Value, AwsError> {
    let input: PresignInput = parse(body)?;
    let mut problems = Problems::default();
    let (domain, name) = profile_key(&mut problems, &input.domain_id, &input.user_profile_name);
    problems.range(
        "sessionExpirationDurationInSeconds",
        input.session_expiration_duration_in_seconds,
        1800,
        43200,
    );
    problems.range("expiresInSeconds", input.expires_in_seconds, 5, 300);
    if let Some(space) = &input.space_name {
        problems.resource_name("spaceName", space);
    }
    problems.max_len("landingUri", input.landing_uri.as_deref(), 1023);
    problems.finish()?;

    let mut inner = shared.lock();
    if !inner.profiles.contains_key(&(domain.clone(), name.clone())) {
        return Err(no_such_profile(shared, &domain, &name));
    }
    if let Some(space) = &input.space_name
        && !inner.spaces.contains(&(domain.clone(), space.clone()))
    {
        return Err(AwsError::not_found(format!(
            "Space arn:aws:sagemaker:{}:{}:space/{domain}/{space} does not exist",
            shared.region, shared.account_id
        )));
    }
    let token: String = rand::rng().sample_iter(&Alphanumeric).take(64).map(char::from).collect();
    let url = format!("https://{domain}.studio.{}.sagemaker.aws/auth?token={token}", shared.region);
    crate::ledger::record(crate::ledger::Secret::UrlToken, &token);
    inner.minted.push(MintedUrl {
        domain_id: domain,
        user_profile_name: name,
        space_name: input.space_name,
        landing_uri: input.landing_uri,
        expires_in_seconds: input.expires_in_seconds,
        session_expiration_duration_in_seconds: input.session_expiration_duration_in_seconds,
        url: url.clone(),
        token,
    });
    Ok(json!({ "AuthorizedUrl": url }))
}

#[cfg(test)]
mod tests {
    use aws_sdk_sagemaker::error::{ProvideErrorMetadata as _, SdkError};
    use aws_sdk_sagemaker::operation::RequestId as _;
    use aws_sdk_sagemaker::operation::create_presigned_domain_url::{
        CreatePresignedDomainUrlError, CreatePresignedDomainUrlOutput,
        builders::CreatePresignedDomainUrlFluentBuilder,
    };
    use aws_sdk_sagemaker::operation::create_user_profile::{
        CreateUserProfileError, CreateUserProfileOutput,
    };
    use aws_sdk_sagemaker::operation::describe_user_profile::{
        DescribeUserProfileError, DescribeUserProfileOutput,
    };
    use aws_sdk_sagemaker::types::UserProfileStatus;

    use super::*;

    async fn standin() -> SageMakerStandIn {
        SageMakerStandIn::start(StandInOptions::default()).await.unwrap()
    }

    async fn create_in(
        sagemaker: &SageMakerStandIn,
        domain: &str,
        name: &str,
    ) -> Result<CreateUserProfileOutput, SdkError<CreateUserProfileError>> {
        let client = sagemaker.client();
        client.create_user_profile().domain_id(domain).user_profile_name(name).send().await
    }

    async fn create(sagemaker: &SageMakerStandIn, name: &str) {
        let created = create_in(sagemaker, sagemaker.domain_id(), name).await.unwrap();
        let arn = format!(
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/{DEFAULT_DOMAIN_ID}/{name}"
        );
        assert_eq!(created.user_profile_arn(), Some(arn.as_str()));
    }

    async fn describe_in(
        sagemaker: &SageMakerStandIn,
        domain: &str,
        name: &str,
    ) -> Result<DescribeUserProfileOutput, SdkError<DescribeUserProfileError>> {
        let client = sagemaker.client();
        client.describe_user_profile().domain_id(domain).user_profile_name(name).send().await
    }

    async fn describe(
        sagemaker: &SageMakerStandIn,
        name: &str,
    ) -> Result<DescribeUserProfileOutput, SdkError<DescribeUserProfileError>> {
        describe_in(sagemaker, sagemaker.domain_id(), name).await
    }

    /// `CreatePresignedDomainUrl` for alice, with whatever `more` adds.
    async fn presign(
        sagemaker: &SageMakerStandIn,
        more: impl FnOnce(
            CreatePresignedDomainUrlFluentBuilder,
        ) -> CreatePresignedDomainUrlFluentBuilder,
    ) -> Result<CreatePresignedDomainUrlOutput, SdkError<CreatePresignedDomainUrlError>> {
        let client = sagemaker.client();
        let request = client
            .create_presigned_domain_url()
            .domain_id(sagemaker.domain_id())
            .user_profile_name("alice");
        more(request).send().await
    }

    #[tokio::test]
    async fn profile_created_through_the_sdk_is_in_service_at_once() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;

        let described = describe(&sagemaker, "alice").await.unwrap();
        assert_eq!(described.status(), Some(&UserProfileStatus::InService));
        assert_eq!(described.user_profile_name(), Some("alice"));
        assert!(described.creation_time().is_some());
        assert!(described.request_id().is_some());
        assert_eq!(sagemaker.calls(Operation::CreateUserProfile), 1);
        assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 1);
    }

    #[tokio::test]
    async fn new_profile_status_option_applies_to_created_profiles() {
        let options =
            StandInOptions { new_profile_status: ProfileStatus::Pending, ..Default::default() };
        let sagemaker = SageMakerStandIn::start(options).await.unwrap();
        create(&sagemaker, "alice").await;
        let described = describe(&sagemaker, "alice").await.unwrap();
        assert_eq!(described.status(), Some(&UserProfileStatus::Pending));
    }

    #[tokio::test]
    async fn second_profile_of_the_same_name_is_in_use() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        let error = create_in(&sagemaker, DEFAULT_DOMAIN_ID, "alice").await.unwrap_err();
        assert_eq!(error.code(), Some("ResourceInUse"));
        assert!(error.into_service_error().is_resource_in_use());
    }

    #[tokio::test]
    async fn profile_in_unknown_domain_is_not_found() {
        let sagemaker = standin().await;
        let error = create_in(&sagemaker, "d-000000000000", "alice").await.unwrap_err();
        assert_eq!(error.code(), Some("ResourceNotFound"));
    }

    #[tokio::test]
    async fn unknown_profile_is_resource_not_found_with_a_message() {
        let sagemaker = standin().await;
        let error = describe(&sagemaker, "nobody").await.unwrap_err();
        assert_eq!(error.code(), Some("ResourceNotFound"));
        assert!(error.message().unwrap().contains("nobody"));
        assert!(error.request_id().is_some());
        assert!(error.into_service_error().is_resource_not_found());
    }

    #[tokio::test]
    async fn deleted_profile_is_gone() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        let client = sagemaker.client();
        let delete = || {
            client
                .delete_user_profile()
                .domain_id(sagemaker.domain_id())
                .user_profile_name("alice")
                .send()
        };
        delete().await.unwrap();
        assert_eq!(sagemaker.profile_status(sagemaker.domain_id(), "alice"), None);
        assert_eq!(delete().await.unwrap_err().code(), Some("ResourceNotFound"));
    }

    #[tokio::test]
    async fn status_knob_shows_in_describe() {
        let sagemaker = standin().await;
        let domain = sagemaker.domain_id();
        sagemaker.put_profile(domain, "bob", ProfileStatus::Pending);
        let described = describe(&sagemaker, "bob").await.unwrap();
        assert_eq!(described.status(), Some(&UserProfileStatus::Pending));

        assert!(sagemaker.set_profile_status(domain, "bob", ProfileStatus::UpdateFailed));
        let described = describe(&sagemaker, "bob").await.unwrap();
        assert_eq!(described.status(), Some(&UserProfileStatus::UpdateFailed));
        assert!(described.failure_reason().is_some());
        assert!(!sagemaker.set_profile_status(domain, "nobody", ProfileStatus::Failed));
    }

    #[tokio::test]
    async fn presigned_urls_have_the_real_shape_and_differ() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        let mut urls = Vec::new();
        for _ in 0..2 {
            let minted = presign(&sagemaker, |request| {
                request
                    .expires_in_seconds(60)
                    .session_expiration_duration_in_seconds(1800)
                    .landing_uri("studio::")
            })
            .await
            .unwrap();
            urls.push(minted.authorized_url().unwrap().to_owned());
        }
        let prefix = "https://d-abc123xyz456.studio.eu-west-1.sagemaker.aws/auth?token=";
        assert!(urls.iter().all(|url| url.starts_with(prefix)), "{urls:?}");
        assert_ne!(urls[0], urls[1]);

        let minted = sagemaker.minted();
        assert_eq!(minted.len(), 2);
        assert_eq!(minted[0].user_profile_name, "alice");
        assert_eq!(minted[0].expires_in_seconds, Some(60));
        assert_eq!(minted[0].session_expiration_duration_in_seconds, Some(1800));
        assert_eq!(minted[0].landing_uri.as_deref(), Some("studio::"));
        let tokens = vec![minted[0].token.clone(), minted[1].token.clone()];
        assert_eq!(sagemaker.minted_tokens(), tokens);
        assert!(urls[0].ends_with(&minted[0].token));
        let debug = format!("{minted:?}");
        assert!(!debug.contains(&minted[0].token), "{debug}");
    }

    #[tokio::test]
    async fn lifetimes_out_of_range_are_validation_errors() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        let error = presign(&sagemaker, |request| {
            request.expires_in_seconds(301).session_expiration_duration_in_seconds(1799)
        })
        .await
        .unwrap_err();
        assert_eq!(error.code(), Some("ValidationException"));
        let message = error.message().unwrap();
        assert!(message.starts_with("2 validation problems"), "{message}");
        assert!(message.contains("expiresInSeconds must be between 5 and 300"), "{message}");
        assert!(message.contains("between 1800 and 43200"), "{message}");
        assert!(sagemaker.minted().is_empty());
    }

    #[tokio::test]
    async fn bad_names_and_domain_ids_are_validation_errors() {
        let sagemaker = standin().await;
        let cases =
            [(DEFAULT_DOMAIN_ID, "first.last@example.com"), ("abc", "alice"), ("d-ABC", "alice")];
        for (domain, name) in cases {
            let error = describe_in(&sagemaker, domain, name).await.unwrap_err();
            assert_eq!(error.code(), Some("ValidationException"), "{domain} {name}");
        }
    }

    #[test]
    fn domain_ids_follow_the_api_pattern() {
        for id in ["d-abc123xyz456", "d-a", "d--a", "d-a-b"] {
            assert!(is_domain_id(id), "{id}");
        }
        let long = format!("d-{}", "a".repeat(62));
        for id in ["", "d-", "d-a-", "D-abc", "d-ABC", "x-abc", "d-ab_c", long.as_str()] {
            assert!(!is_domain_id(id), "{id}");
        }
    }

    #[tokio::test]
    async fn unknown_space_is_not_found_and_known_space_mints() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        let in_space = |request: CreatePresignedDomainUrlFluentBuilder| request.space_name("team");
        let error = presign(&sagemaker, in_space).await.unwrap_err();
        assert_eq!(error.code(), Some("ResourceNotFound"));
        sagemaker.add_space(sagemaker.domain_id(), "team");
        assert!(presign(&sagemaker, in_space).await.unwrap().authorized_url().is_some());
        assert_eq!(sagemaker.minted()[0].space_name.as_deref(), Some("team"));
    }

    #[tokio::test]
    async fn throttling_twice_is_retried_by_the_sdk() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        let rule = FaultRule::next(2, Fault::Throttling).on(Operation::DescribeUserProfile);
        sagemaker.set_fault(rule);
        describe(&sagemaker, "alice").await.unwrap();
        assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 3);
    }

    #[tokio::test]
    async fn fault_on_one_operation_spares_the_others() {
        let sagemaker = standin().await;
        let rule = FaultRule::always(Fault::AccessDenied).on(Operation::CreatePresignedDomainUrl);
        sagemaker.set_fault(rule);
        create(&sagemaker, "alice").await;
        let error = presign(&sagemaker, |request| request).await.unwrap_err();
        assert_eq!(error.code(), Some("AccessDeniedException"));
    }

    #[tokio::test]
    async fn throttling_that_outlasts_the_retries_surfaces_its_code() {
        let sagemaker = standin().await;
        sagemaker.set_fault(FaultRule::always(Fault::Throttling));
        let error = describe(&sagemaker, "alice").await.unwrap_err();
        assert_eq!(error.code(), Some("ThrottlingException"));
        assert_eq!(error.message(), Some("Rate exceeded"));
        assert_eq!(sagemaker.calls(Operation::DescribeUserProfile), 3);

        sagemaker.clear_faults();
        let error = describe(&sagemaker, "alice").await.unwrap_err();
        assert_eq!(error.code(), Some("ResourceNotFound"));
    }

    #[tokio::test]
    async fn access_denied_and_internal_errors_have_their_codes() {
        let sagemaker = standin().await;
        sagemaker.fail_next(1, Fault::AccessDenied);
        let error = describe(&sagemaker, "alice").await.unwrap_err();
        assert_eq!(error.code(), Some("AccessDeniedException"));

        sagemaker.set_fault(FaultRule::always(Fault::InternalError));
        let error = describe(&sagemaker, "alice").await.unwrap_err();
        assert_eq!(error.code(), Some("InternalFailure"));
        assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(500));
    }

    #[tokio::test]
    async fn hanging_call_answers_once_released() {
        let sagemaker = standin().await;
        create(&sagemaker, "alice").await;
        sagemaker.fail_next(1, Fault::Hang);
        let pending = describe(&sagemaker, "alice");
        tokio::pin!(pending);
        let waited = tokio::time::timeout(Duration::from_millis(300), &mut pending).await;
        assert!(waited.is_err(), "a hanging call must not answer");
        sagemaker.release_hangs();
        pending.await.unwrap();
    }

    #[tokio::test]
    async fn unsigned_and_unknown_requests_are_refused() {
        let sagemaker = standin().await;
        let http = &reqwest::Client::new();
        let endpoint = &sagemaker.endpoint_url();
        let post = |target: &'static str| async move {
            let response = http
                .post(endpoint)
                .header("content-type", JSON_1_1)
                .header("x-amz-target", target)
                .body(r#"{"DomainId":"d-abc123xyz456","UserProfileName":"alice"}"#)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            (status, body["__type"].as_str().unwrap_or_default().to_owned())
        };
        let unsigned = post("SageMaker.DescribeUserProfile").await;
        assert_eq!(unsigned, (400, "MissingAuthenticationTokenException".to_owned()));
        let unknown = post("SageMaker.CreateDomain").await;
        assert_eq!(unknown, (400, "UnknownOperationException".to_owned()));
    }

    #[tokio::test]
    async fn request_signed_for_another_region_is_refused() {
        let sagemaker = standin().await;
        let config = sagemaker.sdk_config().to_builder().region(Region::new("us-east-1")).build();
        let error = aws_sdk_sagemaker::Client::from_conf(config)
            .describe_user_profile()
            .domain_id(sagemaker.domain_id())
            .user_profile_name("alice")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("InvalidSignatureException"));
    }

    #[tokio::test]
    async fn binds_loopback_and_stops_on_shutdown() {
        let sagemaker = standin().await;
        assert!(sagemaker.address().ip().is_loopback());
        let address = sagemaker.address();
        sagemaker.shutdown().await;
        assert!(tokio::net::TcpStream::connect(address).await.is_err());
    }

    #[tokio::test]
    async fn sdk_env_names_the_endpoint_and_region() {
        let sagemaker = standin().await;
        let env: HashMap<String, String> = sagemaker.sdk_env().into_iter().collect();
        assert_eq!(env["AWS_ENDPOINT_URL_SAGEMAKER"], sagemaker.endpoint_url());
        assert_eq!(env["AWS_REGION"], "eu-west-1");
    }
}
