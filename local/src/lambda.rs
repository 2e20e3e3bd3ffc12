//! The Lambda functions the gateway stand-in calls, in process.
//!
//! API Gateway invokes a function with a JSON event and gets back either a JSON
//! answer or a function error (`errorType`, `errorMessage`). [`LambdaFunction`] is
//! that contract and nothing more, so the gateway treats the real handlers and a
//! test's hand-made function alike. [`AuthorizerFunction`] and [`PresignFunction`]
//! wrap the handlers the `authorizer` and `presign` binaries run: the event goes
//! through `serde_json` on the way in and the answer on the way out, as it would
//! over the Lambda Runtime API.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use lambda_runtime::Diagnostic;
use serde_json::Value;

/// A boxed, sendable future, as the functions return it.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A function's failure, as the Lambda service reports it to API Gateway.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {error_message}")]
pub struct FunctionError {
    /// `errorType`, e.g. `Unauthorized`.
    pub error_type: String,
    /// `errorMessage`: API Gateway answers 401 when an authorizer's is exactly `Unauthorized`.
    pub error_message: String,
}

impl FunctionError {
    /// An error of this type and message.
    pub fn new(error_type: impl Into<String>, error_message: impl Into<String>) -> Self {
        Self { error_type: error_type.into(), error_message: error_message.into() }
    }
}

impl From<Diagnostic> for FunctionError {
    fn from(diagnostic: Diagnostic) -> Self {
        Self::new(diagnostic.error_type, diagnostic.error_message)
    }
}

/// A Lambda function: a JSON event in, a JSON answer or a function error out.
pub trait LambdaFunction: Send + Sync {
    /// Runs the function on `event`; `deadline` is when the invocation times out.
    fn invoke(
        &self,
        event: Value,
        deadline: SystemTime,
    ) -> BoxFuture<'_, Result<Value, FunctionError>>;
}

/// The `authorizer` handler as a [`LambdaFunction`].
#[derive(Clone)]
pub struct AuthorizerFunction {
    authorizer: Arc<authorizer::Authorizer>,
}

impl fmt::Debug for AuthorizerFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizerFunction")
            .field("user_pool_id", &self.authorizer.settings().user_pool_id)
            .finish_non_exhaustive()
    }
}

impl AuthorizerFunction {
    /// Wraps an authorizer built as the `authorizer` binary builds it.
    pub fn new(authorizer: authorizer::Authorizer) -> Self {
        Self { authorizer: Arc::new(authorizer) }
    }

    /// The wrapped authorizer.
    pub fn authorizer(&self) -> &authorizer::Authorizer {
        &self.authorizer
    }
}

impl LambdaFunction for AuthorizerFunction {
    fn invoke(
        &self,
        event: Value,
        _deadline: SystemTime,
    ) -> BoxFuture<'_, Result<Value, FunctionError>> {
        Box::pin(async move {
            let answer = self.authorizer.authorize(&event).await.map_err(Diagnostic::from)?;
            serde_json::to_value(answer).map_err(|error| {
                FunctionError::new("Runtime.SerializationError", error.to_string())
            })
        })
    }
}
/// The `presign` handler as a [`LambdaFunction`].
#[derive(Clone)]
pub struct PresignFunction {
    presigner: Arc<presign::Presigner>,
}

impl fmt::Debug for PresignFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignFunction").finish_non_exhaustive()
    }
}

impl PresignFunction {
    /// Wraps a presigner built as the `presign` binary builds it.
    pub fn new(presigner: presign::Presigner) -> Self {
        Self { presigner: Arc::new(presigner) }
    }
}

impl LambdaFunction for PresignFunction {
    fn invoke(
        &self,
        event: Value,
        deadline: SystemTime,
    ) -> BoxFuture<'_, Result<Value, FunctionError>> {
        Box::pin(async move {
            let request: ApiGatewayProxyRequest =
                serde_json::from_value(event).map_err(|error| {
                    FunctionError::new("Runtime.DeserializationError", error.to_string())
                })?;
            let answer = self.presigner.handle(request, Some(deadline)).await;
            serde_json::to_value(answer).map_err(|error| {
                FunctionError::new("Runtime.SerializationError", error.to_string())
            })
        })
    }
}
