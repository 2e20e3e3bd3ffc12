//! A record of every secret the stand-ins mint, so a check can prove that no
//! log holds one.
//!
//! When the environment variable [`LEDGER_VAR`] names a file, every JWT
//! signature a [`crate::keys::SigningKey`] makes, every token that a sign-in
//! returns (the Cognito stand-in's or moto's) and every presigned URL token the
//! SageMaker stand-in mints is appended to it, one line each: the kind, a space,
//! the secret. `scripts/check-secrets` then looks for each secret in the output
//! of the whole test suite. Unset (the default), nothing is written.
//!
//! For a JWT the signature is recorded, not the whole token: it is the part
//! that makes a token a credential, and a log that printed any stretch of a
//! token long enough to matter would hold some of it. A function process
//! started under [`crate::runtime_api`] echoes its output to stderr while the
//! ledger is on, so its logs are in the output that is checked.
//!
//! # Concurrency
//!
//! Each record is one `write` to a file opened for appending, so lines from
//! many threads and processes (a child inherits the variable) do not mix.

use std::fs::OpenOptions;
use std::io::Write as _;

/// The variable that names the ledger file.
pub const LEDGER_VAR: &str = "STUDIO_GATE_SECRETS_LEDGER";

/// What kind of secret a line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The signature part of a JWT.
    JwtSignature,
    /// A refresh token (opaque, recorded whole).
    RefreshToken,
    /// The `token` of a presigned Studio URL.
    UrlToken,
}

impl Secret {
    /// The word the line starts with.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JwtSignature => "jwt-signature",
            Self::RefreshToken => "refresh-token",
            Self::UrlToken => "url-token",
        }
    }
}

/// Whether minted secrets are being recorded.
pub fn enabled() -> bool {
    std::env::var_os(LEDGER_VAR).is_some_and(|path| !path.is_empty())
}

/// Appends `secret` to the ledger, if there is one. A ledger that cannot be
/// written fails loudly: a check over a ledger with holes would pass for the
/// wrong reason.
pub fn record(kind: Secret, secret: &str) {
    let Some(path) = std::env::var_os(LEDGER_VAR).filter(|path| !path.is_empty()) else {
        return;
    };
    if secret.is_empty() {
        return;
    }
    let line = format!("{} {secret}\n", kind.as_str());
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(error) = written {
        panic!("cannot append to the secrets ledger {}: {error}", path.to_string_lossy());
    }
}

/// Records the signature part of `jwt` (everything after its last `.`).
pub fn record_jwt(jwt: &str) {
    if let Some((_, signature)) = jwt.rsplit_once('.') {
        record(Secret::JwtSignature, signature);
    }
}

/// Writes the complete lines at the front of `pending` to stderr, each in one
/// write, and keeps the rest; with `finished`, writes the rest too. Used to
/// echo a function process's output while the ledger is on, line by line so
/// that no line is split by another writer's output.
pub fn echo_lines(pending: &mut Vec<u8>, finished: bool) {
    let complete = match pending.iter().rposition(|b| *b == b'\n') {
        Some(last) => last + 1,
        None if finished => pending.len(),
        None => return,
    };
    let mut stderr = std::io::stderr().lock();
    for line in pending[..complete].split_inclusive(|b| *b == b'\n') {
        let _ = stderr.write_all(line);
    }
    if finished && !pending[..complete].ends_with(b"\n") && complete > 0 {
        let _ = stderr.write_all(b"\n");
    }
    pending.drain(..complete);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_the_words_the_checker_reads() {
        assert_eq!(Secret::JwtSignature.as_str(), "jwt-signature");
        assert_eq!(Secret::RefreshToken.as_str(), "refresh-token");
        assert_eq!(Secret::UrlToken.as_str(), "url-token");
    }

    #[test]
    fn echo_keeps_a_partial_line_until_it_is_complete_or_finished() {
        let mut pending = b"one\ntwo\nthr".to_vec();
        echo_lines(&mut pending, false);
        assert_eq!(pending, b"thr");
        pending.extend_from_slice(b"ee");
        echo_lines(&mut pending, false);
        assert_eq!(pending, b"three");
        echo_lines(&mut pending, true);
        assert!(pending.is_empty());
    }
}
