//! The three parts of the local API, started together on 127.0.0.1: a Cognito
//! stand-in (or a pool that runs elsewhere), the SageMaker stand-in (or a real
//! SageMaker client) and the API Gateway stand-in running both handlers.
//!
//! [`Stack::start`] builds the handlers exactly as the `authorizer` and `presign`
//! binaries build them, from settings read with their own `from_lookup`; only the
//! values differ: `JWKS_URL` points at the local JWKS, `ALLOWED_VPCE_IDS` names the
//! gateway's VPC endpoint (as the template does), and the SageMaker client points at
//! the stand-in, whose user profiles are created through the SDK's
//! `CreateUserProfile`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_sagemaker::error::DisplayErrorContext;
use standins::cognito::{self, CognitoServer, PoolConfig, SignInError, Tokens, User};
use standins::sagemaker::{SageMakerStandIn, StandInOptions};

use crate::gateway::{Gateway, GatewayConfig, GatewayServer};
use crate::lambda::{AuthorizerFunction, PresignFunction};

/// The password of every demo user. Local stand-in only.
pub const DEMO_PASSWORD: &str = "Studio-Gate-Demo-1";
/// The group every demo user is in.
pub const DEMO_GROUP: &str = "studio-users";
/// The demo user with a Studio profile.
pub const DEMO_USER: &str = "ada";
/// The demo user without a Studio profile.
pub const NO_PROFILE_USER: &str = "linus";

/// The demo users: `ada` and `grace` with Studio profiles, `linus` without one,
/// all in [`DEMO_GROUP`], all with [`DEMO_PASSWORD`].
pub fn demo_users() -> Vec<User> {
    vec![
        User::new(DEMO_USER, DEMO_PASSWORD)
            .with_profile("ada-lovelace")
            .with_group(DEMO_GROUP)
            .with_email("ada@example.com"),
        User::new("grace", DEMO_PASSWORD)
            .with_profile("grace-hopper")
            .with_group(DEMO_GROUP)
            .with_email("grace@example.com"),
        User::new(NO_PROFILE_USER, DEMO_PASSWORD)
            .with_group(DEMO_GROUP)
            .with_email("linus@example.com"),
    ]
}

/// Where the tokens come from.
#[derive(Debug, Clone)]
pub enum CognitoSetup {
    /// Start the Cognito stand-in with this pool.
    Local(PoolConfig),
    /// A pool that runs elsewhere: moto, or a real Cognito user pool.
    External {
        /// `USER_POOL_ID`.
        user_pool_id: String,
        /// `APP_CLIENT_IDS`.
        client_ids: Vec<String>,
        /// `JWKS_URL`; `None` fetches the pool's own JWKS from its issuer.
        jwks_url: Option<String>,
    },
}

/// Where SageMaker is.
#[derive(Debug, Clone)]
pub enum SageMakerSetup {
    /// Start the SageMaker stand-in and create these user profiles in its domain
    /// through the SDK.
    Local {
        /// The profiles to create.
        profiles: Vec<String>,
    },
    /// Call SageMaker through this client (real SageMaker, or whatever
    /// `AWS_ENDPOINT_URL_SAGEMAKER` named when it was built), in this domain.
    Client {
        /// The SDK client.
        client: aws_sdk_sagemaker::Client,
        /// `STUDIO_DOMAIN_ID`.
        domain_id: String,
    },
}

/// How to start the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// The gateway: account, API id, stage, VPC endpoint, cache TTL, routes.
    pub gateway: GatewayConfig,
    /// The gateway's port on 127.0.0.1; `0` lets the OS pick. Default `0`.
    pub port: u16,
    /// Where tokens come from. Default: the Cognito stand-in with [`demo_users`].
    pub cognito: CognitoSetup,
    /// Where SageMaker is. Default: the stand-in with the demo users' profiles.
    pub sagemaker: SageMakerSetup,
    /// More authorizer settings by variable name (`REQUIRED_GROUPS`, `TOKEN_USE`,
    /// `PROFILE_CLAIM`, `CLOCK_SKEW_SECONDS`, `ALLOWED_VPCE_IDS`, …); they win over
    /// the ones the stack sets. Default none.
    pub authorizer_settings: BTreeMap<String, String>,
    /// More presign settings by variable name (`URL_EXPIRES_SECONDS`,
    /// `SESSION_EXPIRES_SECONDS`). Default none.
    pub presign_settings: BTreeMap<String, String>,
    /// Fetch the JWKS before serving, as the authorizer's Lambda init does. Default
    /// true; false leaves the key cache cold for the first requests.
    pub prefetch_keys: bool,
}

impl Default for StackConfig {
    fn default() -> Self {
        let users = demo_users();
        let profiles = users.iter().filter_map(User::profile).map(str::to_owned).collect();
        let pool = users.into_iter().fold(PoolConfig::default(), PoolConfig::with_user);
        Self {
            gateway: GatewayConfig::default(),
            port: 0,
            cognito: CognitoSetup::Local(pool),
            sagemaker: SageMakerSetup::Local { profiles },
            authorizer_settings: BTreeMap::new(),
            presign_settings: BTreeMap::new(),
            prefetch_keys: true,
        }
    }
}

/// Why the stack did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StackError {
    /// When the Cognito stand-in could not be set up.
    #[error("the cognito stand-in did not start: {0}")]
    Cognito(#[from] cognito::CognitoError),
    /// When the SageMaker stand-in could not listen.
    #[error("the sagemaker stand-in did not start: {0}")]
    SageMaker(std::io::Error),
    /// When SageMaker refused to create a demo profile.
    #[error("could not create the user profile {profile}: {message}")]
    Profile {
        /// The profile.
        profile: String,
        /// What the SDK said.
        message: String,
    },
    /// When the authorizer's settings are not valid.
    #[error("authorizer setting {0}")]
    AuthorizerSettings(#[from] authorizer::SettingsError),
    /// When the presign settings are not valid.
    #[error("presign setting {0}")]
    PresignSettings(#[from] presign::settings::SettingsError),
    /// When the authorizer could not be built (a bad `JWKS_FILE`, say).
    #[error("the authorizer did not start: {0}")]
    Authorizer(String),
    /// When the gateway could not listen.
    #[error("the gateway could not listen: {0}")]
    Gateway(std::io::Error),
}

/// The running stack. Everything stops when it is dropped.
pub struct Stack {
    cognito: Option<CognitoServer>,
    sagemaker: Option<SageMakerStandIn>,
    gateway: GatewayServer,
    user_pool_id: String,
    client_ids: Vec<String>,
    domain_id: String,
    profiles: Vec<String>,
    authorizer: AuthorizerFunction,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("gateway", &self.gateway.base_url())
            .field("user_pool_id", &self.user_pool_id)
            .field("domain_id", &self.domain_id)
            .finish_non_exhaustive()
    }
}

impl Stack {
    /// Starts the parts `config` asks for and the gateway in front of them.
    pub async fn start(config: StackConfig) -> Result<Self, StackError> {
        let (cognito, user_pool_id, client_ids, jwks_url) = match config.cognito {
            CognitoSetup::Local(pool) => {
                let server = CognitoServer::start(pool).await?;
                let pool = server.pool();
                let (id, clients) = (pool.pool_id().to_owned(), pool.client_ids().to_vec());
                let jwks_url = server.jwks_url();
                (Some(server), id, clients, Some(jwks_url))
            }
            CognitoSetup::External { user_pool_id, client_ids, jwks_url } => {
                (None, user_pool_id, client_ids, jwks_url)
            }
        };

        let (sagemaker, client, domain_id, profiles) = match config.sagemaker {
            SageMakerSetup::Local { profiles } => {
                let options = StandInOptions {
                    region: config.gateway.region.clone(),
                    account_id: config.gateway.account_id.clone(),
                    ..StandInOptions::default()
                };
                let standin =
                    SageMakerStandIn::start(options).await.map_err(StackError::SageMaker)?;
                let client = standin.client();
                let domain_id = standin.domain_id().to_owned();
                create_profiles(&client, &domain_id, &profiles).await?;
                (Some(standin), client, domain_id, profiles)
            }
            SageMakerSetup::Client { client, domain_id } => (None, client, domain_id, Vec::new()),
        };

        let mut authorizer_vars = BTreeMap::new();
        authorizer_vars.insert("USER_POOL_ID".to_owned(), user_pool_id.clone());
        authorizer_vars.insert("APP_CLIENT_IDS".to_owned(), client_ids.join(","));
        authorizer_vars.insert("ALLOWED_VPCE_IDS".to_owned(), config.gateway.vpce_id.clone());
        if let Some(url) = jwks_url {
            authorizer_vars.insert("JWKS_URL".to_owned(), url);
        }
        authorizer_vars.extend(config.authorizer_settings);
        let settings =
            authorizer::Settings::from_lookup(|name| authorizer_vars.get(name).cloned())?;
        let http = authorizer::http_client(&settings.jwks)
            .map_err(|error| StackError::Authorizer(error.to_string()))?;
        let authorizer = authorizer::Authorizer::new(settings, http)
            .map_err(|error| StackError::Authorizer(error.to_string()))?;
        if config.prefetch_keys {
            authorizer.prefetch_keys().await;
        }
        let authorizer = AuthorizerFunction::new(authorizer);

        let mut presign_vars = BTreeMap::new();
        presign_vars.insert("STUDIO_DOMAIN_ID".to_owned(), domain_id.clone());
        presign_vars.extend(config.presign_settings);
        let settings = presign::Settings::from_lookup(|name| presign_vars.get(name).cloned())?;
        let presign = PresignFunction::new(presign::Presigner::new(settings, client));

        let gateway = Gateway::new(config.gateway, Arc::new(authorizer.clone()), Arc::new(presign));
        let gateway =
            GatewayServer::start(gateway, config.port).await.map_err(StackError::Gateway)?;

        Ok(Self {
            cognito,
            sagemaker,
            gateway,
            user_pool_id,
            client_ids,
            domain_id,
            profiles,
            authorizer,
        })
    }

    /// The gateway: its URLs, its journal and its cache.
    pub fn gateway(&self) -> &GatewayServer {
        &self.gateway
    }

    /// The Cognito stand-in, when the stack started one.
    pub fn cognito(&self) -> Option<&CognitoServer> {
        self.cognito.as_ref()
    }

    /// The SageMaker stand-in, when the stack started one.
    pub fn sagemaker(&self) -> Option<&SageMakerStandIn> {
        self.sagemaker.as_ref()
    }

    /// The user pool whose tokens the authorizer accepts.
    pub fn user_pool_id(&self) -> &str {
        &self.user_pool_id
    }

    /// The app clients whose tokens the authorizer accepts.
    pub fn client_ids(&self) -> &[String] {
        &self.client_ids
    }

    /// The SageMaker domain presign mints URLs in.
    pub fn domain_id(&self) -> &str {
        &self.domain_id
    }

    /// The profiles the stack created in the SageMaker stand-in.
    pub fn profiles(&self) -> &[String] {
        &self.profiles
    }

    /// The authorizer's settings, as it read them.
    pub fn authorizer_settings(&self) -> &authorizer::Settings {
        self.authorizer.authorizer().settings()
    }

    /// Signs `username` in at the Cognito stand-in through the SDK
    /// (`AdminInitiateAuth`), as a portal's back end would.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Tokens, SignInError> {
        let Some(server) = &self.cognito else {
            return Err(SignInError::Unreachable("this stack runs no cognito stand-in".into()));
        };
        let pool = server.pool();
        cognito::sign_in(&server.client(), pool.pool_id(), pool.client_id(), username, password)
            .await
    }
}

/// Creates each profile in `domain_id` with `CreateUserProfile`.
async fn create_profiles(
    client: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    profiles: &[String],
) -> Result<(), StackError> {
    for profile in profiles {
        client
            .create_user_profile()
            .domain_id(domain_id)
            .user_profile_name(profile)
            .send()
            .await
            .map_err(|error| StackError::Profile {
            profile: profile.clone(),
            message: DisplayErrorContext(&error).to_string(),
        })?;
    }
    Ok(())
}
