//! Printing for real through CUPS: a check-in at the kiosk sends a job to the cups-pdf
//! printer, whose output PDF holds the ticket's number. CI installs cups and
//! printer-driver-cups-pdf and adds the printer (`.ci/run`); `ANTRIAN_CUPS_PRINTER` (default
//! `PDF`) and `ANTRIAN_CUPS_PDF_DIR` (default `~/PDF`, cups-pdf's `Out`) name them.
//!
//! And printers that do not print: one CUPS has stopped (as it does when a thermal printer
//! reports no paper) and one that never answers. Each test adds its own queue with `lpadmin`
//! and removes it after.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use antrian_e2e::{missing, system_tool};
use antrian_kiosk::KioskConfig;
use common::*;
use egui_kittest::kittest::Queryable;

fn printer_ready(name: &str) -> bool {
    let ready = Command::new("lpstat").args(["-p", name]).output().is_ok_and(|o| o.status.success());
    if !ready {
        missing(
            &format!("there is no CUPS printer {name}"),
            &format!("lpadmin -p {name} -v cups-pdf:/ -E -m ..."),
        );
    }
    ready
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_prints_a_cups_job_holding_the_number() {
    if !(system_tool("lp") && system_tool("lpstat") && system_tool("pdftotext")) {
        return;
    }
    let printer = std::env::var("ANTRIAN_CUPS_PRINTER").unwrap_or_else(|_| "PDF".into());
    if !printer_ready(&printer) {
        return;
    }
    let out_dir = std::env::var("ANTRIAN_CUPS_PDF_DIR").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join("PDF")
    });
    let office = Office::start(&[]).await;
    let booking = office.book(today(), "09:00", 51).await;
    let config = KioskConfig { printer: format!("cups:{printer}"), ..office.kiosk_config() };
    let mut kiosk = kiosk(config);
    wait_text(&mut kiosk, "Pindai kode QR");
    let started = std::time::SystemTime::now();
    scan(&mut kiosk, &booking.qr);
    wait_text(&mut kiosk, "Silakan ambil tiket Anda");

    // cups-pdf names its output after the job title: 20261125-A001.
    let deadline = Instant::now() + Duration::from_secs(60);
    let pdf = loop {
        let found = std::fs::read_dir(&out_dir).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| {
                p.file_name().is_some_and(|n| n.to_string_lossy().contains("20261125-A001"))
                    && std::fs::metadata(p).and_then(|m| m.modified()).is_ok_and(|m| m >= started)
            })
        });
        if let Some(path) = found {
            break path;
        }
        assert!(Instant::now() < deadline, "no cups-pdf output for A001 in {}", out_dir.display());
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500)); // let cups-pdf finish writing
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("A001"), "the printed ticket holds the number:\n{text}");
}

/// A CUPS queue of this test's own, removed when dropped.
struct Queue(&'static str);

impl Queue {
    /// Adds `name` sending to `uri`, accepting jobs; `None` (said loudly) where this user
    /// cannot add printers.
    fn add(name: &'static str, uri: &str) -> Option<Queue> {
        let added = Command::new("lpadmin")
            .args(["-p", name, "-v", uri, "-m", "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd", "-E"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !added {
            missing(&format!("the CUPS queue {name} cannot be added"), "lpadmin needs CUPS and admin rights");
            return None;
        }
        Some(Queue(name))
    }

    fn pending_jobs(&self) -> String {
        let output =
            Command::new("lpstat").args(["-W", "not-completed", "-o", self.0]).output().expect("lpstat");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        let _ = Command::new("cancel").args(["-a", self.0]).output();
        let _ = Command::new("lpadmin").args(["-x", self.0]).output();
    }
}

/// Checks in at a kiosk printing to `queue` with a print timeout of `timeout_s`; the kiosk
/// must show the number and say that the ticket was not printed. The time that took.
async fn check_in_without_a_ticket(queue: &Queue, timeout_s: u64) -> Duration {
    let office = Office::start(&[]).await;
    let booking = office.book(today(), "09:00", 52).await;
    let config = KioskConfig {
        printer: format!("cups:{}", queue.0),
        print_timeout_seconds: timeout_s,
        ..office.kiosk_config()
    };
    let mut kiosk = kiosk(config);
    wait_text(&mut kiosk, "Pindai kode QR");
    let started = Instant::now();
    scan(&mut kiosk, &booking.qr);
    wait_text(&mut kiosk, "Tiket tidak dapat dicetak");
    let took = started.elapsed();
    assert!(kiosk.query_by_label("A001").is_some(), "the number stays on screen to be noted");
    assert!(kiosk.query_by_label_contains("Silakan ambil tiket").is_none(), "no promise of a ticket");
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_printer_is_reported_at_once_and_its_job_cancelled() {
    if !(system_tool("lp") && system_tool("lpstat") && system_tool("lpadmin") && system_tool("cupsdisable")) {
        return;
    }
    let Some(queue) = Queue::add("ANTRIAN-TEST-STOPPED", "cups-pdf:/") else { return };
    // Stopped, still accepting jobs: what CUPS does when the printer reports an error.
    let stopped =
        Command::new("cupsdisable").args(["-r", "media-empty", queue.0]).status().expect("cupsdisable");
    assert!(stopped.success());
    let took = check_in_without_a_ticket(&queue, 60).await;
    assert!(
        took < Duration::from_secs(15),
        "a stopped printer is seen without waiting out the timeout: {took:?}"
    );
    assert_eq!(queue.pending_jobs(), "", "the job was cancelled: it cannot come out later for someone else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printer_that_never_prints_times_out_and_its_job_is_cancelled() {
    if !(system_tool("lp") && system_tool("lpstat") && system_tool("lpadmin")) {
        return;
    }
    // Nothing listens on the discard port: the job waits for a printer that never answers.
    let Some(queue) = Queue::add("ANTRIAN-TEST-SILENT", "socket://127.0.0.1:9") else { return };
    let took = check_in_without_a_ticket(&queue, 3).await;
    assert!(took >= Duration::from_secs(3), "it waited for the printer first: {took:?}");
    assert_eq!(queue.pending_jobs(), "", "the job was cancelled: it cannot come out later for someone else");
}
