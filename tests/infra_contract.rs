//! The SAM template and the Rust crates agree.
//!
//! `infra/template.yaml` sets each function's environment and names the API stage;
//! the crates read that environment at cold start and build the authorizer's Allow
//! from the method ARN API Gateway sends. A variable the template forgets stops a
//! function at start-up in production only, and one the parser does not know is
//! silently ignored; a stage the Allow does not cover turns every request into a
//! 403. These tests read the template as written (CloudFormation tags kept) and
//! check it against the settings parsers and `shared::MethodArn`.
//!
//! Run with `cargo test -p e2e --test infra_contract`. The policy checks of the
//! template live in `infra/check`, which this test does not run.

// A template this test cannot read is a failure to report, not to handle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::{Mapping, Value};
use shared::MethodArn;

const TEMPLATE: &str = include_str!("../infra/template.yaml");

/// Variables a function may get from the template without its parser knowing them:
/// the log filter, Lambda's own logging settings, and names Lambda reserves.
const LAMBDA_RESERVED: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Settings that point a function at local stand-ins; a deployed stack never sets them.
const LOCAL_ONLY: &[&str] = &["JWKS_URL"];

const ROUTE_METHOD: &str = "GET";
const ROUTE_PATH: &str = "/presigned-url";

struct Template {
    root: Value,
}

impl Template {
    fn load() -> Self {
        let root: Value = serde_norway::from_str(TEMPLATE).unwrap();
        Self { root }
    }

    fn resources(&self) -> &Mapping {
        self.root.get("Resources").and_then(Value::as_mapping).unwrap()
    }

    fn resource(&self, logical_id: &str) -> &Value {
        self.resources()
            .get(logical_id)
            .unwrap_or_else(|| panic!("the template has no resource {logical_id}"))
    }

    fn parameter(&self, name: &str) -> &Value {
        self.root
            .get("Parameters")
            .and_then(|p| p.get(name))
            .unwrap_or_else(|| panic!("the template has no parameter {name}"))
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.resources()
            .iter()
            .filter(move |(_, resource)| resource.get("Type").and_then(Value::as_str) == Some(kind))
            .map(|(id, resource)| (id.as_str().unwrap(), resource))
    }

    /// The serverless function built from the workspace binary `binary`.
    fn function(&self, binary: &str) -> (&str, &Value) {
        let found: Vec<_> = self
            .of_type("AWS::Serverless::Function")
            .filter(|(_, f)| {
                f.get("Metadata")
                    .and_then(|m| m.get("BuildProperties"))
                    .and_then(|b| b.get("Binary"))
                    == Some(&Value::from(binary))
            })
            .collect();
        assert_eq!(found.len(), 1, "exactly one function must be built from binary {binary}");
        found[0]
    }

    /// A function property, falling back to `Globals.Function`, as SAM does.
    fn function_property<'a>(&'a self, function: &'a Value, key: &str) -> Option<&'a Value> {
        function.get("Properties").and_then(|p| p.get(key)).or_else(|| {
            self.root.get("Globals").and_then(|g| g.get("Function")).and_then(|f| f.get(key))
        })
    }

    /// The environment a function gets: `Globals.Function` variables, then its own on top.
    fn environment(&self, function: &Value) -> BTreeMap<String, Value> {
        let globals = self
            .root
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(|f| f.get("Environment"))
            .and_then(|e| e.get("Variables"));
        let own = function
            .get("Properties")
            .and_then(|p| p.get("Environment"))
            .and_then(|e| e.get("Variables"));
        let mut env = BTreeMap::new();
        for variables in [globals, own].into_iter().flatten() {
            for (key, value) in variables.as_mapping().unwrap() {
                env.insert(key.as_str().unwrap().to_owned(), value.clone());
            }
        }
        env
    }

    /// A parameter's default, as a string.
    fn default_of(&self, parameter: &str) -> String {
        match self.parameter(parameter).get("Default") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            other => panic!("parameter {parameter} has no usable default: {other:?}"),
        }
    }

    fn number(&self, parameter: &str, key: &str) -> u64 {
        self.parameter(parameter)
            .get(key)
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("parameter {parameter} has no numeric {key}"))
    }
}

/// `Some((tag, value))` when `value` is a CloudFormation short form such as `!Ref X`.
fn tagged(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(t) => Some((t.tag.to_string().trim_start_matches('!').to_owned(), &t.value)),
        _ => None,
    }
}

fn ref_target(value: &Value) -> Option<&str> {
    match tagged(value) {
        Some((tag, target)) if tag == "Ref" => target.as_str(),
        _ => None,
    }
}

/// Whether the value is `!If [cond, x, !Ref AWS::NoValue]` (or the other way round):
/// the variable then exists only under a condition.
fn is_conditional(value: &Value) -> bool {
    match tagged(value) {
        Some((tag, args)) if tag == "If" => args
            .as_sequence()
            .is_some_and(|a| a.iter().skip(1).any(|v| ref_target(v) == Some("AWS::NoValue"))),
        _ => false,
    }
}

/// The value a function's environment gives `name`.
fn var<'a>(env: &'a BTreeMap<String, Value>, name: &str) -> &'a Value {
    env.get(name).unwrap_or_else(|| panic!("the function's environment has no {name}"))
}

/// Checks one function's environment against its parser's lists.
fn check_environment(template: &Template, binary: &str, required: &[&str], optional: &[&str]) {
    let (id, function) = template.function(binary);
    let env = template.environment(function);

    for name in required {
        let value = env
            .get(*name)
            .unwrap_or_else(|| panic!("{id} does not set {name}, which {binary} requires"));
        assert!(
            !is_conditional(value),
            "{id} sets {name}, which {binary} requires, only under a condition"
        );
    }

    let known: BTreeSet<&str> = required.iter().chain(optional).copied().collect();
    for name in env.keys() {
        let allowed = known.contains(name.as_str())
            || name == "RUST_LOG"
            || name.starts_with("AWS_LAMBDA_LOG_")
            || LAMBDA_RESERVED.contains(&name.as_str());
        assert!(allowed, "{id} sets {name}, which the {binary} settings parser does not know");
        assert!(
            !LOCAL_ONLY.contains(&name.as_str()),
            "{id} sets {name}, a setting for local stand-ins only"
        );
        assert!(
            !name.starts_with("AWS_ENDPOINT_URL"),
            "{id} sets {name}: it would send the SDK somewhere else than the VPC endpoint"
        );
    }
}

#[test]
fn authorizer_gets_every_required_setting_and_no_unknown_one() {
    check_environment(
        &Template::load(),
        "authorizer",
        authorizer::settings::REQUIRED_VARS,
        authorizer::settings::OPTIONAL_VARS,
    );
}

#[test]
fn presign_gets_every_required_setting_and_no_unknown_one() {
    check_environment(
        &Template::load(),
        "presign",
        presign::settings::REQUIRED_VARS,
        presign::settings::OPTIONAL_VARS,
    );
}

#[test]
fn authorizer_points_at_the_pool_and_client_and_reads_id_tokens() {
    let template = Template::load();
    let (id, function) = template.function("authorizer");
    let env = template.environment(function);

    let pool = ref_target(var(&env, "USER_POOL_ID")).expect("USER_POOL_ID is a !Ref");
    assert_eq!(
        template.resource(pool).get("Type").and_then(Value::as_str),
        Some("AWS::Cognito::UserPool")
    );
    let client = ref_target(var(&env, "APP_CLIENT_IDS")).expect("APP_CLIENT_IDS is a !Ref");
    assert_eq!(
        template.resource(client).get("Type").and_then(Value::as_str),
        Some("AWS::Cognito::UserPoolClient")
    );

    // Access tokens carry no custom attributes, so the profile claim is in ID tokens only.
    assert_eq!(
        env.get("TOKEN_USE").and_then(Value::as_str),
        Some("id"),
        "{id} must accept ID tokens"
    );

    // The claim the authorizer reads is the pool's custom attribute.
    let claim = match env.get("PROFILE_CLAIM") {
        Some(value) => value.as_str().unwrap().to_owned(),
        None => authorizer::settings::DEFAULT_PROFILE_CLAIM.to_owned(),
    };
    let schema = template.resource(pool).get("Properties").and_then(|p| p.get("Schema")).unwrap();
    let attributes: Vec<String> = schema
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|a| a.get("Name").and_then(Value::as_str))
        .map(|name| format!("custom:{name}"))
        .collect();
    assert!(
        attributes.contains(&claim),
        "the pool has no attribute for the claim {claim}: {attributes:?}"
    );
}

#[test]
fn authorizer_admits_the_endpoint_the_api_is_bound_to() {
    let template = Template::load();
    let (_, function) = template.function("authorizer");
    let env = template.environment(function);
    let (api_id, api) = private_api(&template);

    let bound = api
        .get("Properties")
        .and_then(|p| p.get("EndpointConfiguration"))
        .and_then(|e| e.get("VPCEndpointIds"))
        .and_then(Value::as_sequence)
        .unwrap();
    assert_eq!(bound.len(), 1, "{api_id} is bound to one execute-api endpoint");
    assert_eq!(
        env.get("ALLOWED_VPCE_IDS"),
        Some(&bound[0]),
        "ALLOWED_VPCE_IDS must name the endpoint {api_id} is bound to"
    );
}

#[test]
fn presign_limits_fit_the_settings_ranges() {
    let template = Template::load();
    let (_, function) = template.function("presign");
    let env = template.environment(function);

    // The ranges of DESIGN.md; a value outside stops presign at cold start.
    for (name, low, high) in
        [("URL_EXPIRES_SECONDS", 5, 300), ("SESSION_EXPIRES_SECONDS", 1800, 43200)]
    {
        let parameter = ref_target(var(&env, name))
            .unwrap_or_else(|| panic!("{name} is a !Ref to a parameter"));
        let (min, max) =
            (template.number(parameter, "MinValue"), template.number(parameter, "MaxValue"));
        assert!(
            low <= min && max <= high,
            "{parameter} admits {min}..{max}, {name} accepts {low}..{high}"
        );
        let default: u64 = template.default_of(parameter).parse().unwrap();
        assert!(
            (min..=max).contains(&default),
            "{parameter}'s default {default} is out of its range"
        );
    }
    let domain = ref_target(var(&env, "STUDIO_DOMAIN_ID")).unwrap();
    assert_eq!(template.parameter(domain).get("Type").and_then(Value::as_str), Some("String"));
}

#[test]
fn functions_are_the_workspace_binaries_built_for_arm64() {
    let template = Template::load();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for binary in ["authorizer", "presign"] {
        let (id, function) = template.function(binary);
        assert_eq!(
            function.get("Metadata").and_then(|m| m.get("BuildMethod")).and_then(Value::as_str),
            Some("rust-cargolambda"),
            "{id} is built by cargo lambda"
        );
        // CodeUri is relative to infra/: the workspace root, where `--bin <binary>` is found.
        let code_uri = template.function_property(function, "CodeUri").and_then(Value::as_str);
        assert_eq!(code_uri, Some(".."), "{id}'s CodeUri is the workspace root");
        assert!(
            std::path::Path::new(&format!("{root}/{binary}/src/main.rs")).exists(),
            "the workspace has no {binary} binary"
        );
        assert_eq!(
            template.function_property(function, "Runtime").and_then(Value::as_str),
            Some("provided.al2023")
        );
        assert_eq!(
            template.function_property(function, "Architectures"),
            Some(&Value::Sequence(vec![Value::from("arm64")])),
            "{id} runs on arm64"
        );
    }
}

/// The private API whose authorizer is the `authorizer` function.
fn private_api(template: &Template) -> (&str, &Value) {
    let (authorizer_id, _) = template.function("authorizer");
    let apis: Vec<_> = template
        .of_type("AWS::Serverless::Api")
        .filter(|(_, api)| {
            let authorizers = api
                .get("Properties")
                .and_then(|p| p.get("Auth"))
                .and_then(|a| a.get("Authorizers"));
            authorizers.and_then(Value::as_mapping).is_some_and(|m| {
                m.values().any(|a| {
                    a.get("FunctionArn").and_then(tagged).is_some_and(|(tag, v)| {
                        tag == "GetAtt" && v.as_str() == Some(&format!("{authorizer_id}.Arn"))
                    })
                })
            })
        })
        .collect();
    assert_eq!(apis.len(), 1, "exactly one API uses the authorizer function");
    apis[0]
}

/// IAM's resource matching: `*` is any run of characters, `?` any one character.
fn iam_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[test]
fn stage_wide_allow_covers_the_route_on_the_templates_stage() {
    let template = Template::load();
    let (api_id, api) = private_api(&template);
    let props = api.get("Properties").unwrap();

    // The authorizer is a REQUEST authorizer keyed on the Authorization header.
    let authorizer = props["Auth"]["Authorizers"].as_mapping().unwrap().values().next().unwrap();
    assert_eq!(authorizer.get("FunctionPayloadType").and_then(Value::as_str), Some("REQUEST"));
    assert_eq!(
        authorizer.get("Identity").and_then(|i| i.get("Headers")),
        Some(&Value::Sequence(vec![Value::from("Authorization")]))
    );

    let stage = match props.get("StageName") {
        Some(Value::String(s)) => s.clone(),
        Some(v) => template.default_of(ref_target(v).expect("StageName is a string or a !Ref")),
        None => panic!("{api_id} names no stage"),
    };

    // The presign function's event is the route.
    let (presign_id, presign) = template.function("presign");
    let events = presign["Properties"]["Events"].as_mapping().unwrap();
    let route = events
        .values()
        .find(|e| e.get("Type").and_then(Value::as_str) == Some("Api"))
        .unwrap_or_else(|| panic!("{presign_id} has no Api event"));
    assert_eq!(ref_target(&route["Properties"]["RestApiId"]), Some(api_id));
    assert_eq!(
        route["Properties"]["Method"].as_str().map(str::to_ascii_uppercase).as_deref(),
        Some(ROUTE_METHOD)
    );
    assert_eq!(route["Properties"]["Path"].as_str(), Some(ROUTE_PATH));

    // What API Gateway sends the authorizer for that route, and what it answers.
    let method_arn = format!(
        "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/{stage}/{ROUTE_METHOD}{ROUTE_PATH}"
    );
    let parsed = MethodArn::parse(&method_arn).unwrap();
    assert_eq!(parsed.stage(), stage);
    let allow = parsed.stage_wide();
    assert_eq!(allow, format!("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/{stage}/*/*"));
    assert!(iam_matches(&allow, &method_arn), "{allow} does not cover {method_arn}");

    // ... and nothing of another stage or API.
    let elsewhere = [
        format!("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/{stage}x/GET{ROUTE_PATH}"),
        format!("arn:aws:execute-api:eu-west-1:123456789012:zzzzzzzzzz/{stage}/GET{ROUTE_PATH}"),
    ];
    for other in elsewhere {
        assert!(!iam_matches(&allow, &other), "{allow} also covers {other}");
    }
}

#[test]
fn stage_names_the_template_admits_are_ones_method_arns_accept() {
    let template = Template::load();
    let (_, api) = private_api(&template);
    let Some(parameter) = api["Properties"].get("StageName").and_then(ref_target) else {
        return; // a literal stage is checked by stage_wide_allow_covers_the_route_on_the_templates_stage
    };
    // Letters, digits, `_` and `-`: what MethodArn::parse takes for a stage.
    assert_eq!(
        template.parameter(parameter).get("AllowedPattern").and_then(Value::as_str),
        Some("^[A-Za-z0-9_-]{1,64}$")
    );
    let widest = "AZaz09_-".repeat(8);
    let arn =
        format!("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/{widest}/GET{ROUTE_PATH}");
    assert_eq!(MethodArn::parse(&arn).unwrap().stage(), widest);
}

#[test]
fn iam_matching_follows_iam_wildcards() {
    assert!(iam_matches("a/*/*", "a/b/c"));
    assert!(iam_matches("a/*/*", "a/b/c/d"));
    assert!(!iam_matches("a/*/*", "a/b"));
    assert!(iam_matches("a?c", "abc"));
    assert!(!iam_matches("a?c", "ac"));
    assert!(!iam_matches("a/b/*", "a/bc/d"));
}
