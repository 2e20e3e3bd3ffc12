//! `studio-gate-local serve` run as a process: what it prints works with curl's
//! arguments, and its log (stderr) holds neither the token nor a URL's secret. Run
//! once with its own stand-ins and once against a pool and a SageMaker endpoint that
//! run elsewhere (moto, and a SageMaker stand-in reached through
//! `AWS_ENDPOINT_URL_SAGEMAKER`), as `--user-pool-id` and `--domain-id` use a real
//! account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;

use standins::cognito::User;
use standins::moto::MotoCognito;
use standins::sagemaker::{SageMakerStandIn, StandInOptions};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_studio-gate-local");
const URL_PREFIX: &str = "https://d-abc123xyz456.studio.eu-west-1.sagemaker.aws/auth?token=";

/// A running `serve` and what it printed.
struct Served {
    child: Child,
    base_url: String,
    token: String,
}

impl Served {
    /// Starts `serve` with `args` and `env`, and reads its usage lines up to the
    /// curl line, then closes its stdout as `| head` would.
    async fn start(args: &[&str], env: &[(String, String)]) -> Self {
        let mut child = Command::new(BINARY)
            .arg("serve")
            .args(args)
            .envs(env.iter().cloned())
            .env_remove("RUST_LOG")
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
        if tokio::time::timeout(Duration::from_secs(120), read).await.is_err() || curl.is_none() {
            child.start_kill().unwrap();
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
            panic!("serve did not print its usage:\n{stderr}");
        }
        let curl = curl.unwrap();
        assert!(curl.contains("$STUDIO_GATE_TOKEN") && curl.contains("/presigned-url"), "{curl}");
        Self { child, base_url: base_url.unwrap(), token: token.expect("a token line") }
    }

    /// `GET /presigned-url` with the printed token: the URL minted.
    async fn presigned_url(&self) -> String {
        let answer = reqwest::Client::new()
            .get(format!("{}/presigned-url", self.base_url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let body: serde_json::Value =
            serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        body["url"].as_str().unwrap().to_owned()
    }

    /// Stops it and returns its log.
    async fn stop(mut self) -> String {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
        stderr
    }
}

#[tokio::test]
async fn serve_prints_a_base_url_and_a_token_that_get_a_url_and_logs_neither_secret() {
    let served = Served::start(&["--port", "0"], &[]).await;
    assert!(served.base_url.starts_with("http://127.0.0.1:"), "{}", served.base_url);
    assert!(served.base_url.ends_with("/v1"), "{}", served.base_url);

    let url = served.presigned_url().await;
    let token = served.token.clone();
    let log = served.stop().await;

    assert!(url.starts_with(URL_PREFIX), "{url}");
    assert!(log.contains("gateway request"), "serve logs each request:\n{log}");
    let secret = url.split("token=").nth(1).unwrap();
    assert!(!log.contains(secret), "the URL's token is in the log:\n{log}");
    assert!(!log.contains(&token), "the bearer token is in the log:\n{log}");
}

#[tokio::test]
async fn serve_uses_an_external_pool_and_the_sdks_sagemaker_endpoint() {
    let moto = MotoCognito::start().await.unwrap_or_else(|error| panic!("{error}"));
    let pool = moto.create_pool("studio-gate-serve").await.unwrap();
    let password = "Serve-Passw0rd!";
    moto.create_user(&pool, &User::new("hedy", password).with_profile("hedy-lamarr"))
        .await
        .unwrap();
    let sagemaker = SageMakerStandIn::start(StandInOptions::default()).await.unwrap();
    sagemaker
        .client()
        .create_user_profile()
        .domain_id(sagemaker.domain_id())
        .user_profile_name("hedy-lamarr")
        .send()
        .await
        .unwrap();
    let mut env = sagemaker.sdk_env();
    env.push(("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER".into(), moto.endpoint().to_owned()));
    env.push(("STUDIO_GATE_PASSWORD".into(), password.to_owned()));

    let jwks_url = moto.jwks_url(&pool.pool_id);
    let served = Served::start(
        &[
            "--user-pool-id",
            &pool.pool_id,
            "--client-id",
            &pool.client_id,
            "--jwks-url",
            &jwks_url,
            "--username",
            "hedy",
            "--domain-id",
            sagemaker.domain_id(),
        ],
        &env,
    )
    .await;
    let url = served.presigned_url().await;
    let log = served.stop().await;

    let minted = sagemaker.minted();
    assert_eq!(minted.len(), 1, "{log}");
    assert_eq!(minted[0].user_profile_name, "hedy-lamarr");
    assert_eq!(minted[0].url, url);
    assert!(!log.contains(&minted[0].token), "the URL's token is in the log:\n{log}");
}
