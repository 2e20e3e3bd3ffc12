//! The `authorizer` Lambda function: settings and clients at cold start, then
//! one [`authorizer::Authorizer::authorize`] per event.

use std::process::ExitCode;

use authorizer::{Authorizer, Settings};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> ExitCode {
    shared::logging::init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "authorizer stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let settings = Settings::from_env()?;
    let http = authorizer::http_client(&settings.jwks)?;
    let authorizer = Authorizer::new(settings, http)?;
    authorizer.prefetch_keys().await;

    let authorizer = &authorizer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        authorizer.authorize(&event.payload).await
    }))
    .await
}
