//! `antrian-kiosk [--config kiosk.toml]`: the kiosk screen.
//! `antrian-kiosk render-ticket TICKET.json OUT.pdf`: a ticket PDF from a Ticket object.
//! `antrian-kiosk print-test`: a sample ticket to the configured printer.
//! `antrian-kiosk default-config`: the commented kiosk.toml.

use std::path::PathBuf;

use antrian_kiosk::config::PrinterTarget;
use antrian_kiosk::ticket::{self, TicketPrint};
use antrian_kiosk::{KioskApp, KioskConfig, printer};
use anyhow::Context;
use clap::{Parser, Subcommand};
use eframe::egui;

#[derive(Debug, Parser)]
#[command(name = "antrian-kiosk", version, about = "The Antrian self-service kiosk")]
struct Cli {
    /// The kiosk's configuration.
    #[arg(long, default_value = "config/kiosk.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a ticket (a Ticket object, or a check-in's answer holding one) to a PDF; no window.
    RenderTicket {
        ticket: PathBuf,
        out: PathBuf,
        /// Mark it as a reprint ("CETAK ULANG").
        #[arg(long)]
        reprint: bool,
        /// The office name at the top (default: the config's ticket_header, or the office id).
        #[arg(long)]
        header: Option<String>,
    },
    /// Print a sample ticket on the configured printer.
    PrintTest,
    /// Print a complete, commented kiosk.toml (the package writes /etc/antrian/kiosk.toml
    /// from it on first install).
    DefaultConfig,
}

/// The commented configuration `default-config` prints: the one in the repository's `config/`.
const DEFAULT_CONFIG: &str = include_str!("../../config/kiosk.toml");

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::RenderTicket { ticket, out, reprint, header }) => {
            render_ticket(&cli.config, &ticket, &out, reprint, header)
        }
        Some(Command::PrintTest) => print_test(&cli.config),
        Some(Command::DefaultConfig) => {
            print!("{DEFAULT_CONFIG}");
            Ok(())
        }
        None => run_screen(&cli.config),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("antrian-kiosk: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The config when there is one; rendering works without.
fn optional_config(path: &std::path::Path) -> anyhow::Result<Option<KioskConfig>> {
    if path.exists() { KioskConfig::load(path).map(Some) } else { Ok(None) }
}

fn render_ticket(
    config: &std::path::Path,
    ticket: &std::path::Path,
    out: &std::path::Path,
    reprint: bool,
    header: Option<String>,
) -> anyhow::Result<()> {
    let config = optional_config(config)?;
    let text =
        std::fs::read_to_string(ticket).with_context(|| format!("cannot read {}", ticket.display()))?;
    // A Ticket, or the hub's answer around it (`{"ticket": {…}}`, as a check-in returns it).
    let mut value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", ticket.display()))?;
    if let Some(inner) = value.get_mut("ticket").filter(|t| t.is_object()).map(serde_json::Value::take) {
        value = inner;
    }
    let ticket: antrian_proto::Ticket = serde_json::from_value(value)
        .with_context(|| format!("{} is not a Ticket object of the hub's API", ticket.display()))?;
    let header = header
        .or_else(|| config.as_ref().map(|c| c.ticket_header.clone()).filter(|h| !h.is_empty()))
        .unwrap_or_else(|| ticket.office.clone());
    let footer = config.map(|c| c.footer).unwrap_or_default();
    let pdf = ticket::render(&TicketPrint {
        ticket: &ticket,
        header: &header,
        footer: &footer,
        reprint,
        printed_at: chrono::Local::now().fixed_offset(),
    });
    std::fs::write(out, pdf).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("ticket {} written to {}", ticket.number, out.display());
    Ok(())
}

fn print_test(path: &std::path::Path) -> anyhow::Result<()> {
    let config = KioskConfig::load(path)?;
    let target = config.printer_target();
    if target == PrinterTarget::None {
        anyhow::bail!("printer = \"none\" in {}: nothing to test", path.display());
    }
    let sample = ticket::sample(chrono::Local::now().fixed_offset());
    let header =
        if config.ticket_header.is_empty() { "KANTOR IMIGRASI (UJI CETAK)" } else { &config.ticket_header };
    let pdf = ticket::render(&TicketPrint {
        ticket: &sample,
        header,
        footer: &config.footer,
        reprint: false,
        printed_at: chrono::Local::now().fixed_offset(),
    });
    let said = printer::print(&target, "antrian-uji-cetak", &pdf, config.print_timeout())?;
    println!("test ticket sent: {said}");
    Ok(())
}

struct Window {
    app: KioskApp,
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.ui(ui);
    }
}

fn run_screen(path: &std::path::Path) -> anyhow::Result<()> {
    let config = KioskConfig::load(path)?;
    if config.token.is_empty() {
        tracing::warn!("no device token in {}: the hub will refuse check-ins", path.display());
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Antrian - Kiosk")
            .with_inner_size([1280.0, 1024.0])
            .with_fullscreen(config.fullscreen),
        ..Default::default()
    };
    eframe::run_native(
        "antrian-kiosk",
        options,
        Box::new(move |_| Ok(Box::new(Window { app: KioskApp::new(config) }))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the kiosk window: {e}"))
}
