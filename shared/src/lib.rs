//! Types the studio-gate authorizer and presign functions agree on.
//!
//! Both Lambdas link this crate, so the contract between them lives in one
//! place: the Cognito claims the authorizer reads ([`claims`]), the name of a
//! SageMaker Studio user profile ([`profile`]), API Gateway method ARNs
//! ([`arn`]), the authorizer context that carries the caller to `presign`
//! ([`context`]) and the IAM policy documents the authorizer answers with
//! ([`policy`]).

pub mod arn;
pub mod claims;
pub mod context;
#[cfg(feature = "logging")]
pub mod logging;
pub mod policy;
pub mod profile;

pub use arn::{MethodArn, MethodArnError};
pub use claims::{ClaimsError, CognitoClaims, TokenUse};
pub use context::{AuthorizerContext, ContextError};
pub use policy::{allow_policy, deny_policy};
pub use profile::{ProfileNameError, StudioUserProfileName};
