//! The presign Lambda: the authorizer's context in, a presigned SageMaker Studio
//! URL out.
//!
//! It sits behind the private REST API (proxy integration). The Studio user
//! profile comes only from `requestContext.authorizer`, read with
//! [`shared::AuthorizerContext::from_fields`], the function the authorizer's
//! context is written for; never from the path, the query or the body. Then:
//!
//! 1. `DescribeUserProfile`: an unknown profile is 404, one that is not
//!    `InService` 409;
//! 2. `CreatePresignedDomainUrl` with the configured lifetimes, and the
//!    caller's `landing` page and `space` if asked for ([`query`]);
//! 3. `200 {"url", "expiresAt"}` for API clients, or `302` with `Location` for
//!    browsers and `?redirect=true` ([`answer`]).
//!
//! Failures are JSON `{"error", "message"}` with fixed text for people; the log
//! gets the cause, SageMaker's error code and message included ([`error`]).
//! Every request writes one `info` line (profile, domain, outcome, SageMaker
//! request id, latency) and no line ever holds the URL.
//!
//! # Example
//!
//! ```no_run
//! # use aws_lambda_events::apigw::ApiGatewayProxyRequest;
//! # use presign::settings::SettingsError;
//! # async fn demo(request: ApiGatewayProxyRequest) -> Result<(), SettingsError> {
//! let settings = presign::Settings::from_env()?;
//! let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
//! let presigner = presign::Presigner::new(settings, aws_sdk_sagemaker::Client::new(&config));
//! let response = presigner.handle(request, None).await;
//! assert!(response.headers.contains_key("cache-control"));
//! # Ok(())
//! # }
//! ```

pub mod answer;
pub mod error;
mod handler;
pub mod query;
mod sagemaker;
pub mod settings;

pub use answer::{Minted, PresignedUrl};
pub use error::Error;
pub use handler::{DEADLINE_MARGIN, NO_DEADLINE_BUDGET, Presigner};
pub use settings::Settings;
