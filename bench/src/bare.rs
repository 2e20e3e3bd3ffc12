//! The floor: a bare RS256 check of one token.
//!
//! SHA-256 of the signing input (`header.payload`) and the RSA-2048 PKCS#1 v1.5
//! verify of the signature, with aws-lc-rs, the backend jsonwebtoken uses in
//! studio-gate. Nothing else: no base64 of the signature (it is decoded once
//! here), no JSON, no claims. Two forms:
//!
//! - [`BareCheck::verify_parsed`]: the key parsed once into an `EVP_PKEY` and
//!   kept, the cheapest check aws-lc-rs offers; this is the floor the goals
//!   are measured against;
//! - [`BareCheck::verify_components`]: the key built from its modulus and
//!   exponent on every call, which is what jsonwebtoken 12 does with a key made
//!   by `DecodingKey::from_rsa_raw_components`.

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::BenchError;

/// One token, split for the bare check, with the key that signed it.
pub struct BareCheck {
    signing_input: Vec<u8>,
    signature: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl std::fmt::Debug for BareCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BareCheck").field("modulus_bits", &(self.n.len() * 8)).finish()
    }
}

impl BareCheck {
    /// Prepares the check of `token` with the key its header names in `jwks`.
    pub fn new(jwks: &Value, token: &str) -> Result<Self, BenchError> {
        let (signing_input, signature) =
            token.rsplit_once('.').ok_or_else(|| BenchError::unexpected("not a JWT"))?;
        let header = signing_input.split('.').next().unwrap_or_default();
        let header: Value =
            serde_json::from_slice(&decode(header)?).map_err(BenchError::unexpected)?;
        let kid = header["kid"].as_str().unwrap_or_default();
        let jwk = jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|jwk| jwk["kid"] == kid)
            .ok_or_else(|| BenchError::unexpected(format!("no key {kid} in the JWKS")))?;
        let n = decode(jwk["n"].as_str().unwrap_or_default())?;
        let e = decode(jwk["e"].as_str().unwrap_or_default())?;
        let parsed = RsaPublicKeyComponents { n: &n, e: &e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(BenchError::unexpected)?;
        Ok(Self {
            signing_input: signing_input.as_bytes().to_vec(),
            signature: decode(signature)?,
            n,
            e,
            parsed,
        })
    }

    /// Hash and verify with the key parsed once. True if the signature holds.
    pub fn verify_parsed(&self) -> bool {
        self.parsed.verify_sig(&self.signing_input, &self.signature).is_ok()
    }

    /// Hash and verify with the key built from `n` and `e` on this call.
    pub fn verify_components(&self) -> bool {
        RsaPublicKeyComponents { n: &self.n, e: &self.e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, &self.signing_input, &self.signature)
            .is_ok()
    }
}

fn decode(part: &str) -> Result<Vec<u8>, BenchError> {
    URL_SAFE_NO_PAD.decode(part).map_err(BenchError::unexpected)
}
