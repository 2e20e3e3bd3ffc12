//! studio-gate's verifier against jsonwebtoken, the reference: over generated
//! tokens (header, claims, signing key and signature varied one member at a
//! time and together), both must accept exactly the same tokens, with the
//! same claims. The verifier decodes each token once and keeps each key parsed;
//! jsonwebtoken decodes twice and rebuilds the key per call, which is slower
//! but a second, independent reading of RFC 7515/7519.
//!
//! The reference is jsonwebtoken's `decode` with RS256, no leeway, `exp` and
//! `nbf` checked, the pool's issuer and `exp`, `iss`, `sub` required, followed
//! by the three Cognito rules jsonwebtoken does not know: `iat` not ahead,
//! `token_use` = `id`, `aud` one of the app clients. Dates are never within a
//! few seconds of now, where the two differ by design: jsonwebtoken accepts a
//! token at the very second of its `exp`, RFC 7519 and studio-gate do not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::LazyLock;

use authorizer::jwks::KeySet;
use authorizer::verify::{self, Token, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree as _;
use serde_json::{Map, Value, json};
use shared::CognitoClaims;
use standins::keys::{SigningKey, b64url, jwks};
use support::{ISSUER, now, settings};

struct Fixture {
    pool: SigningKey,
    stranger: SigningKey,
    keys: KeySet,
    verifier: Verifier,
    reference: DecodingKey,
    validation: Validation,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let pool = SigningKey::generate("key-1").unwrap();
    let stranger = SigningKey::generate("key-1").unwrap();
    let keys = KeySet::parse(jwks(&[&pool]).to_string().as_bytes()).unwrap();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(pool.jwk()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    Fixture {
        verifier: Verifier::new(&settings("http://127.0.0.1:9/unused")),
        reference: DecodingKey::from_jwk(&jwk).unwrap(),
        pool,
        stranger,
        keys,
        validation,
    }
});

/// studio-gate's verifier: the claims, or `None` for any refusal.
fn studio_gate(token: &str) -> Option<CognitoClaims> {
    let f = &*FIXTURE;
    let token = Token::new(token).ok()?;
    let unverified = verify::parse(&token).ok()?;
    let key = f.keys.get(unverified.kid())?;
    f.verifier.check(unverified, key).ok()
}

/// The reference: jsonwebtoken and the Cognito rules.
fn reference(token: &str) -> Option<CognitoClaims> {
    let f = &*FIXTURE;
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.kid.as_deref() != Some("key-1") {
        return None;
    }
    let claims =
        jsonwebtoken::decode::<CognitoClaims>(token, &f.reference, &f.validation).ok()?.claims;
    let cognito = claims.iat <= now() as u64
        && claims.token_use == "id"
        && matches!(claims.aud.as_deref(), Some("client1" | "client2"));
    cognito.then_some(claims)
}

/// One member of a JSON object: left as is, removed, or set to a value.
#[derive(Debug, Clone)]
enum Member {
    Keep,
    Remove,
    Set(Value),
}

fn member(values: Vec<Value>) -> impl Strategy<Value = Member> {
    prop_oneof![
        8 => Just(Member::Keep),
        1 => Just(Member::Remove),
        2 => select(values).prop_map(Member::Set),
    ]
}

fn apply(object: &mut Map<String, Value>, name: &str, change: &Member) {
    match change {
        Member::Keep => {}
        Member::Remove => {
            object.remove(name);
        }
        Member::Set(value) => {
            object.insert(name.to_owned(), value.clone());
        }
    }
}

fn header_changes() -> impl Strategy<Value = Vec<(&'static str, Member)>> {
    (
        member(vec![json!("RS384"), json!("HS256"), json!("none"), json!("PS256"), json!(null)]),
        member(vec![json!("key-2"), json!(""), json!(7), json!("KEY-1")]),
        // Only string values: jsonwebtoken types `typ` and refuses `"typ": 1`,
        // where studio-gate reads no header member but `alg`, `kid` and `crit`.
        member(vec![json!("JWT"), json!("at+jwt")]),
    )
        .prop_map(|(alg, kid, typ)| vec![("alg", alg), ("kid", kid), ("typ", typ)])
}

fn claim_changes() -> impl Strategy<Value = Vec<(&'static str, Member)>> {
    let now = now();
    let past = json!(now - 3600);
    let future = json!(now + 3600);
    (
        member(vec![json!("https://cognito-idp.eu-west-1.amazonaws.com/other"), json!(null)]),
        member(vec![json!("access"), json!("ID"), json!(1)]),
        member(vec![json!("client3"), json!("client2"), json!(["client1"]), json!(null)]),
        member(vec![past.clone(), json!("1900000000"), json!(1.5e9), json!(-1)]),
        member(vec![future.clone(), past.clone(), json!(null), json!(-5)]),
        member(vec![future, past, json!("x")]),
        member(vec![json!(""), json!(5), json!(null)]),
    )
        .prop_map(|(iss, token_use, aud, exp, nbf, iat, sub)| {
            vec![
                ("iss", iss),
                ("token_use", token_use),
                ("aud", aud),
                ("exp", exp),
                ("nbf", nbf),
                ("iat", iat),
                ("sub", sub),
            ]
        })
}

/// How the signature is made or damaged.
#[derive(Debug, Clone, Copy)]
enum Signature {
    Pool,
    Stranger,
    FlippedBit(usize),
    Truncated,
    Empty,
}

fn signature() -> impl Strategy<Value = Signature> {
    prop_oneof![
        6 => Just(Signature::Pool),
        1 => Just(Signature::Stranger),
        1 => (0usize..2048).prop_map(Signature::FlippedBit),
        1 => Just(Signature::Truncated),
        1 => Just(Signature::Empty),
    ]
}

fn token(
    header_changes: &[(&str, Member)],
    claim_changes: &[(&str, Member)],
    signature: Signature,
) -> String {
    let f = &*FIXTURE;
    let mut header = json!({"kid": "key-1", "alg": "RS256"});
    for (name, change) in header_changes {
        apply(header.as_object_mut().unwrap(), name, change);
    }
    let mut claims = support::id_claims(1, 3600);
    for (name, change) in claim_changes {
        apply(claims.as_object_mut().unwrap(), name, change);
    }
    let input = format!("{}.{}", b64url(header.to_string()), b64url(claims.to_string()));
    let signed = match signature {
        Signature::Stranger => f.stranger.sign(input.as_bytes()),
        _ => f.pool.sign(input.as_bytes()),
    }
    .unwrap();
    let signature = match signature {
        Signature::Pool | Signature::Stranger => signed,
        Signature::FlippedBit(bit) => {
            use base64::Engine as _;
            let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let mut bytes = engine.decode(&signed).unwrap();
            bytes[bit / 8 % 256] ^= 1 << (bit % 8);
            engine.encode(bytes)
        }
        Signature::Truncated => signed[..signed.len() - 4].to_owned(),
        Signature::Empty => String::new(),
    };
    format!("{input}.{signature}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn verifier_and_jsonwebtoken_accept_the_same_tokens_with_the_same_claims(
        header in header_changes(),
        claims in claim_changes(),
        signature in signature(),
    ) {
        let token = token(&header, &claims, signature);
        prop_assert_eq!(studio_gate(&token), reference(&token), "{:?} {:?} {:?}", header, claims, signature);
    }
}

#[test]
fn an_untouched_token_is_accepted_by_both() {
    let token = token(&[], &[], Signature::Pool);
    let claims = studio_gate(&token).expect("studio-gate accepts it");
    assert_eq!(Some(claims), reference(&token));
}

#[test]
fn generated_tokens_are_mostly_refused_and_sometimes_accepted() {
    // The property above is only worth something if both outcomes occur.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (header_changes(), claim_changes(), signature());
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..1000 {
        let (header, claims, signature) = strategy.new_tree(&mut runner).unwrap().current();
        match studio_gate(&token(&header, &claims, signature)) {
            Some(_) => accepted += 1,
            None => refused += 1,
        }
    }
    assert!(accepted >= 5 && refused >= 100, "accepted {accepted}, refused {refused}");
}
