//! The whole studio-gate API on one machine.
//!
//! - [`gateway`]: an API Gateway stand-in for the private REST API, which runs the
//!   `authorizer` and `presign` handlers in process with the events API Gateway
//!   sends, caches authorizer answers and evaluates their policies as it does;
//! - [`iam`]: the IAM policy evaluation the gateway applies to authorizer answers;
//! - [`lambda`]: the seam between the gateway and the functions it runs;
//! - [`stack`]: the Cognito stand-in, the SageMaker stand-in and the gateway,
//!   started together;
//! - [`demo`] and [`serve`]: the two commands of `studio-gate-local` ([`cli`]),
//!   which logs through [`logging`].
//!
//! Every server binds to 127.0.0.1 only. Nothing here logs a token or a presigned URL.

pub mod cli;
pub mod demo;
pub mod gateway;
pub mod iam;
pub mod lambda;
pub mod logging;
pub mod serve;
pub mod stack;
