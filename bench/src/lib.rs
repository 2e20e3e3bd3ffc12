//! Benchmarks of studio-gate, side by side with the libraries people deploy today.
//!
//! `bench/run` is the one command; it builds, installs the anchors and calls the
//! `studio-gate-bench` binary of this package, whose parts live here:
//!
//! - [`tokens`]: one pool of Cognito-shaped ID tokens signed by a few keys, the
//!   JWKS that verifies them, and the settings an authorizer needs for them;
//! - [`events`]: the API Gateway REQUEST event a token arrives in;
//! - [`bare`]: the floor, a bare RS256 check (SHA-256 and the RSA-2048 PKCS#1
//!   v1.5 verify with aws-lc-rs, the backend jsonwebtoken uses);
//! - [`anchors`]: studio-gate, aws-jwt-verify and PyJWT each verifying the same
//!   token file as a whole process on one core (issue 6, item 2);
//! - [`lambda`]: cold start and footprint of the release binaries under a
//!   Lambda Runtime API on loopback (item 4);
//! - [`local_api`]: load through `studio-gate-local serve` (item 5);
//! - [`report`]: the one table, with goals and whether each is met.
//!
//! The criterion benchmarks of the decision cost (item 1) are in
//! `benches/decision.rs`.

pub mod anchors;
pub mod bare;
pub mod error;
pub mod events;
pub mod lambda;
pub mod local_api;
pub mod report;
pub mod tokens;

pub use crate::error::BenchError;
