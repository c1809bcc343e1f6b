//! `antrian-sim`: a whole office day through the real hub at an accelerated clock, every
//! invariant checked, the waiting-time figures printed. Exit status 1 on any broken invariant.
//!
//! `cargo run --release -p antrian-e2e --bin antrian-sim -- --speed 300 --kills 10`

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "antrian-sim", about = "Replay a whole office day against the real hub")]
struct Args {
    /// Clock seconds per real second (300: the 07:30-16:00 day in about two minutes).
    #[arg(long, default_value_t = 300.0)]
    speed: f64,
    /// SIGKILL and restart the hub this many times at random moments of the day.
    #[arg(long, default_value_t = 0)]
    kills: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Fraction of a full day's applicants.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let dir = antrian_e2e::sim::keep_dir();
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("antrian-sim: cannot create {}: {error}", dir.display());
        return std::process::ExitCode::FAILURE;
    }
    let options = antrian_e2e::sim::Options {
        speed: args.speed,
        kills: args.kills,
        seed: args.seed,
        scale: args.scale,
    };
    match antrian_e2e::sim::run_day(&options, &dir).await {
        Ok(day) => {
            println!("{}", day.figures);
            println!(
                "{} tickets, {} calls, {} hub kills, {:.0} s real time; data in {}",
                day.tickets,
                day.calls,
                day.kills,
                day.real_seconds,
                dir.display()
            );
            if day.violations.is_empty() {
                println!("every invariant held");
                std::process::ExitCode::SUCCESS
            } else {
                for violation in &day.violations {
                    println!("BROKEN: {violation}");
                }
                std::process::ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("antrian-sim: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
