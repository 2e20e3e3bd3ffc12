//! Token verification: strict parsing first, then the dates, the signature and
//! the claims.
//!
//! [`Token::new`] splits a token at its last dot; nothing is decoded yet, so a
//! token the verified-token cache already holds costs no more than that.
//!
//! [`parse`] reads a token without trusting it and refuses anything that could
//! be read two ways: other than three parts, padded or non-URL-safe base64,
//! JSON that is not an object or names a member twice, an `alg` other than
//! `RS256`, no `kid`, or a `crit` header. The claims are read in the same pass
//! ([`CognitoClaims::from_json`]), and the SHA-256 of the signing input
//! (`header.payload`), which the RS256 signature covers, is computed once. Only
//! then is a key looked up, by the exact `kid`.
//!
//! [`Verifier::check`] decides, in this order: the dates (`exp`, `nbf`, `iat`,
//! with the configured leeway, so an expired token is refused before any RSA
//! work and before any key is looked up, see [`Verifier::check_dates`]); the
//! RS256 signature, with the key parsed once per key set and the algorithm
//! coming from configuration, never from the token; then `iss`, `token_use`,
//! and the app client: `aud` for ID tokens, `client_id` for access tokens, with
//! no fallback from one to the other.
//!
//! The signature check is aws-lc-rs's RSASSA-PKCS1-v1_5 SHA-256 verify of the
//! digest computed here; jsonwebtoken, which rebuilds the RSA key and decodes
//! the token again on every call, is kept as the reference this verifier is
//! tested against (`tests/reference.rs`).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{Digest, SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use shared::claims::{MemberName, skip_rest};
use shared::{ClaimsError, CognitoClaims, TokenUse};

use crate::jwks::PublicKey;
use crate::reason::Reason;
use crate::settings::Settings;

/// The longest token (or `Authorization` value) read, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The most members a JOSE header may have; a Cognito header has two.
const MAX_HEADER_MEMBERS: usize = 16;

/// A token split at its last dot.
pub struct Token<'a> {
    text: &'a str,
    signing_input: &'a str,
    signature: &'a str,
}

impl fmt::Debug for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl<'a> Token<'a> {
    /// Splits `text`. Refuses a token longer than [`MAX_TOKEN_BYTES`] or
    /// without a dot; nothing else is read yet.
    pub fn new(text: &'a str) -> Result<Self, Reason> {
        if text.len() > MAX_TOKEN_BYTES {
            return Err(Reason::TooLong);
        }
        let (signing_input, signature) = text.rsplit_once('.').ok_or(Reason::Malformed)?;
        Ok(Self { text, signing_input, signature })
    }

    /// The whole token, as sent.
    pub fn text(&self) -> &'a str {
        self.text
    }
}

/// A token that parsed strictly, not yet verified.
pub struct Unverified {
    kid: String,
    claims: CognitoClaims,
    signature: Vec<u8>,
    digest: Digest,
}

impl Unverified {
    /// The `kid` of the header, to look the key up by.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

impl fmt::Debug for Unverified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unverified").field("kid", &self.kid).field("token", &"[redacted]").finish()
    }
}

/// Reads `token` strictly, without trusting anything in it.
pub fn parse(token: &Token<'_>) -> Result<Unverified, Reason> {
    let (header, payload) = token.signing_input.split_once('.').ok_or(Reason::Malformed)?;
    if payload.contains('.') {
        return Err(Reason::Malformed);
    }
    let kid = read_header(&decode(header)?)?;
    let claims = CognitoClaims::from_json(&decode(payload)?).map_err(|error| match error {
        ClaimsError::NotAnObject | ClaimsError::DuplicateClaim => Reason::Malformed,
        ClaimsError::Invalid => Reason::BadClaims,
    })?;
    let signature = decode(token.signature)?;
    let digest = digest(&SHA256, token.signing_input.as_bytes());
    Ok(Unverified { kid, claims, signature, digest })
}

/// Decodes one base64url part: not empty, no padding, canonical.
fn decode(part: &str) -> Result<Vec<u8>, Reason> {
    if part.is_empty() {
        return Err(Reason::Malformed);
    }
    URL_SAFE_NO_PAD.decode(part).map_err(|_| Reason::Malformed)
}

/// The `kid` of a JOSE header that is one JSON object with unique member
/// names, `alg` exactly `RS256` and no `crit`.
fn read_header(bytes: &[u8]) -> Result<String, Reason> {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(Reason::Malformed);
    }
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let header = json.deserialize_map(HeaderVisitor).map_err(|_| Reason::Malformed)??;
    json.end().map_err(|_| Reason::Malformed)?;
    if header.alg.as_deref() != Some("RS256") {
        return Err(Reason::BadAlg);
    }
    if header.crit {
        return Err(Reason::CritHeader);
    }
    header.kid.filter(|kid| !kid.is_empty()).ok_or(Reason::NoKid)
}

/// The JOSE header members this verifier reads.
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: bool,
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = Result<Header, Reason>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = Header { alg: None, kid: None, crit: false };
        let mut seen: Vec<MemberName<'de>> = Vec::new();
        while let Some(name) = map.next_key::<MemberName<'de>>()? {
            if seen.len() == MAX_HEADER_MEMBERS
                || seen.iter().any(|other| other.as_str() == name.as_str())
            {
                map.next_value::<IgnoredAny>()?;
                skip_rest(&mut map)?;
                return Ok(Err(Reason::Malformed));
            }
            match name.as_str() {
                "alg" => header.alg = map.next_value()?,
                "kid" => header.kid = map.next_value()?,
                "crit" => {
                    map.next_value::<IgnoredAny>()?;
                    header.crit = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            seen.push(name);
        }
        Ok(Ok(header))
    }
}

/// Checks dates, signature and claims against the configuration.
pub struct Verifier {
    issuer: String,
    token_use: TokenUse,
    client_ids: Vec<String>,
    leeway: u64,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.issuer)
            .field("token_use", &self.token_use)
            .field("client_ids", &self.client_ids)
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl Verifier {
    /// A verifier for the pool, token kind and app clients of `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            issuer: settings.issuer.clone(),
            token_use: settings.token_use,
            client_ids: settings.client_ids.clone(),
            leeway: settings.clock_skew,
        }
    }

    /// The date rules, alone: `exp` passed, `nbf` or `iat` ahead (each beyond
    /// the leeway). Cheap; [`Verifier::check`] applies them again.
    pub fn check_dates(&self, token: &Unverified) -> Result<(), Reason> {
        let claims = &token.claims;
        let now = now();
        // RFC 7519 4.1.4: valid only while the time is before `exp`.
        if now >= claims.exp.saturating_add(self.leeway) {
            return Err(Reason::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf > now.saturating_add(self.leeway)) {
            return Err(Reason::NotYetValid);
        }
        if claims.iat > now.saturating_add(self.leeway) {
            return Err(Reason::IssuedInFuture);
        }
        Ok(())
    }

    /// Verifies `token`: dates, then its RS256 signature with `key`, then the
    /// issuer, token kind and app client. The claims, once all hold.
    pub fn check(&self, token: Unverified, key: &PublicKey) -> Result<CognitoClaims, Reason> {
        self.check_dates(&token)?;
        if !key.verifies(&token.digest, &token.signature) {
            return Err(Reason::BadSignature);
        }
        let claims = token.claims;
        if claims.iss != self.issuer {
            return Err(Reason::WrongIssuer);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_member_named_twice_is_a_broken_rule_read_to_the_end() {
        for text in [
            r#"{"alg":"RS256","alg":"RS256","kid":"k"}"#,
            r#"{"kid":"k","k\u0069d":"other","alg":"RS256"}"#,
        ] {
            let mut json = serde_json::Deserializer::from_slice(text.as_bytes());
            let outcome = json.deserialize_map(HeaderVisitor).expect("the JSON itself is good");
            assert!(matches!(outcome, Err(Reason::Malformed)), "{text}");
            json.end().expect("read to its end");
        }
    }

    #[test]
    fn a_header_of_more_than_sixteen_members_is_malformed() {
        let members: Vec<String> = (0..17).map(|n| format!(r#""m{n}":0"#)).collect();
        let text = format!(r#"{{"alg":"RS256","kid":"k",{}}}"#, members.join(","));
        assert_eq!(read_header(text.as_bytes()), Err(Reason::Malformed));
        let members: Vec<String> = (0..14).map(|n| format!(r#""m{n}":0"#)).collect();
        let text = format!(r#"{{"alg":"RS256","kid":"k",{}}}"#, members.join(","));
        assert_eq!(read_header(text.as_bytes()), Ok("k".to_owned()));
    }
}
