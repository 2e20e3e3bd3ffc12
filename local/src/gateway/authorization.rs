//! The authorizer's answer as API Gateway reads it, and the authorizer cache.
//!
//! API Gateway accepts an answer only if it has a non-empty `principalId`, a policy
//! document it can evaluate, and a `context` (if any) that is a flat object of
//! strings, numbers and booleans; anything else fails the request with a 500.
//!
//! With caching on (a TTL above zero), a usable answer is kept for the TTL under the
//! value of the identity source, the `Authorization` header. A request with the same
//! header within the TTL does not run the authorizer: the cached policy is evaluated
//! against the new request's method ARN, so a policy written for one route denies the
//! next. Failures (`Unauthorized`, errors, unusable answers) are not cached.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use serde_json::{Map, Value};

use crate::iam::{PolicyDocument, PolicyError};

/// Most answers the cache holds at once.
const CACHE_CAPACITY: u64 = 10_000;

/// A usable authorizer answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grant {
    pub(crate) principal_id: String,
    pub(crate) policy: PolicyDocument,
    pub(crate) policy_json: Value,
    pub(crate) context: Map<String, Value>,
}

/// Why an answer is not one API Gateway can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AnswerError {
    #[error("the answer is not a JSON object")]
    NotAnObject,
    #[error("the answer has no non-empty principalId")]
    NoPrincipal,
    #[error("the answer has no policyDocument")]
    NoPolicy,
    #[error("the policyDocument is invalid: {0}")]
    Policy(#[from] PolicyError),
    #[error("the context is not an object")]
    ContextNotAnObject,
    #[error("the context value {0:?} is not a string, number or boolean")]
    ContextValue(String),
}

impl Grant {
    /// Reads an authorizer's answer as API Gateway does.
    pub(crate) fn from_answer(answer: &Value) -> Result<Self, AnswerError> {
        let answer = answer.as_object().ok_or(AnswerError::NotAnObject)?;
        let principal_id = match answer.get("principalId") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            _ => return Err(AnswerError::NoPrincipal),
        };
        let policy_json = answer.get("policyDocument").cloned().ok_or(AnswerError::NoPolicy)?;
        let policy = PolicyDocument::parse(&policy_json)?;
        let context = match answer.get("context") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(context)) => context.clone(),
            Some(_) => return Err(AnswerError::ContextNotAnObject),
        };
        if let Some((key, _)) = context.iter().find(|(_, value)| {
            !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
        }) {
            return Err(AnswerError::ContextValue(key.clone()));
        }
        Ok(Self { principal_id, policy, policy_json, context })
    }
}

/// Authorizer answers by identity source, for the TTL; a TTL of zero keeps nothing.
pub(crate) struct AuthorizerCache {
    answers: Option<Cache<String, Arc<Grant>>>,
}

impl AuthorizerCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        let answers = (!ttl.is_zero())
            .then(|| Cache::builder().max_capacity(CACHE_CAPACITY).time_to_live(ttl).build());
        Self { answers }
    }

    pub(crate) async fn get(&self, identity: &str) -> Option<Arc<Grant>> {
        match &self.answers {
            Some(answers) => answers.get(identity).await,
            None => None,
        }
    }

    pub(crate) async fn insert(&self, identity: &str, grant: Arc<Grant>) {
        if let Some(answers) = &self.answers {
            answers.insert(identity.to_owned(), grant).await;
        }
    }

    pub(crate) fn clear(&self) {
        if let Some(answers) = &self.answers {
            answers.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer() -> Value {
        json!({
            "principalId": "sub-1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]
            },
            "context": {"studioUserProfile": "ada", "count": 2, "admin": false}
        })
    }

    #[test]
    fn answer_with_principal_policy_and_flat_context_is_usable() {
        let grant = Grant::from_answer(&answer()).unwrap();
        assert_eq!(grant.principal_id, "sub-1");
        assert_eq!(grant.context["studioUserProfile"], "ada");
    }

    #[test]
    fn answer_without_context_has_an_empty_one() {
        let mut answer = answer();
        answer.as_object_mut().unwrap().remove("context");
        assert!(Grant::from_answer(&answer).unwrap().context.is_empty());
    }

    #[test]
    fn unusable_answers_say_why() {
        let cases = [
            (json!("Allow"), AnswerError::NotAnObject),
            (json!({"principalId": ""}), AnswerError::NoPrincipal),
            (json!({"principalId": 7}), AnswerError::NoPrincipal),
            (json!({"principalId": "p"}), AnswerError::NoPolicy),
            (
                json!({"principalId": "p", "policyDocument": {}}),
                AnswerError::Policy(PolicyError::NoStatement),
            ),
        ];
        for (answer, want) in cases {
            assert_eq!(Grant::from_answer(&answer), Err(want), "{answer}");
        }
        for context in
            [json!({"groups": ["a", "b"]}), json!({"nested": {"a": 1}}), json!({"none": null})]
        {
            let mut answer = answer();
            answer["context"] = context.clone();
            assert!(
                matches!(Grant::from_answer(&answer), Err(AnswerError::ContextValue(_))),
                "{context}"
            );
        }
        let mut listed = answer();
        listed["context"] = json!([1]);
        assert_eq!(Grant::from_answer(&listed), Err(AnswerError::ContextNotAnObject));
    }

    #[tokio::test]
    async fn zero_ttl_caches_nothing() {
        let cache = AuthorizerCache::new(Duration::ZERO);
        let grant = Arc::new(Grant::from_answer(&answer()).unwrap());
        cache.insert("Bearer x", grant).await;
        assert!(cache.get("Bearer x").await.is_none());
    }

    #[tokio::test]
    async fn answers_are_kept_by_identity_source() {
        let cache = AuthorizerCache::new(Duration::from_secs(300));
        let grant = Arc::new(Grant::from_answer(&answer()).unwrap());
        cache.insert("Bearer x", grant.clone()).await;
        assert_eq!(cache.get("Bearer x").await, Some(grant));
        assert!(cache.get("Bearer y").await.is_none());
        cache.clear();
        assert!(cache.get("Bearer x").await.is_none());
    }
}
