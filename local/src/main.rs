//! `studio-gate-local`: the whole studio-gate API on one machine.
//!
//! Run with:
//!
//! ```text
//! cargo run --release -p local -- demo
//! cargo run --release -p local -- serve --help
//! ```

use std::process::ExitCode;

use clap::Parser as _;
use local::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = matches!(cli.command, Command::Demo);
    local::logging::init(quiet);

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    runtime.block_on(async {
        match cli.command {
            Command::Demo => match local::demo::run(&mut stdout).await {
                Ok(outcome) if outcome.all_passed() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            },
            Command::Serve(args) => match local::serve::run(*args, &mut stdout).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            },
        }
    })
}
