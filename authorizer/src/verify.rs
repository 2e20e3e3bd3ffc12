//! Token verification: strict parsing first, then the signature, then the claims.
//!
//! [`parse`] reads a token without trusting it and refuses anything that could
//! be read two ways: other than three parts, padded or non-URL-safe base64,
//! JSON that is not an object or names a member twice, an `alg` other than
//! `RS256`, no `kid`, or a `crit` header. Only then is a key looked up, by the
//! exact `kid`. [`Verifier::check`] verifies the RS256 signature with
//! jsonwebtoken, the algorithm coming from configuration and never from the
//! token, then `exp`, `nbf` and `iat` with the configured leeway (jsonwebtoken's
//! own default leeway is 60 s and it skips `nbf` unless told; both are set
//! here), `iss`, `token_use`, and the app client: `aud` for ID tokens,
//! `client_id` for access tokens, with no fallback from one to the other.

use std::collections::HashSet;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use shared::{CognitoClaims, TokenUse};

use crate::reason::Reason;
use crate::settings::Settings;

/// The longest token (or `Authorization` value) read, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A token that parsed strictly, not yet verified.
pub struct Unverified<'a> {
    token: &'a str,
    kid: String,
}

impl Unverified<'_> {
    /// The `kid` of the header, to look the key up by.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

impl fmt::Debug for Unverified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unverified").field("kid", &self.kid).field("token", &"[redacted]").finish()
    }
}

/// The JOSE header members this verifier reads.
#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    kid: Option<String>,
    crit: Option<IgnoredAny>,
}

/// Reads `token` strictly, without trusting anything in it.
pub fn parse(token: &str) -> Result<Unverified<'_>, Reason> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Reason::TooLong);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Reason::Malformed);
    };
    let header: JoseHeader =
        serde_json::from_slice(&decode_object(header)?).map_err(|_| Reason::Malformed)?;
    if header.alg != "RS256" {
        return Err(Reason::BadAlg);
    }
    if header.crit.is_some() {
        return Err(Reason::CritHeader);
    }
    let kid = header.kid.filter(|kid| !kid.is_empty()).ok_or(Reason::NoKid)?;
    decode_object(payload)?;
    if signature.is_empty() || URL_SAFE_NO_PAD.decode(signature).is_err() {
        return Err(Reason::Malformed);
    }
    Ok(Unverified { token, kid })
}

/// Decodes one base64url part (no padding, canonical) that must hold a JSON
/// object whose member names are unique.
fn decode_object(part: &str) -> Result<Vec<u8>, Reason> {
    if part.is_empty() {
        return Err(Reason::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| Reason::Malformed)?;
    let mut json = serde_json::Deserializer::from_slice(&bytes);
    de::Deserializer::deserialize_map(&mut json, UniqueMembers).map_err(|_| Reason::Malformed)?;
    json.end().map_err(|_| Reason::Malformed)?;
    Ok(bytes)
}

/// Accepts a JSON object whose member names are all different.
struct UniqueMembers;

impl<'de> Visitor<'de> for UniqueMembers {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with unique member names")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name) {
                return Err(de::Error::custom("duplicate member name"));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// Checks signature and claims against the configuration.
pub struct Verifier {
    validation: Validation,
    token_use: TokenUse,
    client_ids: Vec<String>,
    leeway: u64,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("token_use", &self.token_use)
            .field("client_ids", &self.client_ids)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for the pool, token kind and app clients of `settings`.
    pub fn new(settings: &Settings) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        validation.leeway = settings.clock_skew;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // The app client is checked below, from the claim that token_use dictates.
        validation.validate_aud = false;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Self {
            validation,
            token_use: settings.token_use,
            client_ids: settings.client_ids.clone(),
            leeway: settings.clock_skew,
        }
    }

    /// Verifies the signature of `token` with `key`, then its claims.
    pub fn check(
        &self,
        token: &Unverified<'_>,
        key: &DecodingKey,
    ) -> Result<CognitoClaims, Reason> {
        let claims = jsonwebtoken::decode::<CognitoClaims>(token.token, key, &self.validation)
            .map_err(|error| match error.kind() {
                ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) => Reason::BadSignature,
                ErrorKind::ExpiredSignature => Reason::Expired,
                ErrorKind::ImmatureSignature => Reason::NotYetValid,
                ErrorKind::InvalidIssuer => Reason::WrongIssuer,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => Reason::BadAlg,
                ErrorKind::MissingRequiredClaim(_)
                | ErrorKind::InvalidClaimFormat(_)
                | ErrorKind::Json(_) => Reason::BadClaims,
                _ => Reason::Malformed,
            })?
            .claims;

        if claims.iat > now().saturating_add(self.leeway) {
            return Err(Reason::IssuedInFuture);
        }
        if claims.token_use != self.token_use.as_str() {
            return Err(Reason::WrongTokenUse);
        }
        match claims.app_client(self.token_use) {
            Some(client) if self.client_ids.iter().any(|id| id == client) => Ok(claims),
            _ => Err(Reason::WrongClient),
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}
