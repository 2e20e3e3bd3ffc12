//! `studio-gate-local serve`: the API kept up on 127.0.0.1 until Ctrl-C.
//!
//! Standard output gets a short shell snippet, so a script or a benchmark can take
//! it as it is: the base URL, a ready token and a `curl` line, which comes last.
//! Progress and errors go to stderr; the API stays up if stdout is closed early.
//! The token is printed because it was asked for; it is never logged.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use shared::TokenUse;
use standins::cognito::{self, PoolConfig, SignInError};

use crate::cli::ServeArgs;
use crate::gateway::{GatewayConfig, PRESIGNED_URL_PATH, STUDIO_PATH};
use crate::stack::{
    CognitoSetup, DEMO_PASSWORD, SageMakerSetup, Stack, StackConfig, StackError, demo_users,
};

/// The region of the local stand-ins unless `--region` says otherwise.
pub const DEFAULT_REGION: &str = "eu-west-1";

/// Why `serve` stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// When the stack did not start.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// When the user whose token was asked for could not sign in.
    #[error("{user} could not sign in: {source}")]
    SignIn {
        /// The user.
        user: String,
        /// Why.
        source: SignInError,
    },
    /// When a flag names something that does not exist.
    #[error("{0}")]
    Usage(String),
    /// When the output could not be written, or Ctrl-C could not be listened for.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Starts the stack `args` describe, prints how to use it, and serves until Ctrl-C.
pub async fn run<W: Write>(args: ServeArgs, out: &mut W) -> Result<(), ServeError> {
    let stack = start(&args).await?;
    let token = ready_token(&args, &stack).await?;
    // The API stays up when whoever reads stdout goes away (`| head -n 3`, say).
    if let Err(error) = print_usage(out, &args, &stack, token.as_ref()) {
        eprintln!("warning: could not print the usage lines: {error}");
    }

    eprintln!("serving until Ctrl-C");
    tokio::signal::ctrl_c().await?;
    eprintln!("stopping");
    Ok(())
}

/// Starts the stack `args` describe.
pub async fn start(args: &ServeArgs) -> Result<Stack, ServeError> {
    let pool_region = args
        .user_pool_id
        .as_deref()
        .and_then(|pool| pool.split_once('_'))
        .map(|(region, _)| region.to_owned());
    let region = args.region.clone().or(pool_region).unwrap_or_else(|| DEFAULT_REGION.to_owned());

    let cognito = match &args.user_pool_id {
        Some(user_pool_id) => {
            eprintln!("verifying tokens of the Cognito user pool {user_pool_id}");
            CognitoSetup::External {
                user_pool_id: user_pool_id.clone(),
                client_ids: args.client_id.clone(),
                jwks_url: args.jwks_url.clone(),
            }
        }
        None => {
            eprintln!("starting the Cognito stand-in");
            let pool = PoolConfig {
                region: region.clone(),
                token_lifetime: Duration::from_secs(args.token_lifetime),
                ..PoolConfig::default()
            };
            CognitoSetup::Local(demo_users().into_iter().fold(pool, PoolConfig::with_user))
        }
    };

    let sagemaker = match &args.domain_id {
        Some(domain_id) => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest());
            if let Some(region) = &args.region {
                loader = loader.region(Region::new(region.clone()));
            }
            let config = loader.load().await;
            match std::env::var("AWS_ENDPOINT_URL_SAGEMAKER") {
                Ok(endpoint) => eprintln!("calling SageMaker at {endpoint}, domain {domain_id}"),
                Err(_) => eprintln!(
                    "calling SageMaker in {}, domain {domain_id}",
                    config.region().map_or("the configured region", |region| region.as_ref())
                ),
            }
            SageMakerSetup::Client {
                client: aws_sdk_sagemaker::Client::new(&config),
                domain_id: domain_id.clone(),
            }
        }
        None => {
            eprintln!("starting the SageMaker stand-in");
            let profiles =
                demo_users().iter().filter_map(|u| u.profile().map(str::to_owned)).collect();
            SageMakerSetup::Local { profiles }
        }
    };

    let mut authorizer_settings = BTreeMap::new();
    authorizer_settings.insert("TOKEN_USE".to_owned(), args.token_use.clone());
    if !args.required_groups.is_empty() {
        authorizer_settings.insert("REQUIRED_GROUPS".to_owned(), args.required_groups.join(","));
    }
    let mut presign_settings = BTreeMap::new();
    presign_settings.insert("URL_EXPIRES_SECONDS".to_owned(), args.url_expires.to_string());
    presign_settings.insert("SESSION_EXPIRES_SECONDS".to_owned(), args.session_expires.to_string());

    let config = StackConfig {
        gateway: GatewayConfig {
            region,
            stage: args.stage.clone(),
            vpce_id: args.vpce_id.clone(),
            authorizer_cache_ttl: Duration::from_secs(args.authorizer_cache_ttl),
            ..GatewayConfig::default()
        },
        port: args.port,
        cognito,
        sagemaker,
        authorizer_settings,
        presign_settings,
        prefetch_keys: true,
    };
    eprintln!("starting the API Gateway stand-in");
    Ok(Stack::start(config).await?)
}

/// A token to try the API with: the demo user's from the local pool, or
/// `--username`'s from a real pool; none when a real pool has no `--username`.
async fn ready_token(
    args: &ServeArgs,
    stack: &Stack,
) -> Result<Option<(String, String)>, ServeError> {
    let token_use = if args.token_use == "access" { TokenUse::Access } else { TokenUse::Id };
    let sign_in_error = |user: &str| {
        let user = user.to_owned();
        move |source| ServeError::SignIn { user, source }
    };

    if stack.cognito().is_some() {
        if !demo_users().iter().any(|user| user.username == args.user) {
            return Err(ServeError::Usage(format!(
                "--user {}: the demo users are ada, grace and linus",
                args.user
            )));
        }
        let tokens =
            stack.sign_in(&args.user, DEMO_PASSWORD).await.map_err(sign_in_error(&args.user))?;
        return Ok(Some((args.user.clone(), tokens.get(token_use).to_owned())));
    }

    let (Some(username), Some(client_id)) = (&args.username, stack.client_ids().first()) else {
        return Ok(None);
    };
    let Some(password) = &args.password else {
        return Err(ServeError::Usage(
            "--username needs a password: set STUDIO_GATE_PASSWORD (or --password)".to_owned(),
        ));
    };
    let region = Region::new(stack.authorizer_settings().region.clone());
    let config = aws_config::defaults(BehaviorVersion::latest()).region(region).load().await;
    let client = aws_sdk_cognitoidentityprovider::Client::new(&config);
    eprintln!("signing {username} in at {}", stack.user_pool_id());
    let tokens = cognito::sign_in_public(&client, client_id, username, password)
        .await
        .map_err(sign_in_error(username))?;
    Ok(Some((username.clone(), tokens.get(token_use).to_owned())))
}

/// The shell snippet on stdout: comments, two exports and a curl line.
fn print_usage<W: Write>(
    out: &mut W,
    args: &ServeArgs,
    stack: &Stack,
    token: Option<&(String, String)>,
) -> io::Result<()> {
    let gateway = stack.gateway();
    writeln!(out, "# studio-gate local API, serving until Ctrl-C")?;
    writeln!(
        out,
        "# routes: GET {PRESIGNED_URL_PATH} (JSON, or 302 with Accept: text/html or ?redirect=true), \
         GET {STUDIO_PATH} (the same, to see the authorizer cache)"
    )?;
    writeln!(out, "export STUDIO_GATE_URL={}", gateway.base_url())?;
    match token {
        Some((user, token)) => {
            writeln!(out, "export STUDIO_GATE_TOKEN={token}")?;
            writeln!(out, "# ^ the {} token of {user}", args.token_use)?;
            writeln!(
                out,
                "curl -sS -H \"Authorization: Bearer $STUDIO_GATE_TOKEN\" \"$STUDIO_GATE_URL{PRESIGNED_URL_PATH}\""
            )?;
        }
        None => {
            writeln!(out, "# no token: pass --username (and STUDIO_GATE_PASSWORD) to get one")?;
            writeln!(
                out,
                "curl -sS -H \"Authorization: Bearer <ID token>\" \"$STUDIO_GATE_URL{PRESIGNED_URL_PATH}\""
            )?;
        }
    }
    out.flush()
}
