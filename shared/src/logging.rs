//! The log set-up of both Lambda functions.
//!
//! Like `lambda_runtime::tracing::init_default_subscriber`, it follows Lambda's
//! advanced logging controls: `AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON lines,
//! `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else `info`) sets the level. Unlike
//! it, TRACE events of other crates are always dropped: at that level
//! `lambda_runtime` logs the raw event, which holds the caller's
//! `Authorization` header, and the HTTP and SDK crates log bodies, which may
//! hold a presigned URL. This crate's own events log neither at any level.

use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Targets whose TRACE events are kept: the studio-gate crates.
const OWN_TARGETS: [&str; 3] = ["authorizer", "presign", "shared"];

/// Whether an event at `level` from `target` may be written.
pub fn permitted(target: &str, level: &Level) -> bool {
    *level != Level::TRACE || OWN_TARGETS.iter().any(|own| target.starts_with(own))
}

/// Installs the global subscriber, writing to stdout. Call once, first thing in `main`.
pub fn init() {
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG"));
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse_lossy(level.as_deref().unwrap_or("info"));
    let no_foreign_trace = filter_fn(|meta| permitted(meta.target(), meta.level()));

    let fmt = tracing_subscriber::fmt::layer().with_target(false).without_time();
    let fmt = if json { fmt.json().boxed() } else { fmt.boxed() };
    tracing_subscriber::registry()
        .with(fmt.with_filter(no_foreign_trace).with_filter(filter))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_trace_events_are_dropped_and_the_rest_kept() {
        assert!(!permitted("lambda_runtime::layers::api_response", &Level::TRACE));
        assert!(!permitted("aws_smithy_runtime::client", &Level::TRACE));
        assert!(permitted("lambda_runtime::runtime", &Level::DEBUG));
        assert!(permitted("authorizer::jwks", &Level::TRACE));
        assert!(permitted("presign", &Level::TRACE));
    }
}
