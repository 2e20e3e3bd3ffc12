//! `studio-gate-local demo` run as a process, as a newcomer runs it: it exits 0,
//! prints a URL, and writes no token to its output and no URL to its log (stderr).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_studio-gate-local");
const URL_PREFIX: &str = "https://d-abc123xyz456.studio.eu-west-1.sagemaker.aws/auth?token=";

/// Words shaped like a JWT: three base64url parts, the first a JSON object.
fn jwt_like(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '=')
        .filter(|word| word.starts_with("eyJ") && word.matches('.').count() == 2)
        .collect()
}

#[tokio::test]
async fn demo_exits_zero_and_prints_a_url_but_no_token() {
    let output = Command::new(BINARY)
        .arg("demo")
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();

    assert!(output.status.success(), "demo failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("All 5 steps gave the expected answer."), "{stdout}");
    let url_line = stdout.lines().find(|line| line.contains(URL_PREFIX)).expect("a URL");
    let secret = url_line.split("token=").nth(1).unwrap().trim();
    assert!(secret.len() > 16, "{url_line}");
    assert!(!stderr.contains(secret), "the URL's token is in stderr:\n{stderr}");
    assert!(jwt_like(&stdout).is_empty(), "a whole token is printed:\n{stdout}");
    assert!(jwt_like(&stderr).is_empty(), "a whole token is in stderr:\n{stderr}");
}
