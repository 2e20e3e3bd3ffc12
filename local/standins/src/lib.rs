//! Local stand-ins that speak the real protocols, for the demo, the tests and
//! the benchmarks. Every server binds to 127.0.0.1 only.
//!
//! - [`keys`]: RSA signing keys and JWT minting, with a JWKS for the public half.
//! - [`ledger`]: every minted secret, recorded when `STUDIO_GATE_SECRETS_LEDGER` is set,
//!   for the check that no log holds one.
//! - [`jwks_server`]: an HTTP server for a JWKS that can be told to misbehave,
//!   and that counts its fetches.
//! - [`cognito`]: a Cognito user pool stand-in: JWKS, and `InitiateAuth` /
//!   `AdminInitiateAuth` over the AWS JSON 1.1 protocol, minting real-shaped tokens.
//! - [`sagemaker`]: a SageMaker stand-in for user profiles and
//!   `CreatePresignedDomainUrl`, over the AWS JSON 1.1 protocol.
//! - [`runtime_api`]: a Lambda Runtime API, to run the built function binaries.
//! - [`moto`]: starts moto's Cognito (PyPI `moto[server]`) and signs users in
//!   through the AWS SDK.

pub mod cognito;
pub mod jwks_server;
pub mod keys;
pub mod ledger;
pub mod moto;
pub mod runtime_api;
pub mod sagemaker;
