//! A Cognito user pool stand-in, and signing in through the AWS SDK.
//!
//! [`UserPool`] holds an RSA key made at start, a pool id in the real form
//! `<region>_<id>`, app client ids and users, and mints ID and access tokens
//! with the claims Cognito puts in them. [`UserPool::serve`] puts it on
//! 127.0.0.1: the JWKS at `/<poolId>/.well-known/jwks.json` and `InitiateAuth`
//! (`USER_PASSWORD_AUTH`) and `AdminInitiateAuth` (`ADMIN_USER_PASSWORD_AUTH`)
//! over the AWS JSON 1.1 protocol, with errors in Cognito's shape.
//!
//! [`sign_in`] and [`sign_in_public`] sign a user in through
//! `aws-sdk-cognitoidentityprovider`, so the demo and the tests take the same
//! path against this stand-in, against moto ([`crate::moto`]) and against a real
//! pool. [`local_client`] builds an SDK client for a local endpoint.
//!
//! Tokens are credentials even here: [`Tokens`] redacts them in `Debug`, and
//! nothing in this module logs one.
//!
//! # Example
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use standins::cognito::{CognitoServer, PoolConfig, User, local_client, sign_in};
//!
//! let config = PoolConfig::default().with_user(User::new("alice", "Passw0rd!").with_profile("alice"));
//! let server = CognitoServer::start(config).await?;
//! let client = local_client(&server.endpoint(), server.pool().region());
//! let pool = server.pool();
//! let tokens = sign_in(&client, pool.pool_id(), pool.client_id(), "alice", "Passw0rd!").await?;
//! # drop(tokens);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rand::Rng as _;
use serde_json::{Map, Value, json};
use shared::TokenUse;
use uuid::Uuid;

use crate::jwks_server::{self, JwksControl, Serving};
use crate::keys::{self, KeyError, SigningKey};

/// The user attribute (and ID token claim) that names the Studio user profile.
pub const PROFILE_ATTRIBUTE: &str = "custom:studio_user_profile";

/// The `scope` of access tokens from a password sign-in.
pub const ACCESS_SCOPE: &str = "aws.cognito.signin.user.admin";

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// Why the stand-in could not be set up or could not mint a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CognitoError {
    /// When a setting in [`PoolConfig`] breaks a rule; the message says which.
    #[error("invalid user pool setting: {0}")]
    InvalidConfig(String),
    /// When a token is asked for a user the pool does not hold.
    #[error("no user {0:?} in the pool")]
    UnknownUser(String),
    /// When the RSA key could not be made or could not sign.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// When the server could not bind its port.
    #[error("the cognito stand-in could not listen: {0}")]
    Io(#[from] io::Error),
}

/// A user of the pool.
#[derive(Clone)]
pub struct User {
    /// The user name, as signed in with and as put in `cognito:username`.
    pub username: String,
    /// The permanent password.
    pub password: String,
    /// The user's stable id (`sub`). Random unless set.
    pub sub: Uuid,
    /// The groups the user is in, put in `cognito:groups` when there are any.
    pub groups: Vec<String>,
    /// Attributes that go into ID tokens, by claim name, e.g.
    /// `custom:studio_user_profile` or `email`.
    pub attributes: BTreeMap<String, String>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("sub", &self.sub)
            .field("groups", &self.groups)
            .field("attributes", &self.attributes)
            .finish()
    }
}

impl User {
    /// A user with a random `sub`, no groups and no attributes (so no profile).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            sub: Uuid::new_v4(),
            groups: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// Sets the `sub`.
    pub fn with_sub(mut self, sub: Uuid) -> Self {
        self.sub = sub;
        self
    }

    /// Adds the user to `group`.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Sets `custom:studio_user_profile`.
    pub fn with_profile(self, profile: impl Into<String>) -> Self {
        self.with_attribute(PROFILE_ATTRIBUTE, profile)
    }

    /// Sets `email` (ID tokens then also say `email_verified`: true).
    pub fn with_email(self, email: impl Into<String>) -> Self {
        self.with_attribute("email", email)
    }

    /// Sets any attribute, by its claim name (`custom:…` for custom attributes).
    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// The value of `custom:studio_user_profile`, if set.
    pub fn profile(&self) -> Option<&str> {
        self.attributes.get(PROFILE_ATTRIBUTE).map(String::as_str)
    }
}

/// How to set up a [`UserPool`].
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The pool's region. Default `eu-west-1`.
    pub region: String,
    /// The pool id, `<region>_<id>`. Default: random, nine letters and digits
    /// after the region, as Cognito makes them.
    pub pool_id: Option<String>,
    /// The app clients whose tokens the pool mints. Default: one random id of 26
    /// lowercase letters and digits.
    pub client_ids: Vec<String>,
    /// The users. Default: none.
    pub users: Vec<User>,
    /// How long ID and access tokens last (`exp` - `iat`, and `ExpiresIn`).
    /// Default one hour, as Cognito's; whole seconds.
    pub token_lifetime: Duration,
    /// When true, an unknown user name gets `NotAuthorizedException`, as app
    /// clients with `PreventUserExistenceErrors` do; when false,
    /// `UserNotFoundException`. Default false.
    pub prevent_user_existence_errors: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            region: "eu-west-1".to_owned(),
            pool_id: None,
            client_ids: Vec::new(),
            users: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            prevent_user_existence_errors: false,
        }
    }
}

impl PoolConfig {
    /// Adds a user.
    pub fn with_user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// Adds an app client id.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_ids.push(client_id.into());
        self
    }
}

/// A Cognito user pool: key, ids and users. Mints tokens without HTTP; see
/// [`UserPool::serve`] for the endpoint. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct UserPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    region: String,
    pool_id: String,
    client_ids: Vec<String>,
    users: RwLock<HashMap<String, User>>,
    key: SigningKey,
    token_lifetime: u64,
    prevent_user_existence_errors: bool,
}

impl fmt::Debug for UserPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPool")
            .field("pool_id", &self.inner.pool_id)
            .field("client_ids", &self.inner.client_ids)
            .field("kid", &self.inner.key.kid())
            .finish_non_exhaustive()
    }
}

/// What one sign-in shares between its ID and access token.
struct Session {
    auth_time: u64,
    origin_jti: Uuid,
    event_id: Uuid,
}

impl Session {
    fn now() -> Self {
        Self { auth_time: unix_now(), origin_jti: Uuid::new_v4(), event_id: Uuid::new_v4() }
    }
}

impl UserPool {
    /// Makes the pool and its RSA key.
    pub fn new(config: PoolConfig) -> Result<Self, CognitoError> {
        let PoolConfig {
            region,
            pool_id,
            mut client_ids,
            users,
            token_lifetime,
            prevent_user_existence_errors,
        } = config;
        if region.is_empty() || !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(CognitoError::InvalidConfig(format!("region {region:?} is not a region")));
        }
        let pool_id = pool_id.unwrap_or_else(|| format!("{region}_{}", random_text(9, ALNUM)));
        match pool_id.split_once('_') {
            Some((prefix, id)) if prefix == region && !id.is_empty() => {}
            _ => {
                return Err(CognitoError::InvalidConfig(format!(
                    "pool id {pool_id:?} must be {region}_<id>"
                )));
            }
        }
        if client_ids.is_empty() {
            client_ids.push(random_text(26, LOWER_ALNUM));
        }
        if token_lifetime.as_secs() == 0 {
            return Err(CognitoError::InvalidConfig("token lifetime must be 1 s or more".into()));
        }
        let kid = keys::b64url(rand::rng().random::<[u8; 32]>());
        let users = users.into_iter().map(|user| (user.username.clone(), user)).collect();
        Ok(Self {
            inner: Arc::new(PoolInner {
                region,
                pool_id,
                client_ids,
                users: RwLock::new(users),
                key: SigningKey::generate(kid)?,
                token_lifetime: token_lifetime.as_secs(),
                prevent_user_existence_errors,
            }),
        })
    }

    /// The pool id, `<region>_<id>`.
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the real form,
    /// whatever address the stand-in listens on.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.inner.region, self.inner.pool_id)
    }

    /// The app client ids.
    pub fn client_ids(&self) -> &[String] {
        &self.inner.client_ids
    }

    /// The first app client id, the one [`UserPool::id_token`] and
    /// [`UserPool::access_token`] mint for.
    pub fn client_id(&self) -> &str {
        // `new` guarantees at least one.
        self.inner.client_ids.first().map_or("", String::as_str)
    }

    /// The pool's signing key.
    pub fn key(&self) -> &SigningKey {
        &self.inner.key
    }

    /// The JWKS document the pool publishes.
    pub fn jwks(&self) -> Value {
        keys::jwks(&[&self.inner.key])
    }

    /// The path of the JWKS, `/<poolId>/.well-known/jwks.json`.
    pub fn jwks_path(&self) -> String {
        format!("/{}/.well-known/jwks.json", self.inner.pool_id)
    }

    /// The user called `username`, if any.
    pub fn user(&self, username: &str) -> Option<User> {
        self.inner.users.read().unwrap_or_else(PoisonError::into_inner).get(username).cloned()
    }

    /// Adds a user, or replaces the one with the same user name.
    pub fn add_user(&self, user: User) {
        let mut users = self.inner.users.write().unwrap_or_else(PoisonError::into_inner);
        users.insert(user.username.clone(), user);
    }

    /// An ID token for `username` and the first app client, valid from now.
    pub fn id_token(&self, username: &str) -> Result<String, CognitoError> {
        self.token(username, TokenUse::Id)?.mint()
    }

    /// An access token for `username` and the first app client, valid from now.
    pub fn access_token(&self, username: &str) -> Result<String, CognitoError> {
        self.token(username, TokenUse::Access)?.mint()
    }

    /// The claims of a token for `username`, to change before minting: see
    /// [`TokenBuilder`].
    pub fn token(
        &self,
        username: &str,
        token_use: TokenUse,
    ) -> Result<TokenBuilder<'_>, CognitoError> {
        let user = self.user(username).ok_or_else(|| CognitoError::UnknownUser(username.into()))?;
        let claims = self.claims(&user, token_use, self.client_id(), &Session::now());
        Ok(TokenBuilder { pool: self, token_use, claims, key: None })
    }

    /// Serves the pool on 127.0.0.1 with an OS-given port.
    pub async fn serve(&self) -> Result<CognitoServer, CognitoError> {
        let jwks = JwksControl::new(self.jwks());
        let api = Router::new().route("/", post(api)).with_state(self.clone());
        let router = api.merge(jwks_server::router(&self.jwks_path(), jwks.clone()));
        let server = jwks_server::serve(router).await?;
        Ok(CognitoServer { pool: self.clone(), jwks, server })
    }

    /// The claims Cognito puts in a token of this kind for this user.
    fn claims(
        &self,
        user: &User,
        token_use: TokenUse,
        client_id: &str,
        session: &Session,
    ) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(user.sub.to_string()));
        if !user.groups.is_empty() {
            claims.insert("cognito:groups".into(), json!(user.groups));
        }
        claims.insert("iss".into(), json!(self.issuer()));
        match token_use {
            TokenUse::Id => {
                claims.insert("cognito:username".into(), json!(user.username));
                claims.insert("aud".into(), json!(client_id));
                for (name, value) in &user.attributes {
                    claims.insert(name.clone(), json!(value));
                }
                if user.attributes.contains_key("email") {
                    claims.insert("email_verified".into(), json!(true));
                }
            }
            TokenUse::Access => {
                claims.insert("client_id".into(), json!(client_id));
                claims.insert("scope".into(), json!(ACCESS_SCOPE));
                claims.insert("username".into(), json!(user.username));
                claims.insert("version".into(), json!(2));
            }
        }
        claims.insert("token_use".into(), json!(token_use.as_str()));
        claims.insert("origin_jti".into(), json!(session.origin_jti.to_string()));
        claims.insert("event_id".into(), json!(session.event_id.to_string()));
        claims.insert("auth_time".into(), json!(session.auth_time));
        claims.insert("iat".into(), json!(session.auth_time));
        claims.insert("exp".into(), json!(session.auth_time + self.inner.token_lifetime));
        claims.insert("jti".into(), json!(Uuid::new_v4().to_string()));
        claims
    }

    /// Checks a password sign-in and mints its tokens, as the API answers it.
    fn authenticate(&self, client_id: &str, params: &Value) -> Result<Value, ApiError> {
        if !self.inner.client_ids.iter().any(|id| id == client_id) {
            return Err(ApiError::not_found(format!(
                "User pool client {client_id} does not exist."
            )));
        }
        let param = |name: &str| {
            params.get(name).and_then(Value::as_str).ok_or_else(|| {
                ApiError::invalid_parameter(format!("Missing required parameter {name}"))
            })
        };
        let (username, password) = (param("USERNAME")?, param("PASSWORD")?);
        let Some(user) = self.user(username) else {
            return Err(if self.inner.prevent_user_existence_errors {
                ApiError::not_authorized()
            } else {
                ApiError::new("UserNotFoundException", "User does not exist.")
            });
        };
        if user.password != password {
            return Err(ApiError::not_authorized());
        }

        let session = Session::now();
        let sign = |token_use| {
            let claims = Value::Object(self.claims(&user, token_use, client_id, &session));
            self.inner.key.mint(&claims).map_err(|_| ApiError::internal())
        };
        Ok(json!({
            "AuthenticationResult": {
                "AccessToken": sign(TokenUse::Access)?,
                "ExpiresIn": self.inner.token_lifetime,
                "IdToken": sign(TokenUse::Id)?,
                "RefreshToken": keys::b64url(rand::rng().random::<[u8; 32]>()),
                "TokenType": "Bearer",
            },
            "ChallengeParameters": {},
        }))
    }
}

/// The claims of one token, to change before it is signed. Made by
/// [`UserPool::token`]; starts with what Cognito would put in.
pub struct TokenBuilder<'a> {
    pool: &'a UserPool,
    token_use: TokenUse,
    claims: Map<String, Value>,
    key: Option<&'a SigningKey>,
}

impl fmt::Debug for TokenBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("token_use", &self.token_use)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl<'a> TokenBuilder<'a> {
    /// Mints for this app client: `aud` in ID tokens, `client_id` in access tokens.
    pub fn client_id(self, client_id: &str) -> Self {
        let name = match self.token_use {
            TokenUse::Id => "aud",
            TokenUse::Access => "client_id",
        };
        self.claim(name, json!(client_id))
    }

    /// Sets `exp`, seconds since the epoch.
    pub fn expires_at(self, exp: u64) -> Self {
        self.claim("exp", json!(exp))
    }

    /// Sets `iat` and `auth_time` to `iat`, and `exp` to `iat` plus the pool's
    /// token lifetime. Call before [`TokenBuilder::expires_at`] to set both.
    pub fn issued_at(self, iat: u64) -> Self {
        let exp = iat + self.pool.inner.token_lifetime;
        self.claim("iat", json!(iat)).claim("auth_time", json!(iat)).claim("exp", json!(exp))
    }

    /// Sets a claim, replacing the one of that name; any JSON value, so a
    /// malformed claim (`"exp": "soon"`) is as easy to make as a good one.
    pub fn claim(mut self, name: &str, value: Value) -> Self {
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Removes a claim.
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Signs with `key` instead of the pool's key; the header names `key`'s kid.
    pub fn signed_with(mut self, key: &'a SigningKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The claims as they stand.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// Signs the claims with RS256 and the header `{"kid", "alg": "RS256"}`.
    pub fn mint(self) -> Result<String, CognitoError> {
        let key = self.key.unwrap_or(&self.pool.inner.key);
        Ok(key.mint(&Value::Object(self.claims))?)
    }
}

/// A [`UserPool`] served on 127.0.0.1: the JWKS and the sign-in API. Stops when
/// dropped.
pub struct CognitoServer {
    pool: UserPool,
    jwks: JwksControl,
    server: Serving,
}

impl fmt::Debug for CognitoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoServer")
            .field("endpoint", &self.endpoint())
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl CognitoServer {
    /// Makes a pool from `config` and serves it.
    pub async fn start(config: PoolConfig) -> Result<Self, CognitoError> {
        UserPool::new(config)?.serve().await
    }

    /// The API endpoint, e.g. `http://127.0.0.1:41234`, for the SDK's `endpoint_url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:<port>/<poolId>/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}{}", self.endpoint(), self.pool.jwks_path())
    }

    /// The pool, for ids, users and minting.
    pub fn pool(&self) -> &UserPool {
        &self.pool
    }

    /// The served key set: fetch count, key set and behaviour, as for a
    /// [`jwks_server::JwksServer`].
    pub fn jwks(&self) -> &JwksControl {
        &self.jwks
    }

    /// An SDK client for this endpoint; see [`local_client`].
    pub fn client(&self) -> Client {
        local_client(&self.endpoint(), self.pool.region())
    }
}

/// A Cognito API error, answered as `400 {"__type", "message"}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl ApiError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, kind, message: message.into() }
    }

    fn not_authorized() -> Self {
        Self::new("NotAuthorizedException", "Incorrect username or password.")
    }

    fn not_found(message: String) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    fn invalid_parameter(message: String) -> Self {
        Self::new("InvalidParameterException", message)
    }

    fn internal() -> Self {
        let error = Self::new("InternalErrorException", "Internal error.");
        Self { status: StatusCode::INTERNAL_SERVER_ERROR, ..error }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"__type": self.kind, "message": self.message});
        let error_type = HeaderValue::from_static(self.kind);
        let mut response = amz_json(self.status, &body);
        response.headers_mut().insert("x-amzn-errortype", error_type);
        response
    }
}

fn amz_json(status: StatusCode, body: &Value) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let headers = [
        (header::CONTENT_TYPE, AMZ_JSON.to_owned()),
        (header::HeaderName::from_static("x-amzn-requestid"), request_id),
    ];
    (status, headers, body.to_string()).into_response()
}

async fn api(State(pool): State<UserPool>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|value| value.to_str().ok()).unwrap_or("");
    let operation = target.strip_prefix(TARGET_PREFIX).unwrap_or("");
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return ApiError::new("SerializationException", "The request body is not JSON.")
            .into_response();
    };

    let answer = match operation {
        "InitiateAuth" => initiate_auth(&pool, &input),
        "AdminInitiateAuth" => admin_initiate_auth(&pool, &input),
        _ => Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {target:?}."),
        )),
    };

    match answer {
        Ok(body) => amz_json(StatusCode::OK, &body),
        Err(error) => error.into_response(),
    }
}

fn initiate_auth(pool: &UserPool, input: &Value) -> Result<Value, ApiError> {
    let client_id = required(input, "ClientId")?;
    match required(input, "AuthFlow")? {
        "USER_PASSWORD_AUTH" => pool.authenticate(client_id, &input["AuthParameters"]),
        flow => {
            Err(ApiError::invalid_parameter(format!("Auth flow {flow} is not supported here.")))
        }
    }
}

fn admin_initiate_auth(pool: &UserPool, input: &Value) -> Result<Value, ApiError> {
    let pool_id = required(input, "UserPoolId")?;
    let client_id = required(input, "ClientId")?;
    let flow = required(input, "AuthFlow")?;
    if pool_id != pool.pool_id() {
        return Err(ApiError::not_found(format!("User pool {pool_id} does not exist.")));
    }
    match flow {
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            pool.authenticate(client_id, &input["AuthParameters"])
        }
        flow => {
            Err(ApiError::invalid_parameter(format!("Auth flow {flow} is not supported here.")))
        }
    }
}

/// A required string member of the request, or Cognito's validation error.
fn required<'v>(input: &'v Value, member: &str) -> Result<&'v str, ApiError> {
    input.get(member).and_then(Value::as_str).ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
             Member must not be null"
        ))
    })
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_text(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// An SDK client for a Cognito API on a local endpoint (this stand-in or moto):
/// `region`, dummy static credentials, and no retries, so a refusal shows at once.
pub fn local_client(endpoint_url: &str, region: &str) -> Client {
    let credentials =
        Credentials::new("AKIDSTUDIOGATELOCAL", "studio-gate-local", None, None, "local");
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .endpoint_url(endpoint_url)
        .retry_config(aws_sdk_cognitoidentityprovider::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// The tokens of a sign-in. `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The ID token.
    pub id_token: String,
    /// The access token.
    pub access_token: String,
    /// The refresh token, when one was given.
    pub refresh_token: Option<String>,
    /// Seconds the ID and access tokens last.
    pub expires_in: i32,
}

impl Tokens {
    /// The ID or the access token.
    pub fn get(&self, token_use: TokenUse) -> &str {
        match token_use {
            TokenUse::Id => &self.id_token,
            TokenUse::Access => &self.access_token,
        }
    }

    /// Puts tokens from a sign-in (whoever minted them: this stand-in or moto)
    /// in the secrets ledger.
    fn recorded(self) -> Self {
        crate::ledger::record_jwt(&self.id_token);
        crate::ledger::record_jwt(&self.access_token);
        if let Some(refresh) = &self.refresh_token {
            crate::ledger::record(crate::ledger::Secret::RefreshToken, refresh);
        }
        self
    }

    fn from_result(
        result: Option<&AuthenticationResultType>,
        challenge: Option<&ChallengeNameType>,
    ) -> Result<Self, SignInError> {
        if let Some(challenge) = challenge {
            return Err(SignInError::Challenge(challenge.as_str().to_owned()));
        }
        let result = result.ok_or(SignInError::NoTokens)?;
        match (result.id_token(), result.access_token()) {
            (Some(id), Some(access)) => Ok(Self::recorded(Self {
                id_token: id.to_owned(),
                access_token: access.to_owned(),
                refresh_token: result.refresh_token().map(str::to_owned),
                expires_in: result.expires_in(),
            })),
            _ => Err(SignInError::NoTokens),
        }
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("id_token", &"[redacted]")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Why a sign-in gave no tokens. The messages are Cognito's; they hold no
/// password and no token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// When the password is wrong, the user is disabled, the flow is not allowed
    /// for the app client, or the pool hides unknown users.
    #[error("not authorized: {0}")]
    NotAuthorized(String),
    /// When the pool has no such user (and does not hide it).
    #[error("user not found: {0}")]
    UserNotFound(String),
    /// When the pool or the app client does not exist.
    #[error("resource not found: {0}")]
    ResourceNotFound(String),
    /// When the request lacks something or names an unsupported flow.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// When Cognito asks for a challenge (e.g. `NEW_PASSWORD_REQUIRED`) instead
    /// of giving tokens.
    #[error("cognito asked for the challenge {0} instead of giving tokens")]
    Challenge(String),
    /// When the answer holds no ID or no access token.
    #[error("cognito answered without tokens")]
    NoTokens,
    /// When Cognito refused with another error.
    #[error("cognito refused with {code}: {message}")]
    Service {
        /// The error type, e.g. `TooManyRequestsException`.
        code: String,
        /// Cognito's message.
        message: String,
    },
    /// When Cognito could not be reached or answered something unreadable.
    #[error("cognito could not be reached: {0}")]
    Unreachable(String),
}

impl SignInError {
    fn from_sdk<E, R>(error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug,
    {
        let SdkError::ServiceError(service) = &error else {
            return Self::Unreachable(DisplayErrorContext(&error).to_string());
        };
        let message = service.err().message().unwrap_or_default().to_owned();
        match service.err().code() {
            Some("NotAuthorizedException") => Self::NotAuthorized(message),
            Some("UserNotFoundException") => Self::UserNotFound(message),
            Some("ResourceNotFoundException") => Self::ResourceNotFound(message),
            Some("InvalidParameterException") => Self::InvalidParameter(message),
            Some(code) => Self::Service { code: code.to_owned(), message },
            None => Self::Unreachable(DisplayErrorContext(&error).to_string()),
        }
    }
}

/// Signs a user in with `AdminInitiateAuth` and `ADMIN_USER_PASSWORD_AUTH`, as
/// a back end with AWS credentials does. The app client must allow
/// `ALLOW_ADMIN_USER_PASSWORD_AUTH` and have no secret.
pub async fn sign_in(
    client: &Client,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<Tokens, SignInError> {
    let answer = client
        .admin_initiate_auth()
        .user_pool_id(pool_id)
        .client_id(client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .set_auth_parameters(Some(password_parameters(username, password)))
        .send()
        .await
        .map_err(SignInError::from_sdk)?;
    Tokens::from_result(answer.authentication_result(), answer.challenge_name())
}

/// Signs a user in with `InitiateAuth` and `USER_PASSWORD_AUTH`, as a public
/// client does. The app client must allow `ALLOW_USER_PASSWORD_AUTH` and have
/// no secret.
pub async fn sign_in_public(
    client: &Client,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<Tokens, SignInError> {
    let answer = client
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .set_auth_parameters(Some(password_parameters(username, password)))
        .send()
        .await
        .map_err(SignInError::from_sdk)?;
    Tokens::from_result(answer.authentication_result(), answer.challenge_name())
}

fn password_parameters(username: &str, password: &str) -> HashMap<String, String> {
    HashMap::from([("USERNAME".into(), username.into()), ("PASSWORD".into(), password.into())])
}

/// Helpers the tests of this crate share: a token's parts, checked against a key set.
#[cfg(test)]
pub(crate) mod testing {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::Value;

    /// The body of `answer`, as JSON.
    pub(crate) async fn json_body(answer: reqwest::Response) -> Value {
        serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap()
    }

    /// The header and claims of `token`, after checking its RS256 signature with
    /// the key of `jwks` its header names. Panics if anything does not hold.
    pub(crate) fn verified(token: &str, jwks: &Value) -> (Value, Value) {
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "a JWS has three parts");
        let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
        let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
        assert_eq!(header["alg"], "RS256");
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|jwk| jwk["kid"] == header["kid"])
            .expect("the key set holds the token's kid");
        let n = decode(jwk["n"].as_str().unwrap());
        let e = decode(jwk["e"].as_str().unwrap());
        let input = format!("{}.{}", parts[0], parts[1]);
        RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &decode(parts[2]))
            .expect("the signature verifies");
        (header, claims)
    }
}

#[cfg(test)]
mod tests {
    use shared::CognitoClaims;

    use super::testing::{json_body, verified};
    use super::*;

    const PASSWORD: &str = "Corr3ct-Horse!";

    fn config() -> PoolConfig {
        PoolConfig::default()
            .with_user(
                User::new("alice", PASSWORD)
                    .with_profile("alice-studio")
                    .with_group("studio-users")
                    .with_email("alice@example.com"),
            )
            .with_user(User::new("bob", PASSWORD))
    }

    async fn fetched_jwks(server: &CognitoServer) -> Value {
        json_body(reqwest::get(server.jwks_url()).await.unwrap()).await
    }

    #[test]
    fn pool_id_client_id_and_issuer_have_the_real_form() {
        let pool =
            UserPool::new(PoolConfig { region: "ap-southeast-2".into(), ..config() }).unwrap();
        let (region, id) = pool.pool_id().split_once('_').unwrap();
        assert_eq!(region, "ap-southeast-2");
        assert!(id.len() == 9 && id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        let client = pool.client_id();
        assert!(client.len() == 26 && client.bytes().all(|b| LOWER_ALNUM.contains(&b)), "{client}");
        assert_eq!(
            pool.issuer(),
            format!("https://cognito-idp.ap-southeast-2.amazonaws.com/{}", pool.pool_id())
        );
    }

    #[test]
    fn pool_id_must_match_the_region() {
        let config = PoolConfig { pool_id: Some("us-east-1_abc".into()), ..PoolConfig::default() };
        assert!(matches!(UserPool::new(config), Err(CognitoError::InvalidConfig(_))));
        let config =
            PoolConfig { pool_id: Some("eu-west-1_Abc123xyZ".into()), ..PoolConfig::default() };
        assert_eq!(UserPool::new(config).unwrap().pool_id(), "eu-west-1_Abc123xyZ");
    }

    #[tokio::test]
    async fn id_token_verifies_with_the_published_key_and_carries_cognitos_claims() {
        let server = CognitoServer::start(config()).await.unwrap();
        let pool = server.pool();
        let alice = pool.user("alice").unwrap();

        let token = pool.id_token("alice").unwrap();
        let (header, claims) = verified(&token, &fetched_jwks(&server).await);

        assert_eq!(header, json!({"kid": pool.key().kid(), "alg": "RS256"}));
        assert_eq!(claims["sub"], alice.sub.to_string());
        assert_eq!(claims["iss"], pool.issuer());
        assert_eq!(claims["aud"], pool.client_id());
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["cognito:username"], "alice");
        assert_eq!(claims["cognito:groups"], json!(["studio-users"]));
        assert_eq!(claims[PROFILE_ATTRIBUTE], "alice-studio");
        assert_eq!(claims["email"], "alice@example.com");
        assert_eq!(claims["email_verified"], true);
        let iat = claims["iat"].as_u64().unwrap();
        assert!(iat.abs_diff(unix_now()) < 5);
        assert_eq!(claims["auth_time"], iat);
        assert_eq!(claims["exp"], iat + 3600);
        for id in ["jti", "origin_jti", "event_id"] {
            Uuid::parse_str(claims[id].as_str().unwrap()).unwrap();
        }
        assert!(claims.get("client_id").is_none() && claims.get("scope").is_none());
        let typed: CognitoClaims = serde_json::from_value(claims).unwrap();
        assert_eq!(typed.app_client(TokenUse::Id), Some(pool.client_id()));
    }

    #[tokio::test]
    async fn access_token_carries_client_id_scope_and_no_attributes() {
        let server = CognitoServer::start(config()).await.unwrap();
        let pool = server.pool();

        let token = pool.access_token("alice").unwrap();
        let (_, claims) = verified(&token, &fetched_jwks(&server).await);

        assert_eq!(claims["token_use"], "access");
        assert_eq!(claims["client_id"], pool.client_id());
        assert_eq!(claims["scope"], ACCESS_SCOPE);
        assert_eq!(claims["username"], "alice");
        assert_eq!(claims["cognito:groups"], json!(["studio-users"]));
        assert_eq!(claims["iss"], pool.issuer());
        for absent in ["aud", "cognito:username", PROFILE_ATTRIBUTE, "email"] {
            assert!(claims.get(absent).is_none(), "{absent} is not in access tokens");
        }
        let typed: CognitoClaims = serde_json::from_value(claims).unwrap();
        assert_eq!(typed.user_name(), Some("alice"));
    }

    #[test]
    fn user_without_groups_or_profile_gets_neither_claim() {
        let pool = UserPool::new(config()).unwrap();
        let (_, claims) = verified(&pool.id_token("bob").unwrap(), &pool.jwks());
        assert_eq!(claims["cognito:username"], "bob");
        assert!(claims.get("cognito:groups").is_none());
        assert!(claims.get(PROFILE_ATTRIBUTE).is_none());
        assert!(matches!(pool.id_token("carol"), Err(CognitoError::UnknownUser(_))));
    }

    #[test]
    fn token_builder_overrides_adds_removes_and_signs_with_another_key() {
        let pool = UserPool::new(config().with_client_id("second-client")).unwrap();
        let token = pool
            .token("alice", TokenUse::Id)
            .unwrap()
            .issued_at(1_000)
            .expires_at(2_000)
            .client_id("second-client")
            .claim("nbf", json!(1_500))
            .without("jti")
            .mint()
            .unwrap();
        let (_, claims) = verified(&token, &pool.jwks());
        assert_eq!(
            (&claims["iat"], &claims["auth_time"], &claims["exp"]),
            (&json!(1_000), &json!(1_000), &json!(2_000))
        );
        assert_eq!((&claims["aud"], &claims["nbf"]), (&json!("second-client"), &json!(1_500)));
        assert!(claims.get("jti").is_none());

        let access = pool.token("alice", TokenUse::Access).unwrap().client_id("second-client");
        assert_eq!(access.claims()["client_id"], "second-client");
        assert!(access.claims().get("aud").is_none());

        let forger = SigningKey::generate(pool.key().kid()).unwrap();
        let forged =
            pool.token("alice", TokenUse::Id).unwrap().signed_with(&forger).mint().unwrap();
        let (input, signature) = forged.rsplit_once('.').unwrap();
        assert_ne!(
            signature,
            pool.key().sign(input.as_bytes()).unwrap(),
            "signed with the other key"
        );
        assert!(forged.starts_with(&token[..token.find('.').unwrap()]), "same header, same kid");
    }

    #[tokio::test]
    async fn sign_in_through_the_sdk_gives_matching_id_and_access_tokens() {
        let server = CognitoServer::start(config()).await.unwrap();
        let pool = server.pool();
        let client = server.client();

        let tokens =
            sign_in(&client, pool.pool_id(), pool.client_id(), "alice", PASSWORD).await.unwrap();
        let jwks = fetched_jwks(&server).await;
        let (_, id) = verified(&tokens.id_token, &jwks);
        let (_, access) = verified(&tokens.access_token, &jwks);

        assert_eq!((&id["token_use"], &access["token_use"]), (&json!("id"), &json!("access")));
        assert_eq!(id["sub"], access["sub"]);
        assert_eq!(id["origin_jti"], access["origin_jti"]);
        assert_ne!(id["jti"], access["jti"]);
        assert_eq!(id[PROFILE_ATTRIBUTE], "alice-studio");
        assert_eq!(tokens.expires_in, 3600);
        assert!(tokens.refresh_token.is_some());
        assert_eq!(server.jwks().fetches(), 1);

        let debug = format!("{tokens:?}");
        assert!(!debug.contains(&tokens.id_token[..20]) && debug.contains("[redacted]"), "{debug}");
    }

    #[tokio::test]
    async fn public_sign_in_through_the_sdk_works() {
        let server = CognitoServer::start(config()).await.unwrap();
        let pool = server.pool();

        let tokens =
            sign_in_public(&server.client(), pool.client_id(), "bob", PASSWORD).await.unwrap();
        let (_, claims) = verified(tokens.get(TokenUse::Access), &pool.jwks());
        assert_eq!(claims["username"], "bob");
    }

    #[tokio::test]
    async fn refusals_come_back_as_cognitos_errors() {
        let server = CognitoServer::start(config()).await.unwrap();
        let (pool, client) = (server.pool(), server.client());
        let (pool_id, client_id) = (pool.pool_id(), pool.client_id());

        let wrong = sign_in(&client, pool_id, client_id, "alice", "wrong").await.unwrap_err();
        assert!(
            matches!(&wrong, SignInError::NotAuthorized(m) if m == "Incorrect username or password."),
            "{wrong}"
        );
        let nobody = sign_in(&client, pool_id, client_id, "carol", PASSWORD).await.unwrap_err();
        assert!(matches!(nobody, SignInError::UserNotFound(_)), "{nobody}");
        let no_pool =
            sign_in(&client, "eu-west-1_Nope", client_id, "alice", PASSWORD).await.unwrap_err();
        assert!(matches!(no_pool, SignInError::ResourceNotFound(_)), "{no_pool}");
        let no_client = sign_in_public(&client, "nope", "alice", PASSWORD).await.unwrap_err();
        assert!(matches!(no_client, SignInError::ResourceNotFound(_)), "{no_client}");
        let empty = sign_in(&client, pool_id, client_id, "alice", "").await.unwrap_err();
        assert!(matches!(empty, SignInError::NotAuthorized(_)), "{empty}");
    }

    #[tokio::test]
    async fn hidden_user_existence_gives_not_authorized() {
        let config = PoolConfig { prevent_user_existence_errors: true, ..config() };
        let server = CognitoServer::start(config).await.unwrap();
        let pool = server.pool();
        let error =
            sign_in(&server.client(), pool.pool_id(), pool.client_id(), "carol", PASSWORD).await;
        assert!(matches!(error, Err(SignInError::NotAuthorized(_))));
    }

    #[tokio::test]
    async fn raw_protocol_errors_have_cognitos_shape() {
        let server = CognitoServer::start(config()).await.unwrap();
        let call = |target: &str, body: Value| {
            reqwest::Client::new()
                .post(server.endpoint())
                .header("x-amz-target", format!("{TARGET_PREFIX}{target}"))
                .header(header::CONTENT_TYPE, AMZ_JSON)
                .body(body.to_string())
                .send()
        };

        let missing = call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": server.pool().client_id(), "AuthParameters": {"USERNAME": "alice"}}),
        )
        .await
        .unwrap();
        assert_eq!(missing.status(), 400);
        assert_eq!(missing.headers()[header::CONTENT_TYPE], AMZ_JSON);
        assert_eq!(missing.headers()["x-amzn-errortype"], "InvalidParameterException");
        let body = json_body(missing).await;
        assert_eq!(
            body,
            json!({"__type": "InvalidParameterException", "message": "Missing required parameter PASSWORD"})
        );

        let client_id = server.pool().client_id();
        let srp = call("InitiateAuth", json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id}))
            .await
            .unwrap();
        let body = json_body(srp).await;
        assert_eq!(body["__type"], "InvalidParameterException");

        let unknown = call("SignUp", json!({})).await.unwrap();
        let body = json_body(unknown).await;
        assert_eq!(body["__type"], "UnknownOperationException");
    }

    #[tokio::test]
    async fn users_added_later_can_sign_in() {
        let server = CognitoServer::start(PoolConfig::default()).await.unwrap();
        let pool = server.pool();
        pool.add_user(User::new("dave", PASSWORD));
        let tokens =
            sign_in(&server.client(), pool.pool_id(), pool.client_id(), "dave", PASSWORD).await;
        assert!(tokens.is_ok());
    }
}
