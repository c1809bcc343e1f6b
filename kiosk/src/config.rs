//! `kiosk.toml`: where the hub is, who this kiosk is, how it prints and speaks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::texts::Lang;

/// The kiosk's configuration, checked as a whole when read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// The hub on the office LAN, e.g. `http://192.168.1.10:8080`.
    pub hub_url: String,
    /// This kiosk's device token (`antrian-hub device add kiosk-1 --role kiosk`).
    pub token: String,
    pub office: String,
    /// `cups` (the default CUPS printer), `cups:NAME` (`lp -d NAME`), `file:DIR` (a PDF per
    /// ticket in DIR), or `none`.
    #[serde(default = "default_printer")]
    pub printer: String,
    /// Seconds CUPS may take to print a ticket; a job still waiting then (printer out of
    /// paper, off, jammed) is cancelled, so that it cannot come out later for someone else,
    /// and the screen tells the applicant to note the number.
    #[serde(default = "default_print_timeout")]
    pub print_timeout_seconds: u64,
    /// `id` or `en`: the language the welcome screen starts in.
    #[serde(default)]
    pub language: Lang,
    /// Back to the welcome screen after this many seconds without a touch.
    #[serde(default = "default_idle")]
    pub idle_timeout_seconds: u64,
    /// Walk-in services offered, by id, in this order (empty: every walk-in service of the hub).
    #[serde(default)]
    pub walk_in_services: Vec<String>,
    /// The line at the bottom of each ticket.
    #[serde(default = "default_footer")]
    pub footer: String,
    /// The office name at the top of each ticket (empty: the name the hub gives).
    #[serde(default)]
    pub ticket_header: String,
    /// Start fullscreen (false for trying it out on a desktop).
    #[serde(default = "yes")]
    pub fullscreen: bool,
    /// Seconds one request to the hub may take before it is tried again.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: u64,
    /// Scanner keystrokes further apart than this (milliseconds) start a new scan: a scanner
    /// types a whole code in well under a second; a stray key press is not a scan.
    #[serde(default = "default_scan_gap")]
    pub scan_gap_ms: u64,
    /// A webcam reading booking QR codes (e.g. `/dev/video0`, through ffmpeg), for kiosks
    /// without a USB scanner; needs the kiosk built with the `camera` feature. Empty: none.
    #[serde(default)]
    pub camera: String,
}

fn default_printer() -> String {
    "cups".into()
}
fn default_print_timeout() -> u64 {
    20
}
fn default_idle() -> u64 {
    30
}
fn default_footer() -> String {
    "Simpan tiket ini. Pantau antrean Anda dengan memindai kode QR. Layanan tanpa calo.".into()
}
fn yes() -> bool {
    true
}
fn default_request_timeout() -> u64 {
    4
}
fn default_scan_gap() -> u64 {
    250
}

/// Where tickets go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTarget {
    /// Through CUPS with `lp`; `None` is the default printer.
    Cups(Option<String>),
    /// A PDF file per ticket in this folder.
    Folder(PathBuf),
    /// No printer: the screen is the ticket.
    None,
}

impl PrinterTarget {
    pub fn parse(text: &str) -> anyhow::Result<PrinterTarget> {
        let text = text.trim();
        Ok(match text.split_once(':') {
            None if text == "cups" => PrinterTarget::Cups(None),
            None if text == "none" => PrinterTarget::None,
            Some(("cups", name)) if !name.is_empty() => PrinterTarget::Cups(Some(name.into())),
            Some(("file", dir)) if !dir.is_empty() => PrinterTarget::Folder(dir.into()),
            _ => bail!("printer = {text:?}: expected \"cups\", \"cups:NAME\", \"file:DIR\" or \"none\""),
        })
    }
}

impl KioskConfig {
    pub fn parse(text: &str) -> anyhow::Result<KioskConfig> {
        let config: KioskConfig = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    pub fn load(path: &Path) -> anyhow::Result<KioskConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        KioskConfig::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    fn check(&self) -> anyhow::Result<()> {
        if !(self.hub_url.starts_with("http://") || self.hub_url.starts_with("https://")) {
            bail!("hub_url = {:?}: expected http://HOST:PORT", self.hub_url);
        }
        if self.office.trim().is_empty() {
            bail!("office is empty");
        }
        PrinterTarget::parse(&self.printer)?;
        if self.idle_timeout_seconds < 5 {
            bail!(
                "idle_timeout_seconds = {}: at least 5, people need time to read",
                self.idle_timeout_seconds
            );
        }
        if self.request_timeout_seconds == 0 {
            bail!("request_timeout_seconds must be at least 1");
        }
        if self.print_timeout_seconds == 0 {
            bail!("print_timeout_seconds must be at least 1");
        }
        Ok(())
    }

    pub fn printer_target(&self) -> PrinterTarget {
        PrinterTarget::parse(&self.printer).unwrap_or(PrinterTarget::None)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_seconds)
    }

    pub fn print_timeout(&self) -> Duration {
        Duration::from_secs(self.print_timeout_seconds)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../config/kiosk.toml");

    #[test]
    fn the_example_config_reads() {
        let config = KioskConfig::parse(EXAMPLE).expect("config/kiosk.toml");
        assert_eq!(config.office, "kanim-jaksel");
        assert_eq!(config.language, Lang::Id);
    }

    #[test]
    fn printers_are_named_plainly() {
        assert_eq!(PrinterTarget::parse("cups").expect("cups"), PrinterTarget::Cups(None));
        assert_eq!(
            PrinterTarget::parse("cups:TM-T82").expect("named"),
            PrinterTarget::Cups(Some("TM-T82".into()))
        );
        assert_eq!(
            PrinterTarget::parse("file:/var/tiket").expect("folder"),
            PrinterTarget::Folder("/var/tiket".into())
        );
        let error = PrinterTarget::parse("usb").expect_err("unknown");
        assert!(error.to_string().contains("cups:NAME"), "{error}");
    }

    #[test]
    fn mistakes_are_named() {
        let bad = EXAMPLE.replace("idle_timeout_seconds = 30", "idle_timeout_seconds = 1");
        let error = KioskConfig::parse(&bad).expect_err("too short");
        assert!(format!("{error:#}").contains("idle_timeout_seconds"), "{error:#}");
        let bad = EXAMPLE.replace("hub_url = \"http://", "hub_url = \"ftp://");
        assert!(KioskConfig::parse(&bad).is_err());
        let bad = format!("{EXAMPLE}\nprinterr = \"cups\"\n");
        assert!(format!("{:#}", KioskConfig::parse(&bad).expect_err("typo")).contains("printerr"));
    }
}
