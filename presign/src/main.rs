//! The `presign` Lambda function: settings and the SageMaker client at cold
//! start, then one [`presign::Presigner::handle`] per event.
//!
//! A bad setting is reported to the Runtime API as an init error (so the
//! invocation fails with a message that names the variable) and logged, and
//! the process exits.

use std::process::ExitCode;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use lambda_runtime_api_client::body::Body;
use presign::{Presigner, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    shared::logging::init();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!(error = %error, "presign refused to start");
            report_init_error("InvalidSetting", &error.to_string()).await;
            return ExitCode::FAILURE;
        }
    };
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "presign stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> Result<(), lambda_runtime::Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let presigner = Presigner::new(settings, aws_sdk_sagemaker::Client::new(&config));

    let presigner = &presigner;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayProxyRequest>| async move {
        let deadline = event.context.deadline();
        Ok::<_, lambda_runtime::Error>(presigner.handle(event.payload, Some(deadline)).await)
    }))
    .await
}

/// Tells the Runtime API why the function cannot start. Best effort: the log
/// line above says it too.
async fn report_init_error(error_type: &str, error_message: &str) {
    let diagnostic =
        Diagnostic { error_type: error_type.to_owned(), error_message: error_message.to_owned() };
    let Ok(body) = serde_json::to_vec(&diagnostic) else {
        return;
    };
    let client = lambda_runtime_api_client::PooledClient::builder().build();
    let request = lambda_runtime_api_client::build_request()
        .method(http::Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", error_type)
        .body(Body::from(body));
    if let Ok(request) = request
        && let Err(error) = client.call(request).await
    {
        tracing::warn!(error = %error, "could not report the init error to the runtime api");
    }
}
