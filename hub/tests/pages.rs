//! The applicant's pages through real HTTP: booking page, confirmation (HTML and PDF, whose
//! QR must decode to a code the kiosk accepts), and the ticket status page.

mod common;

use antrian_proto::Role;
use chrono::NaiveDate;
use common::*;

const TOMORROW: &str = "2026-11-26";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_booking_page_is_served_in_both_languages_with_a_strict_policy() {
    let hub = TestHub::start().await;
    let response = reqwest::get(format!("{}/book", hub.url)).await.expect("page");
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    let html = response.text().await.expect("html");
    assert!(html.contains("lang=\"id\"") && html.contains("Pilih layanan") && html.contains("Paspor Baru"));
    assert!(!html.contains("Pengambilan Paspor"), "walk-in services are not offered for booking");
    let english =
        reqwest::get(format!("{}/book?lang=en", hub.url)).await.expect("page").text().await.expect("html");
    assert!(
        english.contains("lang=\"en\"")
            && english.contains("Choose a service")
            && english.contains("New passport")
    );
    for asset in ["app.css", "book.js", "status.js"] {
        let response = reqwest::get(format!("{}/assets/{asset}", hub.url)).await.expect("asset");
        assert_eq!(response.status(), 200, "{asset}");
    }
    assert_eq!(reqwest::get(format!("{}/assets/secret.txt", hub.url)).await.expect("asset").status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_confirmation_shows_the_booking_escapes_the_name_and_hides_it_without_the_nik_digits() {
    let hub = TestHub::start_with(booking_config(20, &[]), MORNING).await;
    let mut request = booking_request(date(TOMORROW), "10:00", 1);
    request.name = "<script>alert(1)</script>".into();
    let booked = hub.anonymous().book(&request).await.expect("book");
    let url = format!("{}/booking/{}?nik_last4={}", hub.url, booked.booking_code, booked.nik_last4);
    let html = reqwest::get(&url).await.expect("page").text().await.expect("html");
    assert!(html.contains(&booked.booking_code));
    assert!(html.contains("Kamis, 26 November 2026"), "the date the Indonesian way");
    assert!(html.contains("10:00–11:00") && html.contains("09:00 dan 11:00"), "slot and arrival window");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || html.contains("&lt;script&gt;"),
        "escaped"
    );
    assert!(!html.contains("<script>alert(1)"), "never raw");
    assert!(html.contains("<svg"), "the QR code is drawn");
    let wrong = reqwest::get(format!("{}/booking/{}?nik_last4=0000", hub.url, booked.booking_code))
        .await
        .expect("page");
    assert_eq!(wrong.status(), 404);
    assert!(!wrong.text().await.expect("html").contains(&booked.qr), "no QR for a guess");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_confirmation_pdf_renders_and_its_qr_checks_in_on_the_booked_date() {
    let hub = TestHub::start_with(booking_config(20, &[]), MORNING).await;
    let booked = hub.anonymous().book(&booking_request(date(TOMORROW), "10:00", 1)).await.expect("book");
    let response = reqwest::get(format!(
        "{}/booking/{}/pdf?nik_last4={}",
        hub.url, booked.booking_code, booked.nik_last4
    ))
    .await
    .expect("pdf");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"));
    if !(system_tool("pdftoppm") && system_tool("zbarimg")) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("bukti.pdf");
    std::fs::write(&pdf, &bytes).expect("write");
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "100"])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm");
    assert!(rendered.success());
    let png = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a rendered page");
    let decoded =
        std::process::Command::new("zbarimg").args(["-q", "--raw"]).arg(&png).output().expect("zbarimg");
    let text = String::from_utf8_lossy(&decoded.stdout).trim().to_owned();
    assert_eq!(text, booked.qr, "the PDF's QR holds the booking's signed text");
    // On the booked date, the kiosk accepts it.
    hub.set_clock("2026-11-26T09:30:00+07:00");
    let answer = hub.kiosk().await.checkin_qr(&text).await.expect("check-in with the decoded QR");
    assert_eq!(answer.ticket.number, "A001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_status_page_shows_the_ticket_and_refuses_a_forged_token() {
    let hub = TestHub::start().await;
    let ticket = hub.kiosk().await.walkin("D", None).await.expect("walk-in");
    let html = reqwest::get(&ticket.status_url).await.expect("page").text().await.expect("html");
    assert!(html.contains(&ticket.number) && html.contains("Menunggu") && html.contains("/assets/status.js"));
    let staff = hub.login_as("loket", Role::Staff).await;
    staff.call_next("8", None).await.expect("call").expect("ticket");
    let html = reqwest::get(format!("{}?lang=en", ticket.status_url))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Called") && html.contains("Please go to") && html.contains("Loket 8"));
    let forged = format!("{}/t/{}-aaaaaaaaaaaaaaaa", hub.url, ticket.id);
    assert_eq!(reqwest::get(forged).await.expect("page").status(), 404);
}

/// Issue 18, item 5: every text of the confirmation PDF stays inside its column and on the
/// page, for the longest name the booking form takes and an office with a long name and
/// address, in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_text_runs_off_the_confirmation_whatever_the_names() {
    if !system_tool("pdftotext") {
        return;
    }
    let config = booking_config(
        20,
        &[(
            "name = \"Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan\"",
            "name = \"Kantor Imigrasi Kelas I Khusus Tempat Pemeriksaan Imigrasi Jakarta Selatan dan Sekitarnya\"",
        )],
    );
    let hub = TestHub::start_with(config, MORNING).await;
    let mut request = booking_request(date(TOMORROW), "10:00", 1);
    request.name =
        "Raden Mas Haryo Bagus Setiawan Kusumawardhana Prawiranegara Adiningrat Wicaksono Putra".into();
    let booked = hub.anonymous().book(&request).await.expect("book");
    let dir = tempfile::tempdir().expect("tempdir");
    for lang in ["id", "en"] {
        let url = format!(
            "{}/booking/{}/pdf?nik_last4={}&lang={lang}",
            hub.url, booked.booking_code, booked.nik_last4
        );
        let bytes = reqwest::get(url).await.expect("pdf").bytes().await.expect("bytes");
        let pdf = dir.path().join(format!("bukti-{lang}.pdf"));
        std::fs::write(&pdf, &bytes).expect("write");
        let (margin, page) = (20.0 / 25.4 * 72.0, 210.0 / 25.4 * 72.0);
        let words: Vec<(String, f64, f64)> =
            pdf_words(&pdf).into_iter().map(|w| (w.text, w.x_min, w.x_max)).collect();
        for word in ["Adiningrat", "Putra", "Sekitarnya"] {
            assert!(words.iter().any(|(w, _, _)| w == word), "{word:?} is in the PDF ({lang})");
        }
        for (word, left, right) in &words {
            assert!(
                *left >= margin - 0.5 && *right <= page - margin + 0.5,
                "{word:?} runs past the margins ({left:.1}-{right:.1} pt, {lang})"
            );
        }
    }
}

/// The word for the queue is the standard "antrean" on every page people read (issue 18,
/// item 10: the pages said "Antrian", the kiosk "antrean"): booking, confirmation, status,
/// and the staff console's login, counter, floor and report pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_spells_the_queue_antrean() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let booked = book(&admin, "13:00", 1, 31).await.remove(0);
    let ticket = hub.kiosk().await.walkin("D", None).await.expect("walk-in");
    hub.add_user("kepala", "kepala-password", Role::Supervisor).await;
    let cookie = console_cookie(&hub, "kepala", "kepala-password").await;
    let http = reqwest::Client::new();
    let pages = [
        format!("{}/book", hub.url),
        format!("{}/booking/{}?nik_last4={}", hub.url, booked.booking_code, booked.nik_last4),
        ticket.status_url.clone(),
        format!("{}/staff/login", hub.url),
        format!("{}/staff/counter", hub.url),
        format!("{}/staff/counter/1", hub.url),
        format!("{}/staff/supervisor", hub.url),
        format!("{}/staff/reports", hub.url),
    ];
    let mut said = 0;
    for page in &pages {
        let response = http.get(page).header("cookie", &cookie).send().await.expect("page");
        assert_eq!(response.status(), 200, "{page}");
        let html = response.text().await.expect("html").to_lowercase();
        assert!(!html.contains("antrian"), "{page} says \"antrian\"");
        said += usize::from(html.contains("antrean"));
    }
    // The booking, confirmation, status and floor pages name the queue.
    assert!(said >= 4, "{said} pages say \"antrean\"");
}
