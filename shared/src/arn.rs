//! API Gateway method ARNs.
//!
//! API Gateway names the method a caller asked for as
//! `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<verb>/<path…>`.
//! [`MethodArn::parse`] splits on the first five `:` and then on the first two
//! `/`, so a path that holds `:` or `/` (a timestamp, a nested resource) stays
//! whole. [`MethodArn::stage_wide`] gives `…/<stage>/*/*`, the resource an
//! authorizer should allow so that one cached answer is right for every route of
//! the stage, and for nothing outside this API and stage.

use std::fmt;

/// A parsed `execute-api` method ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodArn {
    partition: String,
    region: String,
    account: String,
    api_id: String,
    stage: String,
    route: String,
}

/// Why a string is not a method ARN this system accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MethodArnError {
    /// When the string does not have the six `:`-separated parts of an ARN.
    #[error(
        "a method arn has the form arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<verb>/<path>"
    )]
    Shape,
    /// When the ARN names another service than `execute-api`.
    #[error("a method arn names the execute-api service")]
    Service,
    /// When a part is empty or holds characters it may not (a wildcard, say).
    #[error("the {0} of a method arn is empty or holds characters it may not")]
    Part(&'static str),
}

impl MethodArn {
    /// Parses a method ARN as API Gateway sends it in an authorizer event.
    ///
    /// Region, account, API id and stage may not be empty and may not hold IAM
    /// wildcards (`*`, `?`), so the stage-wide resource built from them never
    /// covers more than this API and stage.
    pub fn parse(arn: &str) -> Result<Self, MethodArnError> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(rest)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MethodArnError::Shape);
        };
        if service != "execute-api" {
            return Err(MethodArnError::Service);
        }
        let mut rest = rest.splitn(3, '/');
        let (Some(api_id), Some(stage), Some(route)) = (rest.next(), rest.next(), rest.next())
        else {
            return Err(MethodArnError::Shape);
        };

        check(partition, "partition", |b| b.is_ascii_lowercase() || b == b'-')?;
        check(region, "region", |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')?;
        check(account, "account", |b| b.is_ascii_digit())?;
        check(api_id, "api id", |b| b.is_ascii_alphanumeric())?;
        check(stage, "stage", |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')?;
        if route.is_empty() {
            return Err(MethodArnError::Part("verb"));
        }

        Ok(Self {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            route: route.to_owned(),
        })
    }

    /// The AWS region, e.g. `eu-west-1`.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The twelve-digit account id.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The REST API id.
    pub fn api_id(&self) -> &str {
        &self.api_id
    }

    /// The stage name.
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// The HTTP verb, e.g. `GET` (`*` in a resource pattern).
    pub fn verb(&self) -> &str {
        self.route.split_once('/').map_or(self.route.as_str(), |(verb, _)| verb)
    }

    /// The resource path after the verb, without its leading `/` (may be empty).
    pub fn path(&self) -> &str {
        self.route.split_once('/').map_or("", |(_, path)| path)
    }

    /// `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/*/*`: every
    /// verb and path of this API's stage, and nothing else.
    pub fn stage_wide(&self) -> String {
        format!("{}/*/*", self.stage_prefix())
    }

    fn stage_prefix(&self) -> String {
        format!(
            "arn:{}:execute-api:{}:{}:{}/{}",
            self.partition, self.region, self.account, self.api_id, self.stage
        )
    }
}

fn check(
    part: &str,
    name: &'static str,
    allowed: impl Fn(u8) -> bool,
) -> Result<(), MethodArnError> {
    if part.is_empty() || !part.bytes().all(allowed) {
        return Err(MethodArnError::Part(name));
    }
    Ok(())
}

impl fmt::Display for MethodArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.stage_prefix(), self.route)
    }
}

impl std::str::FromStr for MethodArn {
    type Err = MethodArnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEEP: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/presigned-url/a/b/2024-01-01T00:00:00Z";

    #[test]
    fn path_with_colons_and_slashes_stays_whole() {
        let arn = MethodArn::parse(DEEP).unwrap();
        assert_eq!(arn.region(), "eu-west-1");
        assert_eq!(arn.account(), "123456789012");
        assert_eq!(arn.api_id(), "a1b2c3d4e5");
        assert_eq!(arn.stage(), "prod");
        assert_eq!(arn.verb(), "GET");
        assert_eq!(arn.path(), "presigned-url/a/b/2024-01-01T00:00:00Z");
        assert_eq!(arn.to_string(), DEEP);
    }

    #[test]
    fn stage_wide_resource_covers_this_api_and_stage_only() {
        let arn = MethodArn::parse(DEEP).unwrap();
        assert_eq!(
            arn.stage_wide(),
            "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*"
        );
    }

    #[test]
    fn root_resource_has_an_empty_path() {
        let arn =
            MethodArn::parse("arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/").unwrap();
        assert_eq!((arn.verb(), arn.path()), ("GET", ""));
    }

    #[test]
    fn other_partitions_are_kept() {
        let arn = MethodArn::parse("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/v1/POST/x")
            .unwrap();
        assert_eq!(arn.stage_wide(), "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/v1/*/*");
    }

    #[test]
    fn malformed_arns_are_refused() {
        let cases = [
            ("", MethodArnError::Shape),
            ("arn:aws:execute-api:eu-west-1:123456789012", MethodArnError::Shape),
            ("arn:aws:execute-api:eu-west-1:123456789012:abc/prod", MethodArnError::Shape),
            ("arn:aws:execute-api:eu-west-1:123456789012:abc/prod/", MethodArnError::Part("verb")),
            ("arn:aws:lambda:eu-west-1:123456789012:abc/prod/GET/x", MethodArnError::Service),
            ("urn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/x", MethodArnError::Shape),
            (
                "arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/x",
                MethodArnError::Part("api id"),
            ),
            (
                "arn:aws:execute-api:eu-west-1:123456789012:abc/*/GET/x",
                MethodArnError::Part("stage"),
            ),
            ("arn:aws:execute-api:*:123456789012:abc/prod/GET/x", MethodArnError::Part("region")),
            (
                "arn:aws:execute-api:eu-west-1:12345678901?:abc/prod/GET/x",
                MethodArnError::Part("account"),
            ),
            ("arn:aws:execute-api:eu-west-1::abc/prod/GET/x", MethodArnError::Part("account")),
            (
                "arn:aws:execute-api:eu-west-1:123456789012:/prod/GET/x",
                MethodArnError::Part("api id"),
            ),
        ];
        for (arn, want) in cases {
            assert_eq!(MethodArn::parse(arn), Err(want), "{arn:?}");
        }
    }
}
