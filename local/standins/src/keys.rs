//! RSA signing keys and JWT minting.
//!
//! A [`SigningKey`] is an RSA-2048 key made at start, named by a `kid`. It signs
//! whatever header and payload it is given, byte for byte, so tests can build
//! the malformed tokens an attacker would send as easily as genuine ones.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// Base64url without padding, as JWTs use it.
pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Why a key could not be made or used.
#[derive(Debug, thiserror::Error)]
#[error("rsa key operation failed")]
pub struct KeyError;

/// An RSA-2048 signing key with its `kid`.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Makes a new RSA-2048 key called `kid`.
    pub fn generate(kid: impl Into<String>) -> Result<Self, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError)?;
        let PublicKeyComponents { n, e } = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        Ok(Self { kid: kid.into(), pair, n, e })
    }

    /// The key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half as a JWK, as Cognito publishes it.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": b64url(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": b64url(&self.n),
            "use": "sig",
        })
    }

    /// The public half as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn public_pem(&self) -> Result<String, KeyError> {
        let der = self.pair.public_key().as_der().map_err(|_| KeyError)?;
        let body = STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        Ok(pem)
    }

    /// The RS256 signature of `signing_input`, base64url-encoded.
    pub fn sign(&self, signing_input: &[u8]) -> Result<String, KeyError> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input, &mut signature)
            .map_err(|_| KeyError)?;
        let signature = b64url(signature);
        crate::ledger::record(crate::ledger::Secret::JwtSignature, &signature);
        Ok(signature)
    }

    /// A JWT of exactly this header and payload text, signed with RS256.
    pub fn sign_parts(&self, header: &str, payload: &str) -> Result<String, KeyError> {
        let input = format!("{}.{}", b64url(header), b64url(payload));
        let signature = self.sign(input.as_bytes())?;
        Ok(format!("{input}.{signature}"))
    }

    /// A JWT of `claims` with Cognito's header, `{"kid", "alg": "RS256"}`.
    pub fn mint(&self, claims: &Value) -> Result<String, KeyError> {
        let header = json!({"kid": self.kid, "alg": "RS256"});
        self.sign_parts(&header.to_string(), &claims.to_string())
    }
}

/// A JWKS document holding the public halves of `keys`.
pub fn jwks(keys: &[&SigningKey]) -> Value {
    json!({ "keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>() })
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    #[test]
    fn minted_token_verifies_with_the_published_key() {
        let key = SigningKey::generate("k1").unwrap();
        let token = key.mint(&json!({"sub": "a"})).unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        let jwk = key.jwk();
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &signature)
            .unwrap();
        assert!(key.public_pem().unwrap().starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }
}
