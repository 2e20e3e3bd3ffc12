//! The studio-gate Lambda authorizer.
//!
//! API Gateway calls it with a TOKEN or REQUEST event; it verifies the Cognito
//! JWT the caller sent and answers as DESIGN.md says:
//!
//! - no token, or one that is malformed, unverifiable, expired or foreign: the
//!   error `Unauthorized` (API Gateway answers 401);
//! - a genuine token whose holder may not pass (no valid profile claim, not in
//!   `REQUIRED_GROUPS`, not through `ALLOWED_VPCE_IDS`): a Deny policy (403);
//! - otherwise an Allow policy for `execute-api:Invoke` on the whole stage
//!   (`…/<stage>/*/*`, so one cached answer is right for every route), with
//!   `principalId` = `sub` and the [`shared::AuthorizerContext`].
//!
//! Modules: [`settings`] (read once at cold start), [`extract`] (the token and
//! request facts out of the event), [`jwks`] (the cached keys), [`verify`]
//! (strict parsing, signature and claims), [`reason`] (the log's reason codes).
//!
//! Each decision is one info line with `decision`, `reason`, `sub`, `kid` and
//! `profile` where known. The token, or any part of it, is never logged.

pub mod extract;
pub mod jwks;
pub mod reason;
pub mod settings;
pub mod verified;
pub mod verify;

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerResponse;
use lambda_runtime::Diagnostic;
use serde_json::Value;
use shared::{AuthorizerContext, CognitoClaims, MethodArn, StudioUserProfileName};
use tracing::info;

pub use crate::jwks::{Jwks, JwksError};
pub use crate::reason::Reason;
pub use crate::settings::{Settings, SettingsError};
pub use crate::verified::Verified;
use crate::verified::VerifiedCache;
use crate::verify::Verifier;

/// The error message API Gateway turns into a 401.
pub const UNAUTHORIZED: &str = "Unauthorized";

/// The answer for a caller without a valid token: API Gateway's 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Unauthorized")]
pub struct Unauthorized;

impl From<Unauthorized> for Diagnostic {
    fn from(_: Unauthorized) -> Self {
        Diagnostic { error_type: UNAUTHORIZED.to_owned(), error_message: UNAUTHORIZED.to_owned() }
    }
}

/// The authorizer: settings, keys and verifier, made once per cold start.
pub struct Authorizer {
    settings: Settings,
    jwks: Jwks,
    verifier: Verifier,
    verified: VerifiedCache,
}

/// The HTTP client the authorizer fetches keys with: rustls, no redirects
/// (the JWKS is where the settings say, not where a server points), and the
/// fetch timeout of `policy`.
pub fn http_client(policy: &settings::JwksPolicy) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .build()
}

impl Authorizer {
    /// Builds the authorizer. A `JWKS_FILE` that cannot be read or parsed stops
    /// start-up; keys from a URL are fetched on first use.
    pub fn new(settings: Settings, http: reqwest::Client) -> Result<Self, JwksError> {
        let jwks = Jwks::new(&settings.keys, settings.jwks.clone(), http)?;
        Ok(Self::with_keys(settings, jwks))
    }

    /// Builds the authorizer around keys made elsewhere (tests, benchmarks).
    pub fn with_keys(settings: Settings, jwks: Jwks) -> Self {
        let verifier = Verifier::new(&settings);
        let verified = VerifiedCache::new(settings.verified_cache_entries, settings.clock_skew);
        Self { settings, jwks, verifier, verified }
    }

    /// The settings this authorizer runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Fetches the keys now, as the Lambda init phase should.
    pub async fn prefetch_keys(&self) {
        self.jwks.prefetch().await;
    }

    /// Answers one authorizer event: an Allow or Deny policy, or [`Unauthorized`].
    pub async fn authorize(
        &self,
        event: &Value,
    ) -> Result<ApiGatewayCustomAuthorizerResponse, Unauthorized> {
        let mut log = Decision::default();
        let answer = self.decide(event, &mut log).await;
        log.emit(&answer);
        answer
    }

    async fn decide(
        &self,
        event: &Value,
        log: &mut Decision,
    ) -> Result<ApiGatewayCustomAuthorizerResponse, Unauthorized> {
        let refuse = |log: &mut Decision, reason: Reason| {
            log.reason = Some(reason);
            Unauthorized
        };

        let request = extract::request(event).map_err(|reason| refuse(log, reason))?;
        let authorization = request.authorization.map_err(|reason| refuse(log, reason))?;
        let token = extract::bearer(authorization).map_err(|reason| refuse(log, reason))?;
        let verified = self.verified(token, log).await.map_err(|reason| refuse(log, reason))?;
        let claims = &verified.claims;
        log.sub = Some(claims.sub.clone());

        let arn = request
            .method_arn
            .and_then(|arn| MethodArn::parse(arn).ok())
            .ok_or_else(|| refuse(log, Reason::BadMethodArn))?;
        let resource = arn.stage_wide();

        match self.admit(claims, request.vpce_id) {
            Ok(context) => {
                log.profile = Some(context.profile.clone());
                Ok(shared::allow_policy(&claims.sub, resource, context.to_fields()))
            }
            Err(reason) => {
                log.reason = Some(reason);
                Ok(shared::deny_policy(&claims.sub, resource))
            }
        }
    }

    /// Verifies `token` alone (no event, no policy): the verified token, or
    /// why it was refused. The same checks and the same verified-token cache
    /// as [`Authorizer::authorize`]; for callers that hold a bare token, such
    /// as the benchmarks that compare verifiers.
    pub async fn verify_token(&self, token: &str) -> Result<Arc<Verified>, Reason> {
        self.verified(token, &mut Decision::default()).await
    }

    /// `token` once every check of [`verify`] has passed: from the
    /// verified-token cache when this exact token passed them before with a
    /// key the JWKS still serves, else by parsing and verifying it now.
    async fn verified(&self, token: &str, log: &mut Decision) -> Result<Arc<Verified>, Reason> {
        let token = verify::Token::new(token)?;
        if let Some(hit) = self.verified.get(&token)
            && self.jwks.key(&hit.kid).await.is_ok_and(|key| Arc::ptr_eq(&key, &hit.key))
        {
            log.kid = Some(hit.kid.clone());
            log.cached = true;
            return Ok(hit);
        }

        let unverified = verify::parse(&token)?;
        log.kid = Some(unverified.kid().to_owned());
        self.verifier.check_dates(&unverified)?;
        let key = self.jwks.key(unverified.kid()).await.map_err(|error| match error {
            jwks::KeyError::UnknownKid => Reason::UnknownKid,
            jwks::KeyError::Unavailable => Reason::JwksUnavailable,
        })?;
        let kid = unverified.kid().to_owned();
        let claims = self.verifier.check(unverified, &key)?;

        let verified = Arc::new(Verified { claims, kid, key, token: token.text().into() });
        self.verified.insert(&token, Arc::clone(&verified));
        Ok(verified)
    }

    /// The context for a verified caller, or why the caller may not pass.
    fn admit(
        &self,
        claims: &CognitoClaims,
        vpce_id: Option<&str>,
    ) -> Result<AuthorizerContext, Reason> {
        let settings = &self.settings;
        if !settings.allowed_vpce_ids.is_empty()
            && !vpce_id
                .is_some_and(|id| settings.allowed_vpce_ids.iter().any(|allowed| allowed == id))
        {
            return Err(Reason::VpceNotAllowed);
        }
        if !settings.required_groups.is_empty()
            && !claims.groups.iter().any(|group| settings.required_groups.contains(group))
        {
            return Err(Reason::GroupNotAllowed);
        }
        let profile = claims.claim_str(&settings.profile_claim).ok_or(Reason::NoProfile)?;
        let profile = StudioUserProfileName::parse(profile).map_err(|_| Reason::InvalidProfile)?;

        Ok(AuthorizerContext {
            profile,
            sub: claims.sub.clone(),
            username: claims.user_name().unwrap_or_default().to_owned(),
            groups: claims.groups.clone(),
        })
    }
}

/// What one decision's log line says.
#[derive(Default)]
struct Decision {
    reason: Option<Reason>,
    sub: Option<String>,
    kid: Option<String>,
    profile: Option<StudioUserProfileName>,
    cached: bool,
}

impl Decision {
    fn emit(&self, answer: &Result<ApiGatewayCustomAuthorizerResponse, Unauthorized>) {
        let decision = match (answer, self.reason) {
            (Err(_), _) => "unauthorized",
            (Ok(_), Some(_)) => "deny",
            (Ok(_), None) => "allow",
        };
        info!(
            decision,
            reason = self.reason.map_or("ok", Reason::as_str),
            sub = self.sub.as_deref(),
            kid = self.kid.as_deref(),
            profile = self.profile.as_ref().map(StudioUserProfileName::as_str),
            cached = self.cached,
            "authorizer decision"
        );
    }
}

#[cfg(test)]
mod tests;
