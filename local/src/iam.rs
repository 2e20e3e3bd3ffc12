//! IAM policy evaluation, as API Gateway applies it to a Lambda authorizer's answer.
//!
//! API Gateway takes the `policyDocument` an authorizer returns and asks whether it
//! allows `execute-api:Invoke` on the method ARN of the request:
//!
//! - a statement applies when its action and its resource patterns match
//!   (`Action`/`NotAction`, `Resource`/`NotResource`, each a string or a list);
//! - patterns use IAM's wildcards: `*` for any run of characters (`/` and `:`
//!   included), `?` for exactly one; actions compare without case, resources with it;
//! - an applicable `Deny` wins over any `Allow`; with no applicable `Allow` the
//!   answer is an implicit deny.
//!
//! [`PolicyDocument::parse`] is strict: a document API Gateway would not accept (no
//! `Statement`, an `Effect` other than `Allow` or `Deny`, a statement without an
//! action or a resource) is an error, which the gateway turns into a 500. `Condition`
//! is refused too: authorizer policies have no condition keys to test, so a
//! statement that needs one is a mistake best seen locally.

use serde_json::Value;

/// The action API Gateway checks an authorizer policy for.
pub const INVOKE_ACTION: &str = "execute-api:Invoke";

/// What a policy says about one action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// An `Allow` statement applies and no `Deny` does.
    Allow,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// No statement applies.
    ImplicitDeny,
}

/// Why a policy document is not one API Gateway accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// When the document, or a statement, is not a JSON object.
    #[error("the policy document or one of its statements is not an object")]
    NotAnObject,
    /// When the document has no `Statement`, or an empty one.
    #[error("the policy document has no statement")]
    NoStatement,
    /// When `Effect` is missing or is not `Allow` or `Deny`.
    #[error("a statement's Effect is missing or is not Allow or Deny")]
    BadEffect,
    /// When a statement has neither or both of `Action` and `NotAction`, or of
    /// `Resource` and `NotResource`.
    #[error("a statement needs exactly one of {0}")]
    Missing(&'static str),
    /// When an element is not a string or a non-empty list of strings.
    #[error("a statement's {0} is not a string or a list of strings")]
    BadElement(&'static str),
    /// When a statement holds a key authorizer policies do not use.
    #[error("a statement holds {0}, which authorizer policies do not support")]
    Unsupported(String),
    /// When `Version` is not one IAM knows.
    #[error("the policy Version is not 2012-10-17 or 2008-10-17")]
    BadVersion,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    deny: bool,
    actions: Patterns,
    resources: Patterns,
}

/// `Action` (`negated` false) or `NotAction` (true), and likewise for resources.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Patterns {
    negated: bool,
    patterns: Vec<String>,
}

impl Patterns {
    fn applies(&self, value: &str, ignore_case: bool) -> bool {
        let any = self.patterns.iter().any(|pattern| wildcard_match(pattern, value, ignore_case));
        any != self.negated
    }
}

impl PolicyDocument {
    /// Reads a `policyDocument` as an authorizer returned it.
    pub fn parse(document: &Value) -> Result<Self, PolicyError> {
        let document = document.as_object().ok_or(PolicyError::NotAnObject)?;
        match document.get("Version") {
            None => {}
            Some(Value::String(version)) if version == "2012-10-17" || version == "2008-10-17" => {}
            Some(_) => return Err(PolicyError::BadVersion),
        }
        let statements = match document.get("Statement") {
            Some(Value::Array(statements)) if !statements.is_empty() => {
                statements.iter().map(statement).collect::<Result<_, _>>()?
            }
            Some(single @ Value::Object(_)) => vec![statement(single)?],
            _ => return Err(PolicyError::NoStatement),
        };
        Ok(Self { statements })
    }

    /// What the policy says about `action` on `resource`.
    pub fn evaluate(&self, action: &str, resource: &str) -> Evaluation {
        let applicable = self.statements.iter().filter(|statement| {
            statement.actions.applies(action, true) && statement.resources.applies(resource, false)
        });
        let mut allowed = false;
        for statement in applicable {
            if statement.deny {
                return Evaluation::ExplicitDeny;
            }
            allowed = true;
        }
        if allowed { Evaluation::Allow } else { Evaluation::ImplicitDeny }
    }
}

fn statement(value: &Value) -> Result<Statement, PolicyError> {
    let fields = value.as_object().ok_or(PolicyError::NotAnObject)?;
    if let Some(key) = fields.keys().find(|key| {
        !matches!(
            key.as_str(),
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource"
        )
    }) {
        return Err(PolicyError::Unsupported(key.clone()));
    }
    let deny = match fields.get("Effect").and_then(Value::as_str) {
        Some("Allow") => false,
        Some("Deny") => true,
        _ => return Err(PolicyError::BadEffect),
    };
    Ok(Statement {
        deny,
        actions: patterns(fields, "Action", "NotAction")?,
        resources: patterns(fields, "Resource", "NotResource")?,
    })
}

fn patterns(
    fields: &serde_json::Map<String, Value>,
    name: &'static str,
    negated_name: &'static str,
) -> Result<Patterns, PolicyError> {
    let (negated, value) = match (fields.get(name), fields.get(negated_name)) {
        (Some(value), None) => (false, value),
        (None, Some(value)) => (true, value),
        _ => {
            return Err(PolicyError::Missing(if name == "Action" {
                "Action and NotAction"
            } else {
                "Resource and NotResource"
            }));
        }
    };
    let element = if negated { negated_name } else { name };
    let patterns = match value {
        Value::String(pattern) => vec![pattern.clone()],
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or(PolicyError::BadElement(element)))
            .collect::<Result<_, _>>()?,
        _ => return Err(PolicyError::BadElement(element)),
    };
    Ok(Patterns { negated, patterns })
}

/// Whether `value` matches `pattern`, where `*` stands for any run of characters
/// (none included) and `?` for exactly one; every other character stands for itself,
/// compared without ASCII case when `ignore_case` is set.
pub fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    let same = |p: char, v: char| p == v || (ignore_case && p.eq_ignore_ascii_case(&v));

    // Greedy match that remembers the last `*` and retries from one character
    // further on a mismatch: linear in practice, never exponential.
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, v));
                p += 1;
            }
            Some(&c) if c == '?' || same(c, value[v]) => {
                p += 1;
                v += 1;
            }
            _ => match star {
                Some((star_p, star_v)) => {
                    p = star_p + 1;
                    v = star_v + 1;
                    star = Some((star_p, star_v + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/GET/presigned-url";

    fn policy(statements: Value) -> PolicyDocument {
        PolicyDocument::parse(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap()
    }

    #[test]
    fn star_matches_any_run_and_question_mark_one_character() {
        let cases = [
            ("*", "", true),
            ("*", "anything/at:all", true),
            ("a*c", "abbbc", true),
            ("a*c", "ac", true),
            ("a*c", "abcd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("*/v1/*/*", "arn:x/v1/GET/presigned-url", true),
            ("*/v1/*/*", "arn:x/v2/GET/presigned-url", false),
            ("**a", "bbba", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxcyyb", false),
            ("", "", true),
            ("", "a", false),
            ("abc", "ABC", false),
        ];
        for (pattern, value, want) in cases {
            assert_eq!(wildcard_match(pattern, value, false), want, "{pattern:?} vs {value:?}");
        }
    }

    #[test]
    fn many_stars_do_not_backtrack_exponentially() {
        let pattern = "*a".repeat(30) + "b";
        let value = "a".repeat(200);
        assert!(!wildcard_match(&pattern, &value, false));
    }

    #[test]
    fn actions_compare_without_case_and_resources_with_it() {
        let document = policy(json!([{
            "Effect": "Allow",
            "Action": "EXECUTE-API:invoke",
            "Resource": ARN,
        }]));
        assert_eq!(document.evaluate(INVOKE_ACTION, ARN), Evaluation::Allow);
        assert_eq!(
            document.evaluate(INVOKE_ACTION, &ARN.replace("presigned-url", "Presigned-Url")),
            Evaluation::ImplicitDeny
        );
    }

    #[test]
    fn stage_wide_allow_covers_every_route_of_the_stage_only() {
        let document = policy(json!([{
            "Effect": "Allow",
            "Action": ["execute-api:Invoke"],
            "Resource": ["arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/*/*"],
        }]));
        assert_eq!(document.evaluate(INVOKE_ACTION, ARN), Evaluation::Allow);
        assert_eq!(
            document.evaluate(INVOKE_ACTION, &ARN.replace("presigned-url", "studio")),
            Evaluation::Allow
        );
        assert_eq!(
            document.evaluate(INVOKE_ACTION, &ARN.replace("/v1/", "/v2/")),
            Evaluation::ImplicitDeny
        );
        assert_eq!(
            document.evaluate(INVOKE_ACTION, &ARN.replace("a1b2c3d4e5", "zzzzzzzzzz")),
            Evaluation::ImplicitDeny
        );
    }

    #[test]
    fn explicit_deny_wins_over_allow() {
        let document = policy(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "execute-api:*", "Resource": ARN},
        ]));
        assert_eq!(document.evaluate(INVOKE_ACTION, ARN), Evaluation::ExplicitDeny);
        assert_eq!(
            document.evaluate(INVOKE_ACTION, &ARN.replace("presigned-url", "studio")),
            Evaluation::Allow
        );
    }

    #[test]
    fn statement_for_another_action_does_not_apply() {
        let document = policy(
            json!({"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*"}),
        );
        assert_eq!(document.evaluate(INVOKE_ACTION, ARN), Evaluation::ImplicitDeny);
    }

    #[test]
    fn not_resource_and_not_action_apply_to_everything_else() {
        let document = policy(json!([
            {"Effect": "Allow", "Action": INVOKE_ACTION, "NotResource": "*/studio"},
            {"Effect": "Deny", "NotAction": INVOKE_ACTION, "Resource": "*"},
        ]));
        assert_eq!(document.evaluate(INVOKE_ACTION, ARN), Evaluation::Allow);
        assert_eq!(
            document.evaluate(INVOKE_ACTION, &ARN.replace("presigned-url", "studio")),
            Evaluation::ImplicitDeny
        );
    }

    #[test]
    fn documents_api_gateway_would_refuse_are_errors() {
        let cases = [
            (json!("policy"), PolicyError::NotAnObject),
            (json!({}), PolicyError::NoStatement),
            (json!({"Statement": []}), PolicyError::NoStatement),
            (json!({"Version": "2024-01-01", "Statement": {}}), PolicyError::BadVersion),
            (json!({"Statement": [{"Action": "*", "Resource": "*"}]}), PolicyError::BadEffect),
            (
                json!({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}),
                PolicyError::BadEffect,
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
                PolicyError::Missing("Action and NotAction"),
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "x", "Resource": "*"}]}),
                PolicyError::Missing("Action and NotAction"),
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*"}]}),
                PolicyError::Missing("Resource and NotResource"),
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": []}]}),
                PolicyError::BadElement("Resource"),
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]}),
                PolicyError::BadElement("Action"),
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}]}),
                PolicyError::Unsupported("Condition".into()),
            ),
        ];
        for (document, want) in cases {
            assert_eq!(PolicyDocument::parse(&document), Err(want), "{document}");
        }
    }

    #[test]
    fn shared_allow_and_deny_answers_parse_and_evaluate_as_meant() {
        let resource = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/*/*".to_owned();
        let allow = shared::allow_policy("sub-1", resource.clone(), serde_json::Map::new());
        let deny = shared::deny_policy("sub-1", resource);
        let parse = |answer| {
            let value = serde_json::to_value(answer).unwrap();
            PolicyDocument::parse(&value["policyDocument"]).unwrap()
        };
        assert_eq!(parse(allow).evaluate(INVOKE_ACTION, ARN), Evaluation::Allow);
        assert_eq!(parse(deny).evaluate(INVOKE_ACTION, ARN), Evaluation::ExplicitDeny);
    }
}
