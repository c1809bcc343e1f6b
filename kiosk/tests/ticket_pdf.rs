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
