//! `antrian-display [--config display.toml]`: the waiting-room screen.
//! `antrian-display announce --number A012 --counter 3 [--wav OUT.wav]` speaks one call (or
//! writes it to a file) for installers testing the speakers.
//! `antrian-display default-config`: the commented display.toml.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antrian_display::announce::{self, Announcer, SystemSpeaker};
use antrian_display::feed::{self, Shared, StillHappening};
use antrian_display::state::{DisplayState, Filter};
use antrian_display::ui::{self, Theme};
use antrian_display::words;
use anyhow::Context;
use clap::{Parser, Subcommand};
use eframe::egui;
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(name = "antrian-display", version, about = "The Antrian waiting-room display")]
struct Cli {
    /// The display's configuration.
    #[arg(long, default_value = "config/display.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Speak one call: chime, then "Nomor antrean ..., silakan menuju loket ...".
    Announce {
        #[arg(long)]
        number: String,
        #[arg(long)]
        counter: String,
        /// Write the announcement to this WAV file instead of playing it.
        #[arg(long)]
        wav: Option<PathBuf>,
    },
    /// Print a complete, commented display.toml (the package writes
    /// /etc/antrian/display.toml from it on first install).
    DefaultConfig,
}

/// The commented configuration `default-config` prints: the one in the repository's `config/`.
const DEFAULT_CONFIG: &str = include_str!("../../config/display.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    hub_url: String,
    token: String,
    office: String,
    #[serde(default)]
    stages: Vec<String>,
    #[serde(default)]
    counters: Vec<String>,
    #[serde(default = "yes")]
    voice: bool,
    #[serde(default)]
    running_text: String,
    #[serde(default = "dark")]
    theme: String,
    #[serde(default = "yes")]
    fullscreen: bool,
}

fn yes() -> bool {
    true
}

fn dark() -> String {
    "dark".into()
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Announce { number, counter, wav }) => run_announce(&number, &counter, wav),
        Some(Command::DefaultConfig) => {
            print!("{DEFAULT_CONFIG}");
            Ok(())
        }
        None => run_screen(&cli.config),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("antrian-display: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

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

struct ScreenApp {
    shared: Arc<Mutex<Shared>>,
    running_text: String,
    theme: Theme,
    /// With `ANTRIAN_FRAME_STATS=1`: CPU time per frame, printed every 10 s (for measuring).
    frame_stats: Option<(std::time::Instant, Vec<f32>)>,
}

/// How long a new call stays highlighted.
const HIGHLIGHT: Duration = Duration::from_secs(6);

impl eframe::App for ScreenApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some((since, samples)) = &mut self.frame_stats {
            if let Some(cpu) = frame.info().cpu_usage {
                samples.push(cpu * 1000.0);
            }
            if since.elapsed() >= Duration::from_secs(10) {
                let count = samples.len();
                let mean = samples.iter().sum::<f32>() / count.max(1) as f32;
                let max = samples.iter().copied().fold(0.0f32, f32::max);
                eprintln!("frames {count} in 10 s, CPU per frame mean {mean:.2} ms, max {max:.2} ms");
                *since = std::time::Instant::now();
                samples.clear();
            }
        }
        let (state, new_call_at, now) = match self.shared.lock() {
            Ok(shared) => (shared.state.clone(), shared.new_call_at, shared.now()),
            Err(_) => return,
        };
        let highlight = new_call_at.is_some_and(|t| t.elapsed() < HIGHLIGHT);
        ui::draw(
            ui,
            &ui::Frame { state: &state, now, highlight, running_text: &self.running_text, theme: self.theme },
        );
        // Repaint only when the clock's minute changes, when a highlight ends, and on events
        // (the feed wakes the UI): nothing happening costs nothing.
        let into_minute = 1000 * u64::from(chrono::Timelike::second(&now))
            + u64::from(now.timestamp_subsec_millis().min(999));
        let to_next_minute = Duration::from_millis(60_000u64.saturating_sub(into_minute) + 50);
        let next = match new_call_at.map(|t| t.elapsed()) {
            Some(elapsed) if elapsed < HIGHLIGHT => (HIGHLIGHT - elapsed).min(to_next_minute),
            _ => to_next_minute,
        };
        ui.ctx().request_repaint_after(next);
    }
}

fn run_screen(path: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let config: Config = toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
    let filter = Filter { stages: config.stages.clone(), counters: config.counters.clone() };
    let shared = Arc::new(Mutex::new(Shared { state: DisplayState::new(filter), ..Default::default() }));
    let announcer =
        config.voice.then(|| Announcer::start(SystemSpeaker::new(), StillHappening(shared.clone())));
    let theme = if config.theme == "light" { Theme::Light } else { Theme::Dark };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Antrian")
            .with_inner_size([1920.0, 1080.0])
            .with_fullscreen(config.fullscreen),
        ..Default::default()
    };
    let feed_shared = shared.clone();
    let client = antrian_proto::Client::new(&config.hub_url).with_token(&config.token);
    let office = config.office.clone();
    eframe::run_native(
        "antrian-display",
        options,
        Box::new(move |creation| {
            let ctx = creation.egui_ctx.clone();
            std::thread::Builder::new().name("antrian-feed".into()).spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                runtime.block_on(feed::run(
                    client,
                    office,
                    feed_shared,
                    move |call| {
                        if let Some(announcer) = &announcer {
                            announcer.announce(call.clone());
                        }
                    },
                    move || ctx.request_repaint(),
                ));
            })?;
            let frame_stats =
                std::env::var("ANTRIAN_FRAME_STATS").is_ok().then(|| (std::time::Instant::now(), Vec::new()));
            Ok(Box::new(ScreenApp { shared, running_text: config.running_text, theme, frame_stats }))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
