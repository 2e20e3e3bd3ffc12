//! The log set-up of `studio-gate-local`: human-readable lines on stderr.
//!
//! `RUST_LOG` sets the level; without it, `demo` logs warnings only (its output is
//! the walk-through) and `serve` logs one line per request from the gateway,
//! the authorizer and presign. TRACE events of other crates are always dropped, as in
//! the Lambda functions: at that level the HTTP and SDK crates log bodies, which may
//! hold a token or a presigned URL.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The filter when `RUST_LOG` is unset, for `serve`.
pub const SERVE_DEFAULT: &str = "warn,local=info,authorizer=info,presign=info";
/// The filter when `RUST_LOG` is unset, for `demo`.
pub const DEMO_DEFAULT: &str = "warn";

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init(quiet: bool) {
    let default = if quiet { DEMO_DEFAULT } else { SERVE_DEFAULT };
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| default.to_owned());
    let filter = EnvFilter::builder().parse_lossy(filter);
    let no_foreign_trace = filter_fn(|meta| {
        shared::logging::permitted(meta.target(), meta.level())
            || meta.target().starts_with("local")
    });
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = tracing_subscriber::registry()
        .with(fmt.with_filter(no_foreign_trace).with_filter(filter))
        .try_init();
}
