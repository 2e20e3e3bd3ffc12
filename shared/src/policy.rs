//! IAM policy documents for authorizer answers.
//!
//! Built from the typed structs of `aws_lambda_events`, never from JSON text.
//! Each answer holds one statement for `execute-api:Invoke` on one resource.

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerResponse,
};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use serde_json::{Map, Value};

/// The IAM policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";
/// The only action an authorizer policy names.
pub const INVOKE_ACTION: &str = "execute-api:Invoke";

/// An answer that lets `principal_id` invoke `resource`, with `context` passed
/// on to the integration.
pub fn allow_policy(
    principal_id: &str,
    resource: String,
    context: Map<String, Value>,
) -> ApiGatewayCustomAuthorizerResponse {
    answer(principal_id, IamPolicyEffect::Allow, resource, Value::Object(context))
}

/// An answer that refuses `principal_id` on `resource` (API Gateway answers 403).
pub fn deny_policy(principal_id: &str, resource: String) -> ApiGatewayCustomAuthorizerResponse {
    answer(principal_id, IamPolicyEffect::Deny, resource, Value::Object(Map::new()))
}

fn answer(
    principal_id: &str,
    effect: IamPolicyEffect,
    resource: String,
    context: Value,
) -> ApiGatewayCustomAuthorizerResponse {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec![INVOKE_ACTION.to_owned()];
    statement.effect = effect;
    statement.resource = vec![resource];

    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some(POLICY_VERSION.to_owned());
    policy.statement = vec![statement];

    let mut response = ApiGatewayCustomAuthorizerResponse::default();
    response.principal_id = Some(principal_id.to_owned());
    response.policy_document = policy;
    response.context = context;
    response
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const RESOURCE: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/*/*";

    #[test]
    fn allow_serialises_as_api_gateway_expects() {
        let mut context = Map::new();
        context.insert("studioUserProfile".into(), json!("alice"));
        let answer = allow_policy("sub-1", RESOURCE.into(), context);
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            json!({
                "principalId": "sub-1",
                "policyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Action": ["execute-api:Invoke"],
                        "Effect": "Allow",
                        "Resource": [RESOURCE]
                    }]
                },
                "context": {"studioUserProfile": "alice"},
                "usageIdentifierKey": null
            })
        );
    }

    #[test]
    fn deny_has_one_deny_statement_and_an_empty_context() {
        let answer = serde_json::to_value(deny_policy("sub-1", RESOURCE.into())).unwrap();
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Deny");
        assert_eq!(answer["context"], json!({}));
    }

    #[test]
    fn answer_survives_a_round_trip() {
        let answer = allow_policy("sub-1", RESOURCE.into(), Map::new());
        let text = serde_json::to_string(&answer).unwrap();
        let back: ApiGatewayCustomAuthorizerResponse = serde_json::from_str(&text).unwrap();
        assert_eq!(back, answer);
    }
}
