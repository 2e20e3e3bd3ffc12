//! The one error type of the benchmarks.

use std::path::PathBuf;

/// Why a benchmark step could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// When a key could not be made or a token not signed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// When a file or process could not be read, written or started.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// When a file or an output is not what the step expects.
    #[error("{0}")]
    Unexpected(String),
    /// When a program a step needs is missing.
    #[error("{0} not found; run bench/run, which installs it")]
    Missing(PathBuf),
}

impl BenchError {
    /// An [`BenchError::Io`] saying what was being done.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }

    /// An [`BenchError::Unexpected`] from anything displayable.
    pub fn unexpected(message: impl std::fmt::Display) -> Self {
        Self::Unexpected(message.to_string())
    }
}
