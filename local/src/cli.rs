//! The command line of `studio-gate-local`.

use clap::{Args, Parser, Subcommand};

/// The whole studio-gate API on one machine: a Cognito stand-in, a SageMaker
/// stand-in and an API Gateway stand-in that runs the real authorizer and presign
/// handlers, all on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "studio-gate-local", version, propagate_version = true)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start everything on free ports, walk the flow a portal would (sign in, get a
    /// URL, get redirected, a tampered token, a user without a profile), print each
    /// step, and stop. Exits 0 only if every step gave the expected answer.
    Demo,
    /// Keep the API up and print its base URL, a ready token and a curl line to try.
    /// Local Cognito and SageMaker stand-ins unless --user-pool-id or --domain-id
    /// say otherwise. Stops on Ctrl-C.
    Serve(Box<ServeArgs>),
}

/// The flags of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Port of the API on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// API stage: the first segment of every URL path, and part of the method ARN.
    #[arg(long, default_value = "v1")]
    pub stage: String,

    /// Seconds the gateway keeps an authorizer answer per Authorization header, as
    /// API Gateway's authorizer cache does; 0 turns the cache off. 0 to 3600.
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub authorizer_cache_ttl: u64,

    /// The VPC endpoint requests are said to arrive through
    /// (requestContext.identity.vpceId); the authorizer only admits this one
    /// (ALLOWED_VPCE_IDS).
    #[arg(long, default_value = "vpce-0a1b2c3d4e5f60718")]
    pub vpce_id: String,

    /// Region of the method ARNs and of the local stand-ins, and the region real
    /// SageMaker is called in with --domain-id. Default: the region of
    /// --user-pool-id, else the AWS configuration's with --domain-id, else eu-west-1.
    #[arg(long)]
    pub region: Option<String>,

    /// Comma-separated Cognito groups; when set, a caller must be in one of them
    /// (REQUIRED_GROUPS). The demo users are all in studio-users.
    #[arg(long, value_name = "GROUPS", value_delimiter = ',')]
    pub required_groups: Vec<String>,

    /// Which token the authorizer accepts (TOKEN_USE). Access tokens carry no profile
    /// claim unless a pre-token-generation trigger adds one.
    #[arg(long, value_parser = ["id", "access"], default_value = "id")]
    pub token_use: String,

    /// Verify tokens of this real Cognito user pool (e.g. eu-west-1_AbC123xyZ) instead
    /// of the local stand-in's. Needs --client-id; the keys come from the pool's own
    /// JWKS unless --jwks-url says otherwise.
    #[arg(long, requires = "client_id")]
    pub user_pool_id: Option<String>,

    /// With --user-pool-id: the app client ids whose tokens are accepted
    /// (APP_CLIENT_IDS), comma-separated. The first one signs --username in.
    #[arg(long, value_delimiter = ',', requires = "user_pool_id")]
    pub client_id: Vec<String>,

    /// With --user-pool-id: where the authorizer fetches the keys (JWKS_URL).
    #[arg(long, requires = "user_pool_id")]
    pub jwks_url: Option<String>,

    /// With --user-pool-id: sign this user in (InitiateAuth, USER_PASSWORD_AUTH; the
    /// app client must allow it) to print a ready token. Without it no token is printed.
    #[arg(long, requires = "user_pool_id")]
    pub username: Option<String>,

    /// The password of --username. Prefer the environment variable: a flag shows in
    /// the process list.
    #[arg(long, env = "STUDIO_GATE_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,

    /// Local pool only: the demo user whose token is printed: ada or grace (with a
    /// Studio profile), linus (without one).
    #[arg(long, default_value = "ada", conflicts_with = "user_pool_id")]
    pub user: String,

    /// Local pool only: how long its tokens last, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=86_400), conflicts_with = "user_pool_id")]
    pub token_lifetime: u64,

    /// Mint URLs in this SageMaker domain (STUDIO_DOMAIN_ID) with the SDK's usual
    /// configuration: real SageMaker, or AWS_ENDPOINT_URL_SAGEMAKER if that is set,
    /// with the usual AWS credentials. Without it, the local SageMaker stand-in.
    #[arg(long)]
    pub domain_id: Option<String>,

    /// How long a presigned URL can be opened, in seconds (URL_EXPIRES_SECONDS). 5 to 300.
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u16).range(5..=300))]
    pub url_expires: u16,

    /// How long the Studio session lasts, in seconds (SESSION_EXPIRES_SECONDS).
    /// 1800 to 43200.
    #[arg(long, value_name = "SECONDS", default_value_t = 43_200,
          value_parser = clap::value_parser!(u16).range(1800..=43_200))]
    pub session_expires: u16,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_serve_flag_is_explained() {
        let command = Cli::command();
        let serve = command.find_subcommand("serve").unwrap();
        for arg in serve
            .get_arguments()
            .filter(|arg| !["help", "version"].contains(&arg.get_id().as_str()))
        {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            assert!(help.len() > 20, "--{} needs a help text", arg.get_id());
        }
    }

    #[test]
    fn real_pool_needs_a_client_id() {
        let parsed =
            Cli::try_parse_from(["studio-gate-local", "serve", "--user-pool-id", "eu-west-1_Abc"]);
        assert!(parsed.is_err());
        let parsed = Cli::try_parse_from([
            "studio-gate-local",
            "serve",
            "--user-pool-id",
            "eu-west-1_Abc",
            "--client-id",
            "a,b",
        ])
        .unwrap();
        let Command::Serve(args) = parsed.command else { panic!("serve") };
        assert_eq!(args.client_id, ["a", "b"]);
    }

    #[test]
    fn cache_ttl_beyond_an_hour_is_refused() {
        let parsed =
            Cli::try_parse_from(["studio-gate-local", "serve", "--authorizer-cache-ttl", "3601"]);
        assert!(parsed.is_err());
    }
}
