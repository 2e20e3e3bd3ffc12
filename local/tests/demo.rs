//! `studio-gate-local` run as a process, as a newcomer runs it: `demo` exits 0 and
//! prints a URL; `serve` prints a base URL, a token and a curl line that work. Neither
//! writes a token or a presigned URL's secret to its log (stderr).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
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

#[tokio::test]
async fn serve_prints_a_base_url_and_a_token_that_get_a_url_and_logs_neither_secret() {
    let mut child = Command::new(BINARY)
        .args(["serve", "--port", "0"])
        .env_remove("RUST_LOG")
        .env_remove("STUDIO_GATE_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base_url, mut token, mut curl) = (None, None, None);
    let read = async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("export STUDIO_GATE_URL=") {
                base_url = Some(url.to_owned());
            } else if let Some(value) = line.strip_prefix("export STUDIO_GATE_TOKEN=") {
                token = Some(value.to_owned());
            } else if line.starts_with("curl ") {
                curl = Some(line);
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read).await.expect("serve printed its usage");
    let (base_url, token, curl) = (base_url.unwrap(), token.unwrap(), curl.unwrap());
    assert!(base_url.starts_with("http://127.0.0.1:") && base_url.ends_with("/v1"), "{base_url}");
    assert!(curl.contains("$STUDIO_GATE_TOKEN") && curl.contains("/presigned-url"), "{curl}");

    let answer = reqwest::Client::new()
        .get(format!("{base_url}/presigned-url"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    let url = body["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(URL_PREFIX), "{url}");

    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
    assert!(stderr.contains("gateway request"), "serve logs each request:\n{stderr}");
    let secret = url.split("token=").nth(1).unwrap();
    assert!(!stderr.contains(secret), "the URL's token is in the log:\n{stderr}");
    assert!(!stderr.contains(&token), "the bearer token is in the log:\n{stderr}");
}
