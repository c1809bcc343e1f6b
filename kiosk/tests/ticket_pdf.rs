//! The ticket as printed: `antrian-kiosk render-ticket` on a ticket the real hub issued gives
//! an 80 mm wide PDF whose text holds the number and whose QR code reads back as the ticket's
//! status URL (poppler-utils and zbar-tools); a file that is not a ticket is refused.

mod common;

use std::process::Command;

use antrian_e2e::system_tool;
use common::*;

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().expect("run");
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rendered_ticket_is_80mm_wide_with_its_number_and_a_readable_status_qr() {
    if !(system_tool("pdftotext") && system_tool("pdftoppm") && system_tool("zbarimg")) {
        return;
    }
    let office = Office::start(&[]).await;
    let kiosk_client = antrian_proto::Client::new(&office.url).with_token(&office.kiosk_token);
    kiosk_client.walkin("P", None).await.expect("walk-in");
    let ticket = kiosk_client.walkin("P", None).await.expect("walk-in");
    assert_eq!(ticket.number, "P002");
    let dir = office.dir.path();
    let json = dir.join("ticket.json");
    std::fs::write(&json, serde_json::to_string_pretty(&ticket).expect("json")).expect("write");
    let binary = env!("CARGO_BIN_EXE_antrian-kiosk");
    for reprint in [false, true] {
        let pdf = dir.join(format!("ticket-{reprint}.pdf"));
        let mut args = vec!["render-ticket", json.to_str().expect("utf8"), pdf.to_str().expect("utf8")];
        if reprint {
            args.push("--reprint");
        }
        run(binary, &args);
        let info = run("pdfinfo", &[pdf.to_str().expect("utf8")]);
        let size = info.lines().find(|l| l.starts_with("Page size:")).expect("page size");
        let width: f64 = size.split_whitespace().nth(2).expect("width").parse().expect("number");
        assert!((width / 72.0 * 25.4 - 80.0).abs() < 0.1, "80 mm wide: {size}");
        let text = run("pdftotext", &["-layout", pdf.to_str().expect("utf8"), "-"]);
        assert!(text.contains("P002"), "the number is on the ticket:\n{text}");
        assert!(text.contains("PRIORITAS"), "a priority ticket says so:\n{text}");
        assert_eq!(text.contains("CETAK ULANG"), reprint, "only a reprint says CETAK ULANG:\n{text}");
        let png = dir.join(format!("ticket-{reprint}"));
        run(
            "pdftoppm",
            &["-png", "-r", "200", "-singlefile", pdf.to_str().expect("utf8"), png.to_str().expect("utf8")],
        );
        let decoded = run("zbarimg", &["-q", "--raw", &format!("{}.png", png.display())]);
        assert_eq!(decoded.trim(), ticket.status_url, "the QR code leads to the ticket's status page");
        // And that page is the live status of this very ticket.
        let token = ticket.status_url.rsplit('/').next().expect("token");
        let status = antrian_proto::Client::new(&office.url).status(token).await.expect("status");
        assert_eq!(status.number, "P002");
    }
}

#[test]
fn a_file_that_is_not_a_ticket_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("not-a-ticket.json");
    std::fs::write(&json, r#"{"number": "A001"}"#).expect("write");
    let out = dir.path().join("out.pdf");
    let output = Command::new(env!("CARGO_BIN_EXE_antrian-kiosk"))
        .args(["render-ticket", json.to_str().expect("utf8"), out.to_str().expect("utf8")])
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a Ticket object"), "{stderr}");
    assert!(!out.exists(), "no PDF written");
}

/// The words of a PDF page with their left and right edges in points (`pdftotext -bbox`).
fn word_boxes(pdf: &std::path::Path) -> Vec<(String, f64, f64)> {
    let html = run("pdftotext", &["-bbox", pdf.to_str().expect("utf8"), "-"]);
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        tag[start..].split('"').next().expect("value").parse().expect("number")
    };
    html.split("<word ")
        .skip(1)
        .map(|part| {
            let (tag, rest) = part.split_once('>').expect("tag");
            let text = rest.split("</word>").next().expect("text").to_owned();
            (text, attribute(tag, "xMin"), attribute(tag, "xMax"))
        })
        .collect()
}

/// Issue 18, item 5: every text on the ticket stays on the 80 mm paper, however long the
/// office's or the service's name — here the demo office's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_text_runs_off_the_ticket_whatever_the_names() {
    if !system_tool("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ticket = antrian_kiosk::ticket::sample(chrono::Local::now().fixed_offset());
    ticket.service_name =
        "Penggantian Paspor karena Hilang atau Rusak, Layanan Percepatan Hari yang Sama".into();
    ticket.stage_name = "Pemeriksaan Berkas dan Verifikasi Dokumen Kependudukan".into();
    let json = dir.path().join("ticket.json");
    std::fs::write(&json, serde_json::to_string(&ticket).expect("json")).expect("write");
    let binary = env!("CARGO_BIN_EXE_antrian-kiosk");
    let cases = [
        ("Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan", "A012", ["KANTOR", "SELATAN"]),
        ("Kanim Batam", "PCPT012", ["KANIM", "BATAM"]),
    ];
    for (header, number, header_words) in cases {
        ticket.number = number.into();
        std::fs::write(&json, serde_json::to_string(&ticket).expect("json")).expect("write");
        let pdf = dir.path().join(format!("{number}.pdf"));
        run(
            binary,
            &["render-ticket", json.to_str().expect("utf8"), pdf.to_str().expect("utf8"), "--header", header],
        );
        let paper = 80.0 / 25.4 * 72.0;
        let words = word_boxes(&pdf);
        for word in header_words.into_iter().chain(["Percepatan", "Sama", number]) {
            assert!(words.iter().any(|(w, _, _)| w == word), "{word:?} is on the ticket: {words:?}");
        }
        for (word, left, right) in &words {
            assert!(
                *left >= 0.0 && *right <= paper,
                "{word:?} runs off the paper ({left:.1}-{right:.1} of {paper:.1} pt)"
            );
        }
    }
}

/// Issue 18, item 7: `render-ticket` takes a Ticket object exactly as API.md describes it —
/// an older hub's, without the fields added since — and one with fields it does not know, and
/// a check-in's answer around one.
#[test]
fn a_ticket_as_api_md_gives_it_and_one_from_a_newer_hub_both_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = env!("CARGO_BIN_EXE_antrian-kiosk");
    let older = serde_json::json!({
        "id": "20261125-A001", "number": "A001", "office": "kanim-jaksel", "service": "A",
        "stage": "berkas", "state": "waiting", "priority": false, "counter": null, "booking_code": null,
        "people_ahead": 4, "eta_minutes": 12, "status_url": "http://192.168.1.10:8080/t/20261125-A001-x",
        "checked_in_at": "2026-11-25T09:05:00+07:00", "called_at": null
    });
    let mut newer = older.clone();
    newer["number"] = "A002".into();
    newer["service_name"] = "Paspor Baru".into();
    newer["lane"] = "express".into();
    newer["state"] = "on_hold".into();
    // And a check-in's answer as the hub gives it, the ticket inside (what an installer saves
    // from `curl … /walkins` to try the printer).
    let answer = serde_json::json!({"ticket": older.clone(), "reprint": false});
    for (name, ticket) in [("older", older), ("newer", newer), ("answer", answer)] {
        let json = dir.path().join(format!("{name}.json"));
        std::fs::write(&json, ticket.to_string()).expect("write");
        let pdf = dir.path().join(format!("{name}.pdf"));
        let output = Command::new(binary)
            .args(["render-ticket", json.to_str().expect("utf8"), pdf.to_str().expect("utf8")])
            .output()
            .expect("run");
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF-"), "{name}");
    }
}
