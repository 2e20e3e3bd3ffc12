//! What the gateway did with each request, for the demo and the tests.
//!
//! A [`Trace`] says which route was asked for, whether the authorizer ran or its
//! answer came from the cache, what it decided (with the policy document and the
//! context, which hold no secret) and the status sent back. It never holds the
//! token, a header or a body. The journal keeps the most recent traces only.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value};

/// How many traces the journal keeps.
pub const JOURNAL_LENGTH: usize = 1024;

/// Where the authorizer's answer for a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerCall {
    /// The authorizer was not asked: no route matched, or the identity source
    /// (the `Authorization` header) was missing or empty.
    NotCalled,
    /// The authorizer function ran for this request.
    Invoked,
    /// The answer came from the authorizer cache.
    Cached,
}

/// What the gateway decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// No route matched: 403 `Missing Authentication Token`.
    NoRoute,
    /// The `Authorization` header was missing or empty: 401 without calling the authorizer.
    MissingIdentity,
    /// The authorizer failed with `Unauthorized`: 401.
    Unauthorized,
    /// The authorizer failed otherwise, timed out, or gave an answer API Gateway
    /// cannot use: 500.
    AuthorizerError,
    /// The policy allows the method: the integration ran.
    Allow,
    /// A statement of the policy denies the method: 403.
    ExplicitDeny,
    /// No statement of the policy allows the method: 403.
    ImplicitDeny,
}

impl Decision {
    /// A short lowercase name, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRoute => "no-route",
            Self::MissingIdentity => "missing-identity",
            Self::Unauthorized => "unauthorized",
            Self::AuthorizerError => "authorizer-error",
            Self::Allow => "allow",
            Self::ExplicitDeny => "explicit-deny",
            Self::ImplicitDeny => "implicit-deny",
        }
    }
}

/// One request as the gateway handled it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The id sent back in `x-amzn-RequestId`.
    pub request_id: String,
    /// The resource path of the matched route, e.g. `/presigned-url`.
    pub resource: Option<String>,
    /// The method ARN the policy was evaluated against.
    pub method_arn: Option<String>,
    /// Whether the authorizer ran.
    pub authorizer: AuthorizerCall,
    /// What the gateway decided.
    pub decision: Decision,
    /// Why the authorizer's answer was unusable, for [`Decision::AuthorizerError`].
    pub authorizer_error: Option<String>,
    /// The `principalId` of the authorizer's answer.
    pub principal_id: Option<String>,
    /// The `policyDocument` of the authorizer's answer.
    pub policy: Option<Value>,
    /// The `context` of the authorizer's answer.
    pub context: Option<Map<String, Value>>,
    /// The status sent to the client.
    pub status: u16,
}

/// The most recent traces, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    traces: Mutex<VecDeque<Trace>>,
}

impl Journal {
    pub(crate) fn record(&self, trace: Trace) {
        let mut traces = self.traces.lock().unwrap_or_else(PoisonError::into_inner);
        if traces.len() == JOURNAL_LENGTH {
            traces.pop_front();
        }
        traces.push_back(trace);
    }

    pub(crate) fn find(&self, request_id: &str) -> Option<Trace> {
        let traces = self.traces.lock().unwrap_or_else(PoisonError::into_inner);
        traces.iter().rev().find(|trace| trace.request_id == request_id).cloned()
    }

    pub(crate) fn all(&self) -> Vec<Trace> {
        self.traces.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }
}
