//! Printing for real through CUPS: a check-in at the kiosk sends a job to the cups-pdf
//! printer, whose output PDF holds the ticket's number. CI installs cups and
//! printer-driver-cups-pdf and adds the printer (`.ci/run`); `ANTRIAN_CUPS_PRINTER` (default
//! `PDF`) and `ANTRIAN_CUPS_PDF_DIR` (default `~/PDF`, cups-pdf's `Out`) name them.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use antrian_e2e::system_tool;
use antrian_kiosk::KioskConfig;
use common::*;

fn printer_ready(name: &str) -> bool {
    let ready = Command::new("lpstat").args(["-p", name]).output().is_ok_and(|o| o.status.success());
    if !ready {
        if std::env::var("ANTRIAN_REQUIRE_SYSTEM").as_deref() == Ok("1") {
            panic!("CUPS printer {name} is required (ANTRIAN_REQUIRE_SYSTEM=1) but not set up");
        }
        eprintln!("\n*** SKIPPED: no CUPS printer {name} (lpadmin -p {name} -v cups-pdf:/ -E -m ...) ***\n");
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
