//! `antrian-display`: the waiting-room screen. `antrian-display announce --number A012
//! --counter 3 [--wav OUT.wav]` speaks one call (or writes it to a file) for installers
//! testing the speakers.

use std::path::PathBuf;

use antrian_display::{announce, words};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "antrian-display", version, about = "The Antrian waiting-room display")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Speak one call: chime, then "Nomor antrian ..., silakan menuju loket ...".
    Announce {
        #[arg(long)]
        number: String,
        #[arg(long)]
        counter: String,
        /// Write the announcement to this WAV file instead of playing it.
        #[arg(long)]
        wav: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber_init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Announce { number, counter, wav } => run_announce(&number, &counter, wav),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("antrian-display: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn tracing_subscriber_init() {}

fn run_announce(number: &str, counter: &str, wav: Option<PathBuf>) -> anyhow::Result<()> {
    let text = words::call_sentence(number, counter, &format!("Loket {counter}"));
    let with_speech = announce::available("espeak-ng");
    if !with_speech {
        eprintln!("warning: espeak-ng is not installed; only the chime is produced");
    }
    let samples = announce::announcement(&text, with_speech)?;
    eprintln!("{text}");
    match wav {
        Some(path) => announce::write_wav(&path, &samples),
        None => {
            let dir = tempfile::tempdir()?;
            let path = dir.path().join("call.wav");
            announce::write_wav(&path, &samples)?;
            announce::play(&path)
        }
    }
}
