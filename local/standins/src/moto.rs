//! moto's Cognito (PyPI `moto[server]`) on 127.0.0.1, so the authorizer is
//! checked against an implementation nobody here wrote.
//!
//! [`MotoCognito::start`] finds `moto_server` (the `MOTO_SERVER` environment
//! variable, else `<workspace>/.venv/moto/bin/moto_server`), installs it into
//! that venv if it is missing, starts it on a free port and waits until it
//! answers. Through `aws-sdk-cognitoidentityprovider` it then creates pools,
//! app clients, groups and users, and signs users in with
//! [`crate::cognito::sign_in`], the same code path as against a real pool.
//!
//! moto is never skipped: if it cannot be installed or started, the error says
//! what failed and how to fix it.
//!
//! # Installing
//!
//! The first run installs moto with `python3 -m venv` and `pip install`
//! (about 45 s). A lock file, `<workspace>/.venv/moto.lock`, makes parallel test
//! processes wait for one install; the OS releases it if the installer dies.
//!
//! # What moto's tokens look like
//!
//! Header `{"typ": "JWT", "kid": "dummy", "alg": "RS256"}`, one key for every
//! pool, `iss` in the real form `https://cognito-idp.<region>.amazonaws.com/<poolId>`,
//! and the JWKS at `http://127.0.0.1:<port>/<poolId>/.well-known/jwks.json`.
//!
//! # Processes
//!
//! `moto_server` runs under a small `sh` watchdog that holds a pipe from this
//! process: when the [`MotoCognito`] is dropped, or this process dies in any
//! way (even `SIGKILL`), the pipe closes and the watchdog stops moto. It stays
//! in the test's process group, so an interrupt reaches it too.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType,
};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::cognito::{self, PROFILE_ATTRIBUTE, SignInError, Tokens, User};

/// What `pip` installs.
pub const MOTO_REQUIREMENT: &str = "moto[server]>=5.1,<6";

/// The region [`MotoCognito::start`] works in.
pub const DEFAULT_REGION: &str = "eu-west-1";

/// The `kid` of every moto token.
pub const MOTO_KID: &str = "dummy";

/// How long to wait for another process installing moto.
const INSTALL_PATIENCE: Duration = Duration::from_secs(15 * 60);

/// How long moto may take to answer after it is started.
const START_PATIENCE: Duration = Duration::from_secs(30);

/// Why moto could not be installed, started or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MotoError {
    /// When `MOTO_SERVER` names a file that does not exist.
    #[error(
        "MOTO_SERVER is {0}, which is not a file; unset it to install moto into the workspace venv"
    )]
    MissingOverride(PathBuf),
    /// When a step of the install failed.
    #[error(
        "could not install moto into {venv}: {step} failed: {detail}\n\
         to install it by hand: python3 -m venv {venv} && {venv}/bin/pip install '{MOTO_REQUIREMENT}' \
         (or set MOTO_SERVER to a moto_server executable)",
        venv = .venv.display()
    )]
    Install {
        /// The venv being made.
        venv: PathBuf,
        /// The step that failed.
        step: &'static str,
        /// What it said.
        detail: String,
    },
    /// When `moto_server` did not answer.
    #[error("moto_server ({}) did not start: {detail}", .path.display())]
    Start {
        /// The executable.
        path: PathBuf,
        /// Why, with the last lines it printed.
        detail: String,
    },
    /// When moto refused a call made to set up a pool or a user.
    #[error("moto refused {operation}: {message}")]
    Api {
        /// The operation, e.g. `CreateUserPool`.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// The workspace root, found from where this crate was compiled.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// `<workspace>/.venv/moto`, where moto is installed when `MOTO_SERVER` is unset.
pub fn venv_dir() -> PathBuf {
    workspace_root().join(".venv").join("moto")
}

/// The `moto_server` executable: `MOTO_SERVER` if set, else the one in
/// [`venv_dir`], installed there first if missing.
pub async fn moto_server() -> Result<PathBuf, MotoError> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() { Ok(path) } else { Err(MotoError::MissingOverride(path)) };
    }
    let venv = venv_dir();
    let exe = venv.join("bin").join("moto_server");
    if exe.is_file() {
        return Ok(exe);
    }

    let lock_path = venv.with_extension("lock");
    let fail = |step, detail: String| MotoError::Install { venv: venv.clone(), step, detail };
    let _lock = InstallLock::acquire(&lock_path, INSTALL_PATIENCE)
        .await
        .map_err(|error| fail("taking the install lock", error.to_string()))?;
    if exe.is_file() {
        // Another process installed it while this one waited.
        return Ok(exe);
    }

    install(&venv).await.map_err(|(step, detail)| fail(step, detail))?;
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(fail("pip install", format!("{} is missing afterwards", exe.display())))
    }
}

/// Makes the venv anew and installs moto into it.
async fn install(venv: &Path) -> Result<(), (&'static str, String)> {
    eprintln!("installing {MOTO_REQUIREMENT} into {} (about a minute, once)", venv.display());
    let started = Instant::now();
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .map_err(|error| ("removing a half-made venv", error.to_string()))?;
    }
    if let Some(parent) = venv.parent() {
        std::fs::create_dir_all(parent).map_err(|error| ("making .venv", error.to_string()))?;
    }
    let mut venv_command = Command::new("python3");
    venv_command.arg("-m").arg("venv").arg(venv);
    run("python3 -m venv", venv_command).await?;
    let mut pip = Command::new(venv.join("bin").join("python"));
    pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]);
    pip.arg(MOTO_REQUIREMENT);
    run("pip install", pip).await?;
    eprintln!("installed moto in {:.0?}", started.elapsed());
    Ok(())
}

/// Runs `command` to the end; on failure, the step and the tail of its output.
async fn run(step: &'static str, mut command: Command) -> Result<(), (&'static str, String)> {
    let output = command
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|error| (step, format!("could not run it: {error}")))?;
    if output.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = text.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err((step, format!("{}:\n{}", output.status, tail.join("\n"))))
}

/// An exclusive lock on a file, held until dropped; the OS drops it if the
/// process dies.
struct InstallLock {
    file: std::fs::File,
}

impl InstallLock {
    async fn acquire(path: &Path, patience: Duration) -> io::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file =
            std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)?;
        let deadline = Instant::now() + patience;
        let mut told = false;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => return Ok(Self { file }),
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    if !told {
                        eprintln!(
                            "waiting for another process installing moto ({})",
                            path.display()
                        );
                        told = true;
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    let waited = format!("waited {patience:?} for {}", path.display());
                    return Err(io::Error::new(io::ErrorKind::TimedOut, waited));
                }
                Err(fs4::TryLockError::Error(error)) => return Err(error),
            }
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// The last lines a process printed, for error messages.
#[derive(Clone, Default)]
struct OutputTail(Arc<Mutex<VecDeque<String>>>);

impl OutputTail {
    const LINES: usize = 30;

    fn follow(&self, stream: impl AsyncRead + Unpin + Send + 'static) {
        let tail = self.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut kept = tail.0.lock().unwrap_or_else(PoisonError::into_inner);
                if kept.len() == Self::LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
    }

    fn text(&self) -> String {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
    }
}

/// A user pool and app client made in moto.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotoPool {
    /// The pool id, `<region>_<32 hex>` in moto.
    pub pool_id: String,
    /// The app client id; the client allows `ALLOW_ADMIN_USER_PASSWORD_AUTH`,
    /// `ALLOW_USER_PASSWORD_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH`, and has no secret.
    pub client_id: String,
    /// The region.
    pub region: String,
}

impl MotoPool {
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`, as moto's tokens say.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.region, self.pool_id)
    }
}

/// A running `moto_server` and an SDK client for it. Killed when dropped.
pub struct MotoCognito {
    _child: Child,
    endpoint: String,
    region: String,
    client: Client,
}

impl fmt::Debug for MotoCognito {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MotoCognito")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl MotoCognito {
    /// Installs moto if needed and starts it in [`DEFAULT_REGION`].
    pub async fn start() -> Result<Self, MotoError> {
        Self::start_in(DEFAULT_REGION).await
    }

    /// Installs moto if needed and starts it; the SDK client works in `region`,
    /// which moto puts in pool ids and issuers.
    pub async fn start_in(region: &str) -> Result<Self, MotoError> {
        let exe = moto_server().await?;
        // A port found free can be taken before moto binds it; try a few.
        let mut failures = Vec::new();
        for _ in 0..3 {
            match launch(&exe).await {
                Ok((child, endpoint)) => {
                    let client = cognito::local_client(&endpoint, region);
                    return Ok(Self { _child: child, endpoint, region: region.to_owned(), client });
                }
                Err(detail) => failures.push(detail),
            }
        }
        Err(MotoError::Start { path: exe, detail: failures.join("\n---\n") })
    }

    /// The endpoint, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The region the client works in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The SDK client for moto (dummy credentials, no retries).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `http://127.0.0.1:<port>/<poolId>/.well-known/jwks.json`.
    pub fn jwks_url(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}/.well-known/jwks.json", self.endpoint)
    }

    /// Creates a user pool named `name` with the custom attribute
    /// `studio_user_profile` (a mutable string), and an app client that allows
    /// the password flows and has no secret.
    pub async fn create_pool(&self, name: &str) -> Result<MotoPool, MotoError> {
        let profile = SchemaAttributeType::builder()
            .name(PROFILE_ATTRIBUTE.trim_start_matches("custom:"))
            .attribute_data_type(AttributeDataType::String)
            .mutable(true)
            .developer_only_attribute(false)
            .build();
        let created = self
            .client
            .create_user_pool()
            .pool_name(name)
            .schema(profile)
            .send()
            .await
            .map_err(|error| api_error("CreateUserPool", error))?;
        let pool_id = created
            .user_pool()
            .and_then(|pool| pool.id())
            .ok_or_else(|| missing("CreateUserPool", "a pool id"))?
            .to_owned();

        let app = self
            .client
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name(format!("{name}-app"))
            .generate_secret(false)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .map_err(|error| api_error("CreateUserPoolClient", error))?;
        let client_id = app
            .user_pool_client()
            .and_then(|app| app.client_id())
            .ok_or_else(|| missing("CreateUserPoolClient", "a client id"))?
            .to_owned();

        Ok(MotoPool { pool_id, client_id, region: self.region.clone() })
    }

    /// Creates `group` in the pool; a group that exists already is fine.
    pub async fn create_group(&self, pool: &MotoPool, group: &str) -> Result<(), MotoError> {
        let created =
            self.client.create_group().user_pool_id(&pool.pool_id).group_name(group).send().await;
        match created {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("GroupExistsException") => Ok(()),
            Err(error) => Err(api_error("CreateGroup", error)),
        }
    }

    /// Creates `user` with its attributes (the profile among them, if set) and a
    /// permanent password, and puts it in its groups (made as needed). Returns
    /// the `sub` moto gave it; `user.sub` is not used, as Cognito makes its own.
    pub async fn create_user(&self, pool: &MotoPool, user: &User) -> Result<String, MotoError> {
        let mut create = self
            .client
            .admin_create_user()
            .user_pool_id(&pool.pool_id)
            .username(&user.username)
            .message_action(MessageActionType::Suppress);
        for (name, value) in &user.attributes {
            let attribute =
                AttributeType::builder().name(name).value(value).build().map_err(|error| {
                    MotoError::Api { operation: "AdminCreateUser", message: error.to_string() }
                })?;
            create = create.user_attributes(attribute);
        }
        let created = create.send().await.map_err(|error| api_error("AdminCreateUser", error))?;
        let sub = created
            .user()
            .map(|made| made.attributes())
            .and_then(|attributes| attributes.iter().find(|a| a.name() == "sub"))
            .and_then(|sub| sub.value())
            .ok_or_else(|| missing("AdminCreateUser", "a sub"))?
            .to_owned();

        self.client
            .admin_set_user_password()
            .user_pool_id(&pool.pool_id)
            .username(&user.username)
            .password(&user.password)
            .permanent(true)
            .send()
            .await
            .map_err(|error| api_error("AdminSetUserPassword", error))?;

        for group in &user.groups {
            self.create_group(pool, group).await?;
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&pool.pool_id)
                .username(&user.username)
                .group_name(group)
                .send()
                .await
                .map_err(|error| api_error("AdminAddUserToGroup", error))?;
        }
        Ok(sub)
    }

    /// Signs a user in with `AdminInitiateAuth`; see [`cognito::sign_in`].
    pub async fn sign_in(
        &self,
        pool: &MotoPool,
        username: &str,
        password: &str,
    ) -> Result<Tokens, SignInError> {
        cognito::sign_in(&self.client, &pool.pool_id, &pool.client_id, username, password).await
    }

    /// Signs a user in with `InitiateAuth`; see [`cognito::sign_in_public`].
    pub async fn sign_in_public(
        &self,
        pool: &MotoPool,
        username: &str,
        password: &str,
    ) -> Result<Tokens, SignInError> {
        cognito::sign_in_public(&self.client, &pool.client_id, username, password).await
    }
}

/// Runs `"$0" "$@"` (moto) and stops it when its own standard input, a pipe from
/// this process, reaches its end: that is, when the `Child` is dropped or this
/// process dies. The shell exits with moto's status, so an early exit shows.
const WATCHDOG: &str = r#"exec 3<&0
"$0" "$@" </dev/null & server=$!
{ read -r _ <&3; kill "$server" 2>/dev/null; } &
wait "$server" 2>/dev/null"#;

/// Starts `moto_server` on a free port and waits until it answers.
async fn launch(exe: &Path) -> Result<(Child, String), String> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port: {error}"))?
        .port();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg(exe)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("could not run it: {error}"))?;
    // moto logs every request; read its output so it never blocks on a full pipe.
    let output = OutputTail::default();
    if let Some(stdout) = child.stdout.take() {
        output.follow(stdout);
    }
    if let Some(stderr) = child.stderr.take() {
        output.follow(stderr);
    }

    let endpoint = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|error| format!("no HTTP client: {error}"))?;
    let deadline = Instant::now() + START_PATIENCE;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            // Let the output readers catch up with its last words.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return Err(format!("it exited with {status}:\n{}", output.text()));
        }
        if probe.get(format!("{endpoint}/moto-api/")).send().await.is_ok() {
            return Ok((child, endpoint));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no answer on {endpoint} after {START_PATIENCE:?}:\n{}",
                output.text()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn api_error<E, R>(operation: &'static str, error: SdkError<E, R>) -> MotoError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    let message = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(&error).to_string(),
    };
    MotoError::Api { operation, message }
}

fn missing(operation: &'static str, what: &str) -> MotoError {
    MotoError::Api { operation, message: format!("the answer holds no {what}") }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shared::{CognitoClaims, TokenUse};

    use super::*;
    use crate::cognito::testing::{json_body, verified};

    const PASSWORD: &str = "Moto-Passw0rd!";

    #[tokio::test]
    async fn install_lock_is_exclusive_and_released_on_drop() {
        let dir = std::env::temp_dir().join(format!("standins-lock-{}", uuid::Uuid::new_v4()));
        let path = dir.join("moto.lock");

        let held = InstallLock::acquire(&path, Duration::from_secs(1)).await.unwrap();
        let waited = InstallLock::acquire(&path, Duration::from_millis(300)).await;
        assert_eq!(waited.err().map(|error| error.kind()), Some(io::ErrorKind::TimedOut));

        let waiter = tokio::spawn({
            let path = path.clone();
            async move { InstallLock::acquire(&path, Duration::from_secs(5)).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiter.is_finished(), "the second waits while the first holds the lock");
        drop(held);
        waiter.await.unwrap().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn watchdog_stops_the_server_when_its_pipe_closes() {
        // The "server" prints its pid and sleeps; the shell itself is left alone,
        // as it would be if this process were killed.
        let mut watchdog = Command::new("sh")
            .args(["-c", WATCHDOG, "sh", "-c", "echo $$; exec sleep 600"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(watchdog.stdout.take().unwrap()).lines();
        let pid = stdout.next_line().await.unwrap().unwrap();
        let proc = PathBuf::from(format!("/proc/{pid}"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(proc.exists(), "the server runs while the pipe is open");

        drop(watchdog.stdin.take());
        let status = tokio::time::timeout(Duration::from_secs(5), watchdog.wait()).await;
        assert!(!status.unwrap().unwrap().success(), "the shell ends with the server's status");
        assert!(!proc.exists(), "the server is gone");
    }

    #[tokio::test]
    async fn dropping_moto_stops_the_server() {
        let moto = MotoCognito::start().await.unwrap();
        let endpoint = moto.endpoint().to_owned();
        assert!(reqwest::get(format!("{endpoint}/moto-api/")).await.is_ok());

        drop(moto);
        let deadline = Instant::now() + Duration::from_secs(5);
        while reqwest::get(format!("{endpoint}/moto-api/")).await.is_ok() {
            assert!(Instant::now() < deadline, "moto still answers on {endpoint}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn round_trip_gives_moto_tokens_with_the_real_issuer_and_the_profile() {
        let moto = MotoCognito::start().await.unwrap();
        let pool = moto.create_pool("studio-gate-test").await.unwrap();
        assert!(pool.pool_id.starts_with("eu-west-1_"), "{}", pool.pool_id);
        let alice =
            User::new("alice", PASSWORD).with_profile("alice-studio").with_group("studio-users");
        let sub = moto.create_user(&pool, &alice).await.unwrap();
        moto.create_user(&pool, &User::new("bob", PASSWORD)).await.unwrap();

        let jwks = json_body(reqwest::get(moto.jwks_url(&pool.pool_id)).await.unwrap()).await;
        let tokens = moto.sign_in(&pool, "alice", PASSWORD).await.unwrap();
        let (header, id) = verified(&tokens.id_token, &jwks);
        let (access_header, access) = verified(&tokens.access_token, &jwks);

        assert_eq!(header["kid"], MOTO_KID);
        assert_eq!(access_header["kid"], MOTO_KID);
        assert_eq!(id["iss"], pool.issuer());
        assert_eq!(
            id["iss"],
            format!("https://cognito-idp.eu-west-1.amazonaws.com/{}", pool.pool_id)
        );
        assert_eq!(id["token_use"], "id");
        assert_eq!(id["aud"], pool.client_id);
        assert_eq!(id["sub"], sub);
        assert_eq!(id["cognito:username"], "alice");
        assert_eq!(id[PROFILE_ATTRIBUTE], "alice-studio");
        assert_eq!(id["cognito:groups"], json!(["studio-users"]));
        assert_eq!(access["token_use"], "access");
        assert_eq!(access["client_id"], pool.client_id);
        assert_eq!(access["sub"], sub);
        let id: CognitoClaims = serde_json::from_value(id).unwrap();
        let access: CognitoClaims = serde_json::from_value(access).unwrap();
        assert_eq!(id.app_client(TokenUse::Id), Some(pool.client_id.as_str()));
        assert_eq!(access.app_client(TokenUse::Access), Some(pool.client_id.as_str()));

        let bob = moto.sign_in_public(&pool, "bob", PASSWORD).await.unwrap();
        let (_, bob) = verified(&bob.id_token, &jwks);
        assert!(
            bob.get(PROFILE_ATTRIBUTE).is_none(),
            "a user without a profile has no profile claim"
        );

        let wrong = moto.sign_in(&pool, "alice", "wrong").await.unwrap_err();
        assert!(matches!(wrong, SignInError::NotAuthorized(_)), "{wrong}");
    }
}
