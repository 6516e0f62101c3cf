//! The `fuwu` binary: parse the command line, set up logging, run the command.

use clap::Parser;
use fuwu::cli::{Cli, run};

/// mimalloc: the server allocates many small, short-lived buffers from several
/// threads (the runtime's and SQLite's); glibc's allocator was ~15 % of the
/// intake's CPU time and a source of its tail latency.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("FUWU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx::query=error"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fuwu: {}", e.0);
            std::process::ExitCode::FAILURE
        }
    }
}
