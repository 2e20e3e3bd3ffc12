//! `studio-gate-bench`: the steps `bench/run` calls.
//!
//! - `tokens`: mint the token set (tokens.txt, jwks.json, pool.json);
//! - `verify`: studio-gate's side of item 2, as its own process;
//! - `run`: items 2, 4 and 5, then the table with item 1 read from criterion.
//!
//! Run `bench/run` rather than these by hand; it builds, installs the anchors
//! and pins each measured process to one core.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use standins::jwks_server::JwksServer;
use standins::runtime_api::Invocation;
use standins::sagemaker::{ProfileStatus, SageMakerStandIn, StandInOptions};
use studio_gate_bench::anchors::{self, BLOCK};
use studio_gate_bench::events::request_event;
use studio_gate_bench::lambda::{self, Footprint, FunctionUnderTest};
use studio_gate_bench::report::{self, DecisionFigures, Results};
use studio_gate_bench::tokens::{self, PoolFacts, TokenSet};
use studio_gate_bench::{BenchError, local_api};

#[derive(Parser)]
#[command(about = "studio-gate benchmarks; run bench/run, which calls these steps")]
struct Cli {
    #[command(subcommand)]
    step: Step,
}

#[derive(Subcommand)]
enum Step {
    /// Mint the token set into a folder.
    Tokens {
        /// Folder for tokens.txt, jwks.json and pool.json.
        #[arg(long)]
        out: PathBuf,
        /// How many tokens.
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        /// How many signing keys.
        #[arg(long, default_value_t = 3)]
        keys: usize,
        /// How many users the tokens are spread over.
        #[arg(long, default_value_t = USERS)]
        users: usize,
    },
    /// Verify a token file with studio-gate's authorizer; prints one JSON line.
    Verify {
        /// tokens.txt.
        #[arg(long)]
        tokens: PathBuf,
        /// pool.json with the JWKS URL filled in.
        #[arg(long)]
        pool: PathBuf,
    },
    /// Items 2, 4 and 5, then the table.
    Run(RunArgs),
}

#[derive(Parser)]
struct RunArgs {
    /// Folder for results.json, table.md and scratch files.
    #[arg(long)]
    out: PathBuf,
    /// Folder the `tokens` step wrote.
    #[arg(long)]
    tokens_dir: PathBuf,
    /// CRITERION_HOME of the decision benchmark.
    #[arg(long)]
    criterion: PathBuf,
    /// The npm prefix holding aws-jwt-verify.
    #[arg(long)]
    node_dir: PathBuf,
    /// The Python with PyJWT.
    #[arg(long)]
    python: PathBuf,
    /// Folder of the anchor scripts.
    #[arg(long)]
    anchors: PathBuf,
    /// wrk's script.
    #[arg(long)]
    wrk_script: PathBuf,
    /// Folder of the release binaries.
    #[arg(long)]
    release_dir: PathBuf,
    /// Core the measured processes are pinned to.
    #[arg(long, default_value = "1")]
    core: String,
    /// Seconds per load run at most.
    #[arg(long, default_value_t = 10)]
    load_seconds: u64,
    /// Lines about the run to put above the table (date, commit).
    #[arg(long)]
    label: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.step {
        Step::Tokens { out, count, keys, users } => mint(&out, count, keys, users),
        Step::Verify { tokens, pool } => verify(&tokens, &pool),
        Step::Run(args) => run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "studio-gate-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "==> {line}");
}

fn mint(out: &Path, count: usize, keys: usize, users: usize) -> Result<(), BenchError> {
    let started = Instant::now();
    let set = TokenSet::new(keys, users)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let minted = set.mint_many(count, threads)?;
    tokens::write_set(out, &set, &minted)?;
    say(&format!(
        "{count} tokens, {keys} keys, {users} users in {} ({:.1} s)",
        out.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn verify(tokens: &Path, pool: &Path) -> Result<(), BenchError> {
    let facts = read_facts(pool)?;
    let outcome = anchors::verify_file(tokens, &facts)?;
    let line = serde_json::to_string(&outcome).map_err(BenchError::unexpected)?;
    let _ = writeln!(std::io::stdout(), "{line}");
    Ok(())
}

fn read_facts(path: &Path) -> Result<PoolFacts, BenchError> {
    let text =
        std::fs::read(path).map_err(BenchError::io(format!("reading {}", path.display())))?;
    serde_json::from_slice(&text).map_err(BenchError::unexpected)
}

fn run(args: &RunArgs) -> Result<(), BenchError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(BenchError::io("starting tokio"))?;
    let started = Instant::now();
    let mut results = Results { machine: machine(args), ..Results::default() };
    runtime.block_on(measure(args, &mut results))?;
    results.decision = DecisionFigures::read(&args.criterion);
    if results.decision.fresh.is_none() {
        results.notes.push(format!("no criterion estimates under {}", args.criterion.display()));
    }
    results.seconds = started.elapsed().as_secs_f64();
    results.machine.push(format!("load average after: {}", loadavg()));

    let json = serde_json::to_vec_pretty(&results).map_err(BenchError::unexpected)?;
    write(&args.out.join("results.json"), &json)?;
    let table = report::render(&results);
    write(&args.out.join("table.md"), table.as_bytes())?;
    let _ = write!(std::io::stdout(), "\n{table}");
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BenchError> {
    std::fs::write(path, bytes).map_err(BenchError::io(format!("writing {}", path.display())))
}

async fn measure(args: &RunArgs, results: &mut Results) -> Result<(), BenchError> {
    std::fs::create_dir_all(&args.out).map_err(BenchError::io("creating the output folder"))?;
    let tokens_file = args.tokens_dir.join("tokens.txt");
    let jwks_text = std::fs::read(args.tokens_dir.join("jwks.json"))
        .map_err(BenchError::io("reading jwks.json"))?;
    let jwks: serde_json::Value =
        serde_json::from_slice(&jwks_text).map_err(BenchError::unexpected)?;
    let server =
        JwksServer::start(jwks).await.map_err(BenchError::io("starting the JWKS server"))?;
    let mut facts = read_facts(&args.tokens_dir.join("pool.json"))?;
    facts.jwks_url = server.url();
    let pool_file = args.out.join("pool.json");
    write(&pool_file, &serde_json::to_vec_pretty(&facts).map_err(BenchError::unexpected)?)?;
    let tokens = tokens::read_tokens(&tokens_file)?;

    say("item 1: openssl speed rsa2048, for reference");
    match openssl_verify_us(&args.core).await {
        Ok(us) => results.openssl_verify_us = Some(us),
        Err(error) => results.notes.push(format!("openssl speed: {error}")),
    }

    say(&format!("item 2: {} tokens, three verifiers pinned to core {}", tokens.len(), args.core));
    for (name, program, script_args) in verifier_commands(args, &tokens_file, &pool_file)? {
        server.reset_fetches();
        match anchors::run_pinned(&args.core, &program, &script_args, Duration::from_secs(240))
            .await
        {
            Ok(mut outcome) => {
                outcome.jwks_fetches = server.reset_fetches();
                say(&format!(
                    "{name}: {:.0} fresh tokens/s, {:.0} repeat tokens/s",
                    outcome.fresh_per_second(),
                    outcome.repeat_per_second()
                ));
                results.verifiers.push(outcome);
            }
            Err(error) => results.notes.push(format!("item 2, {name}: {error}")),
        }
    }

    say("item 4: cold start and footprint under a Runtime API");
    match footprint_authorizer(args, &facts, &tokens).await {
        Ok(footprint) => results.footprints.push(footprint),
        Err(error) => results.notes.push(format!("item 4, authorizer: {error}")),
    }
    match footprint_presign(args).await {
        Ok(footprint) => results.footprints.push(footprint),
        Err(error) => results.notes.push(format!("item 4, presign: {error}")),
    }

    say("item 5: load through studio-gate-local serve");
    match local_load(args, &facts, &tokens_file, &tokens[0]).await {
        Ok(load) => results.load = load,
        Err(error) => results.notes.push(format!("item 5: {error}")),
    }
    Ok(())
}

/// Profiles the presign footprint cycles through.
const PROFILES: usize = 100;
/// Users the token step spreads tokens over (its default).
const USERS: usize = 1000;

type Command = (&'static str, PathBuf, Vec<OsString>);

fn verifier_commands(
    args: &RunArgs,
    tokens_file: &Path,
    pool_file: &Path,
) -> Result<Vec<Command>, BenchError> {
    let me = std::env::current_exe().map_err(BenchError::io("finding studio-gate-bench"))?;
    let block = OsString::from(BLOCK.to_string());
    let node = which("node").unwrap_or_else(|| PathBuf::from("node"));
    Ok(vec![
        (
            "studio-gate",
            me,
            vec![
                "verify".into(),
                "--tokens".into(),
                tokens_file.into(),
                "--pool".into(),
                pool_file.into(),
            ],
        ),
        (
            "aws-jwt-verify",
            node,
            vec![
                args.anchors.join("aws-jwt-verify.cjs").into(),
                args.node_dir.clone().into(),
                tokens_file.into(),
                pool_file.into(),
                block.clone(),
            ],
        ),
        (
            "PyJWT",
            args.python.clone(),
            vec![
                args.anchors.join("pyjwt_verify.py").into(),
                tokens_file.into(),
                pool_file.into(),
                block,
            ],
        ),
    ])
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

async fn footprint_authorizer(
    args: &RunArgs,
    facts: &PoolFacts,
    tokens: &[String],
) -> Result<Footprint, BenchError> {
    let binary = args.release_dir.join("authorizer");
    if !binary.is_file() {
        return Err(BenchError::Missing(binary));
    }
    let env = vec![
        ("USER_POOL_ID".to_owned(), facts.user_pool_id.clone()),
        ("APP_CLIENT_IDS".to_owned(), facts.client_id.clone()),
        ("JWKS_URL".to_owned(), facts.jwks_url.clone()),
        ("AWS_LAMBDA_LOG_FORMAT".to_owned(), "JSON".to_owned()),
    ];
    let event = |i: usize| request_event(&tokens[i % tokens.len()]);
    let function = FunctionUnderTest {
        name: "authorizer",
        binary: &binary,
        env,
        event: &event,
        expected: &lambda::authorizer_allowed,
    };
    lambda::measure(&function, &args.core, &args.out.join("stripped")).await
}

async fn footprint_presign(args: &RunArgs) -> Result<Footprint, BenchError> {
    let binary = args.release_dir.join("presign");
    if !binary.is_file() {
        return Err(BenchError::Missing(binary));
    }
    let sagemaker = sagemaker_with_profiles(PROFILES).await?;
    let mut env = sagemaker.sdk_env();
    env.push(("STUDIO_DOMAIN_ID".to_owned(), sagemaker.domain_id().to_owned()));
    env.push(("AWS_LAMBDA_LOG_FORMAT".to_owned(), "JSON".to_owned()));
    let event = |i: usize| lambda::presign_event(&tokens::user_name(i % PROFILES));
    let expected = |answer: &Invocation| lambda::presign_ok(answer);
    let function = FunctionUnderTest {
        name: "presign",
        binary: &binary,
        env,
        event: &event,
        expected: &expected,
    };
    let footprint = lambda::measure(&function, &args.core, &args.out.join("stripped")).await;
    sagemaker.shutdown().await;
    footprint
}

async fn local_load(
    args: &RunArgs,
    facts: &PoolFacts,
    tokens_file: &Path,
    first_token: &str,
) -> Result<Vec<local_api::LoadFigures>, BenchError> {
    let binary = args.release_dir.join("studio-gate-local");
    if !binary.is_file() {
        return Err(BenchError::Missing(binary));
    }
    let wrk = which("wrk").ok_or_else(|| BenchError::Missing(PathBuf::from("wrk")))?;
    let sagemaker = sagemaker_with_profiles(USERS).await?;
    let sdk_env = sagemaker.sdk_env();
    let all_cores = (0..cpu_count()).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(BenchError::unexpected)?;

    let mut figures = Vec::new();
    for (cores, core_list) in [(1, args.core.as_str()), (cpu_count(), all_cores.as_str())] {
        for (mode, ttl) in [("repeat", 300), ("repeat", 0), ("fresh", 300)] {
            let server = local_api::Server::start(
                &binary,
                core_list,
                facts,
                &sdk_env,
                sagemaker.domain_id(),
                ttl,
            )
            .await?;
            let check = http
                .get(&server.url)
                .bearer_auth(first_token)
                .header("accept", "application/json")
                .send()
                .await
                .map_err(BenchError::unexpected)?;
            if check.status() != reqwest::StatusCode::OK {
                let status = check.status();
                let body = check.text().await.unwrap_or_default();
                server.stop().await;
                return Err(BenchError::unexpected(format!(
                    "first request answered {status}: {body}"
                )));
            }
            let run = local_api::WrkRun {
                wrk: &wrk,
                script: &args.wrk_script,
                url: &server.url,
                tokens_file,
                mode,
                wrk_core: "0",
                threads: 1,
                connections: 16,
                duration: Duration::from_secs(args.load_seconds),
            };
            let outcome = local_api::run_wrk(&run, cores, ttl).await;
            server.stop().await;
            let outcome = outcome?;
            say(&format!(
                "{mode} tokens, gateway cache {ttl} s, {cores} core(s): {:.0} req/s",
                outcome.requests_per_second
            ));
            figures.push(outcome);
        }
    }
    sagemaker.shutdown().await;
    Ok(figures)
}

/// One RSA-2048 verify by `openssl speed`, µs, pinned to `core`.
async fn openssl_verify_us(core: &str) -> Result<f64, BenchError> {
    let output = tokio::process::Command::new("taskset")
        .args(["-c", core, "openssl", "speed", "-seconds", "3", "rsa2048"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .map_err(BenchError::io("running openssl speed"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    // "rsa 2048 bits 0.000250s 0.000016s   4006.8  60670.3": the last is verify/s.
    text.lines()
        .find(|line| line.starts_with("rsa 2048 bits"))
        .and_then(|line| line.split_whitespace().last())
        .and_then(|per_second| per_second.parse::<f64>().ok())
        .filter(|per_second| *per_second > 0.0)
        .map(|per_second| 1e6 / per_second)
        .ok_or_else(|| BenchError::unexpected(format!("no verify/s in: {}", text.trim())))
}

/// The SageMaker stand-in with an `InService` profile for users `0..count`.
async fn sagemaker_with_profiles(count: usize) -> Result<SageMakerStandIn, BenchError> {
    let sagemaker = SageMakerStandIn::start(StandInOptions::default())
        .await
        .map_err(BenchError::io("starting the SageMaker stand-in"))?;
    for n in 0..count {
        let domain = sagemaker.domain_id().to_owned();
        sagemaker.put_profile(&domain, &tokens::user_name(n), ProfileStatus::InService);
    }
    Ok(sagemaker)
}

fn cpu_count() -> usize {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    cpuinfo.lines().filter(|line| line.starts_with("processor")).count().max(1)
}

fn machine(args: &RunArgs) -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = cpu_count();
    let mut lines = args.label.clone();
    lines.push(format!(
        "{model}, {cores} cores; measured processes pinned to core {}, the runner on the others",
        args.core
    ));
    lines.push(format!("load average before: {}", loadavg()));
    lines
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
