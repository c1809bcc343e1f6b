//! `antrian-central`: see [`antrian_central::cli`].

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "antrian_central=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match antrian_central::cli::run(antrian_central::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("antrian-central: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
