//! `antrian-hub`: see `antrian-hub --help` and API.md (CLI).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = antrian_hub::cli::Cli::parse();
    if let Err(error) = antrian_hub::cli::init_logging(&cli) {
        eprintln!("antrian-hub: {error:#}");
        return std::process::ExitCode::FAILURE;
    }
    match antrian_hub::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("antrian-hub: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
