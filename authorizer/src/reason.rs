//! Why the authorizer refused a request, as logged.
//!
//! Each refusal has a reason code that names the first rule the request broke;
//! the client only ever sees `Unauthorized` (401) or the Deny policy (403).

/// A refusal, by the rule that was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// When the event is not a TOKEN or REQUEST authorizer event.
    BadEvent,
    /// When the event's `methodArn` is not an `execute-api` method ARN.
    BadMethodArn,
    /// When there is no `Authorization` value.
    MissingToken,
    /// When one request carries two different `Authorization` values.
    AmbiguousHeader,
    /// When the `Authorization` value is longer than 8 KiB.
    TooLong,
    /// When the value is neither `Bearer <jwt>` nor a bare JWT.
    BadScheme,
    /// When the JWT is not three strict base64url parts of JSON objects with
    /// unique member names (a header of at most 16 members).
    Malformed,
    /// When the header's `alg` is not `RS256`.
    BadAlg,
    /// When the header has no `kid`.
    NoKid,
    /// When the header names a `crit` extension, which this verifier does not support.
    CritHeader,
    /// When no key of the pool has the token's `kid`.
    UnknownKid,
    /// When the pool's keys could not be fetched and the token's key is not held.
    JwksUnavailable,
    /// When the signature does not verify.
    BadSignature,
    /// When `exp` has passed (beyond the leeway). Dates are checked before the
    /// signature, so a forged token with a past `exp` is logged as expired.
    Expired,
    /// When `nbf` is still ahead (beyond the leeway).
    NotYetValid,
    /// When `iat` is ahead (beyond the leeway).
    IssuedInFuture,
    /// When a required claim (`exp`, `iss`, `sub`, `iat`, `token_use`) is missing
    /// or of the wrong type.
    BadClaims,
    /// When `iss` is not the pool's issuer.
    WrongIssuer,
    /// When `token_use` is not the configured one.
    WrongTokenUse,
    /// When `aud` (ID tokens) or `client_id` (access tokens) is not an accepted app client.
    WrongClient,
    /// When the token has no profile claim.
    NoProfile,
    /// When the profile claim is not a valid SageMaker profile name.
    InvalidProfile,
    /// When the caller is in none of `REQUIRED_GROUPS`.
    GroupNotAllowed,
    /// When the request did not come through one of `ALLOWED_VPCE_IDS`.
    VpceNotAllowed,
}

impl Reason {
    /// The code written to the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadEvent => "bad_event",
            Self::BadMethodArn => "bad_method_arn",
            Self::MissingToken => "missing_token",
            Self::AmbiguousHeader => "ambiguous_header",
            Self::TooLong => "too_long",
            Self::BadScheme => "bad_scheme",
            Self::Malformed => "malformed",
            Self::BadAlg => "bad_alg",
            Self::NoKid => "no_kid",
            Self::CritHeader => "crit_header",
            Self::UnknownKid => "unknown_kid",
            Self::JwksUnavailable => "jwks_unavailable",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::BadClaims => "bad_claims",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongTokenUse => "wrong_token_use",
            Self::WrongClient => "wrong_client",
            Self::NoProfile => "no_profile",
            Self::InvalidProfile => "invalid_profile",
            Self::GroupNotAllowed => "group_not_allowed",
            Self::VpceNotAllowed => "vpce_not_allowed",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
