//! The applicant's online journey in a real browser (issue 14): headless Chromium drives the
//! pages of two `antrian-central` replicas on a real PostgreSQL, with a real SMTP server
//! (aiosmtpd) receiving the mail and a real `antrian-hub` following the service.
//!
//! - By mouse, in Indonesian (acceptance 1): the code from the mail; an applicant whose NIK
//!   disagrees with the birth date, refused beside the field, then corrected; four refused
//!   uploads (0 bytes, a text file called .jpg, 30 MB, a damaged PDF), each with its own
//!   sentence and nothing stored; three documents, one an 8 MB camera photo; the office search;
//!   a date; a slot; the bill; a signed payment notification turns the page into the
//!   confirmation; the PDF's QR (pdftoppm + zbarimg) checks in at the hub; the check-in and a
//!   supervisor's "ready for pickup" appear on the open page's timeline without a reload.
//! - By keyboard alone, in English (acceptance 2): Tab, Shift+Tab, Enter, Space and the arrow
//!   keys, to the confirmation.
//! - Every page in both languages gets axe-core (the npm package, injected): no violation of
//!   impact serious or critical (acceptance 3); every page's weight is measured (under 150 kB)
//!   and, with `ANTRIAN_SCREENSHOTS=DIR`, saved as a phone-size picture (acceptance 6).

#[path = "../../central/tests/common/mod.rs"]
mod common;
#[path = "../../hub/tests/common/web.rs"]
#[allow(dead_code)]
mod web;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use antrian_e2e::{RunningHub, office_hub, system_tool};
use common::*;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// The service's day: Wednesday 2 December, ten in the morning in Jakarta.
const CENTRAL_CLOCK: &str = "2026-12-02T10:00:00+07:00";
/// The hub's: Thursday morning, when the 09:00 bookings check in.
const HUB_CLOCK: &str = "2026-12-03T08:30:00+07:00";
/// A page may weigh at most this, all it loads included (uploads aside).
const PAGE_LIMIT: u64 = 150 * 1024;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SHIFT_TAB: &str = "\u{E008}\u{E004}\u{E000}";
const ARROW_DOWN: &str = "\u{E015}";

/// The browser, with what every page gets: axe, its weight, its picture.
struct Tour {
    client: Client,
    base: String,
    axe: Option<String>,
    /// (page, language, bytes)
    weights: Vec<(String, String, u64)>,
    problems: Vec<String>,
}

impl Tour {
    async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.expect("navigate");
    }

    /// The signed-in session's token (the cookie holds the API's Bearer token).
    async fn session(&self) -> String {
        self.client.get_named_cookie("antrian_sesi").await.expect("the session cookie").value().to_owned()
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        for _ in 0..100 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                return element;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = self.text("main").await;
        panic!("no {css} on {url}; the page says: {text}");
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn type_in(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn path(&self) -> String {
        self.client.current_url().await.map(|u| u.path().to_owned()).unwrap_or_default()
    }

    /// Waits until `css` shows `expected` (up to `seconds`).
    async fn wait_text(&self, css: &str, expected: &str, seconds: u64) {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            if self.text(css).await.contains(expected) {
                return;
            }
            if Instant::now() >= deadline {
                let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                panic!(
                    "{css} never showed {expected:?}; it shows {:?}; the page ({url}) says: {}",
                    self.text(css).await,
                    self.text("body").await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Keys pressed on the keyboard (WebDriver actions: they go where the focus is). Shift
    /// (`\u{E008}`) stays down until `\u{E000}`.
    async fn keys(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        let mut held = Vec::new();
        for key in keys.chars() {
            match key {
                '\u{E008}' => {
                    actions = actions.then(KeyAction::Down { value: key });
                    held.push(key);
                }
                '\u{E000}' => {
                    for key in held.drain(..) {
                        actions = actions.then(KeyAction::Up { value: key });
                    }
                }
                _ => {
                    actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key })
                }
            }
        }
        for key in held {
            actions = actions.then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.expect("keys");
    }

    async fn focused_matches(&self, css: &str) -> bool {
        self.client
            .execute("return document.activeElement.matches(arguments[0]);", vec![json!(css)])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Tab (or Shift+Tab) until the focus is on `css`, as a keyboard user does.
    async fn tab_to(&self, css: &str) {
        self.tab_to_with(css, TAB).await;
    }

    async fn tab_to_with(&self, css: &str, key: &str) {
        for _ in 0..80 {
            if self.focused_matches(css).await {
                return;
            }
            self.keys(key).await;
        }
        panic!("the keyboard never reached {css}");
    }

    /// What every page gets: its weight, axe-core, and its picture. `name` names the page.
    async fn check(&mut self, name: &str) {
        // The page has loaded when its script has run.
        let _ = self.client.execute("return document.readyState;", vec![]).await;
        let lang = self
            .client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let weight = self
            .client
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0];
                 let total = nav ? (nav.encodedBodySize || nav.transferSize) : 0;
                 for (const r of performance.getEntriesByType('resource')) {
                   if (!r.name.includes('/documents/')) { total += r.encodedBodySize || r.transferSize; }
                 }
                 return total;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        assert!(weight > 0 && weight < PAGE_LIMIT, "{name} ({lang}) weighs {weight} bytes");
        self.weights.push((name.to_owned(), lang.clone(), weight));
        for violation in web::axe_problems(&self.client, self.axe.as_deref()).await {
            self.problems.push(format!("{name} ({lang}): {violation}"));
        }
        if let Ok(dir) = std::env::var("ANTRIAN_SCREENSHOTS") {
            let height = self
                .client
                .execute("return document.documentElement.scrollHeight;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_u64())
                .unwrap_or(915)
                .clamp(915, 4000) as u32;
            let _ = self.client.set_window_size(412, height + 100).await;
            let _ = self.client.execute("window.scrollTo(0, 0);", vec![]).await;
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(Path::new(&dir).join(format!("central-{name}-{lang}.png")), png).expect("write");
            let _ = self.client.set_window_size(412, 915).await;
        }
    }

    /// The same page in the other language too (a GET page), then back.
    async fn check_both(&mut self, name: &str) {
        self.check(name).await;
        let url = self.client.current_url().await.expect("url");
        self.click("a.lang").await;
        self.find("main").await;
        self.check(name).await;
        self.click("a.lang").await;
        self.find("main").await;
        let _ = url;
    }

    fn report(&self) {
        let mut table = String::from("page weights (bytes, all a page loads, cold):\n");
        for (name, lang, weight) in &self.weights {
            table.push_str(&format!("  {name:<22} {lang}  {weight:>7}\n"));
        }
        eprintln!("{table}");
        assert!(
            self.problems.is_empty(),
            "axe-core found serious or critical problems:\n{}",
            self.problems.join("\n")
        );
    }
}

/// Everything a journey needs: the service with two replicas, the SMTP server, Chromium.
struct World {
    service: Service,
    smtp: Smtp,
    a: Replica,
    b: Replica,
    _driver: web::Driver,
    files: tempfile::TempDir,
}

async fn world() -> Option<(World, Tour)> {
    BIN_PATH.get_or_init(antrian_e2e::central_binary);
    if !system_tool("chromedriver") {
        return None;
    }
    let service = Service::start(20).await?;
    let smtp = Smtp::start(&service)?;
    let axe = web::axe_source();
    let a = service.replica(CENTRAL_CLOCK).await;
    let b = service.replica(CENTRAL_CLOCK).await;
    let driver = web::start_chromedriver().await;
    let files = tempfile::tempdir().expect("tempdir");
    let client = web::browser(&driver, files.path()).await;
    let tour = Tour { client, base: b.url.clone(), axe, weights: Vec::new(), problems: Vec::new() };
    Some((World { service, smtp, a, b, _driver: driver, files }, tour))
}

/// Writes the test's files: the three documents and the four that must be refused.
fn make_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let files: Vec<(&str, &str, Vec<u8>)> = vec![
        ("photo", "ktp-kamera.jpg", phone_photo()),
        ("png", "kk.png", PNG.to_vec()),
        ("pdf", "akta.pdf", one_page_pdf()),
        ("empty", "kosong.jpg", Vec::new()),
        ("text", "catatan.jpg", b"ini berkas teks, bukan foto\n".to_vec()),
        ("huge", "besar.jpg", vec![0xFF; 30 * 1024 * 1024]),
        ("broken", "rusak.pdf", b"%PDF-1.4\n1 0 obj <<\ngarbage".to_vec()),
    ];
    files
        .into_iter()
        .map(|(key, name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write a file");
            (key, path)
        })
        .collect()
}

fn file<'a>(files: &'a [(&str, PathBuf)], key: &str) -> &'a str {
    files.iter().find(|(k, _)| *k == key).and_then(|(_, p)| p.to_str()).expect("file")
}

/// The applicant of the journeys: a woman born 17 August 1985 (NIK day 17 + 40 = 57).
const NIK: &str = "3174015708850042";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_applicant_goes_the_whole_way_by_mouse_and_follows_it_to_pickup() {
    if !system_tool("pdftoppm") || !system_tool("zbarimg") {
        return;
    }
    let Some((world, mut tour)) = world().await else { return };
    let files = make_files(world.files.path());
    let (ok, hub_token, err) = world.service.cli(&["hub", "add", "kanim-jaksel"]).await;
    assert!(ok, "{err}");
    let hub_dir = tempfile::tempdir().expect("tempdir");
    let (global, kiosk_token) =
        office_hub(hub_dir.path(), &world.a.url, &hub_token, &world.service.public_key);
    let global: Vec<&str> = global.iter().map(String::as_str).collect();
    let hub = RunningHub::start(&global, &["--clock", HUB_CLOCK], &hub_dir.path().join("hub.log"));
    hub.wait_healthy().await;

    // Sign in: the code comes by mail.
    let email = "ibu.sari@example.test";
    tour.goto("/").await;
    tour.find("#email").await;
    tour.check_both("signin").await;
    tour.type_in("#email", "ibu.sari.example.test").await;
    tour.click("form[action='/signin'] button").await;
    tour.wait_text("#email-error", "tidak lengkap", 5).await;
    tour.type_in("#email", email).await;
    tour.click("form[action='/signin'] button").await;
    tour.find("#code").await;
    tour.check_both("code").await;
    let mail = wait_mail(&world.smtp.maildir, email, "Kode masuk", 15).await;
    let code = sign_in_code(&mail).expect("the code");
    tour.type_in("#code", "000000").await;
    tour.click("form[action='/signin/code'] button").await;
    tour.wait_text("#code-error", "tidak cocok", 5).await;
    tour.type_in("#code", &code).await;
    tour.click("form[action='/signin/code'] button").await;
    tour.wait_text("h1", "Permohonan paspor Anda", 5).await;
    tour.check_both("home-empty").await;

    // The applicant: the birth date typed does not match the NIK; the page says exactly that.
    tour.click("a[href='/applicants/new']").await;
    tour.find("#nik").await;
    tour.check_both("applicant").await;
    tour.type_in("#nik", NIK).await;
    tour.type_in("#name", "Sari Wulandari").await;
    tour.click("input#sex-F + span").await;
    tour.type_in("#birth_place", "Jakarta").await;
    // A date field takes the digits in the browser's order (month, day, year in en-US).
    tour.type_in("#birth_date", "08181985").await;
    let typed = tour.find("#birth_date").await.prop("value").await.expect("value");
    assert_eq!(typed.as_deref(), Some("1985-08-18"), "the browser's date order");
    tour.type_in("#mother_name", "Siti Aminah").await;
    tour.type_in("#address", "Jl. Kemang Raya No. 5, Jakarta Selatan").await;
    tour.type_in("#phone", "0812 3456 7890").await;
    tour.click("form[action='/applicants/new'] button[type=submit]").await;
    tour.wait_text("#nik-error", "NIK tidak cocok dengan tanggal lahir", 5).await;
    let said = tour.text("#nik-error").await;
    assert!(said.contains("17-08-..85") && said.contains("18-08-1985"), "says which dates: {said}");
    let invalid = tour.find("#nik").await.attr("aria-invalid").await.expect("attr");
    assert_eq!(invalid.as_deref(), Some("true"));
    assert_eq!(
        tour.find("#name").await.prop("value").await.expect("value").as_deref(),
        Some("Sari Wulandari")
    );
    tour.check("applicant-refused").await;
    tour.type_in("#birth_date", "08171985").await;
    tour.click("form[action='/applicants/new'] button[type=submit]").await;
    tour.wait_text("h1", "Unggah dokumen", 5).await;
    tour.check_both("documents-empty").await;
    let applicant_path = tour.path().await;
    let applicant: i64 = applicant_path.split('/').nth(2).and_then(|n| n.parse().ok()).expect("applicant id");

    // Four refusals, each its own sentence beside the document, and nothing stored.
    for (key, says) in [
        ("empty", "kosong (0 byte)"),
        ("text", "bukan foto atau PDF"),
        ("huge", "paling besar 10 MB"),
        ("broken", "PDF ini tidak dapat dibuka"),
    ] {
        tour.find("#file-kk").await.send_keys(file(&files, key)).await.expect("choose a file");
        tour.click("#doc-kk button[type=submit]").await;
        tour.wait_text("#file-kk-error", says, 20).await;
        assert!(
            tour.client.find(Locator::Css("#doc-kk .stored")).await.is_err(),
            "nothing stored after {key}"
        );
    }
    tour.check("documents-refused").await;
    let stored: i64 = world
        .service
        .db()
        .await
        .query_one("SELECT count(*) FROM documents WHERE applicant_id = $1", &[&applicant])
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored, 0, "a refused upload stores nothing");

    // Three documents: the 8 MB camera photo, a PNG, a PDF; each shows what was stored.
    for (kind, key) in [("ktp", "photo"), ("kk", "png"), ("birth_proof", "pdf")] {
        tour.find(&format!("#file-{kind}")).await.send_keys(file(&files, key)).await.expect("choose");
        tour.click(&format!("#doc-{kind} button[type=submit]")).await;
        tour.wait_text(&format!("#doc-{kind}"), "Tersimpan", 30).await;
    }
    let thumb = tour.find("#doc-ktp .stored img").await;
    let loaded = tour
        .client
        .execute(
            "return arguments[0].complete && arguments[0].naturalWidth;",
            vec![serde_json::to_value(&thumb).expect("el")],
        )
        .await
        .expect("thumbnail");
    assert_eq!(loaded.as_u64(), Some(320), "the thumbnail of the stored photo");
    assert!(tour.text("#doc-birth_proof .stored").await.contains("PDF"));
    tour.check_both("documents-done").await;

    // The office: searched by city, with its next free date.
    tour.click("a.primary[href^='/apply/']").await;
    tour.find("#q").await;
    tour.type_in("#q", "bali").await;
    tour.click("form[role=search] button[type=submit]").await;
    tour.wait_text("#results-h", "Kantor ditemukan: 1", 5).await;
    assert!(tour.text("main").await.contains("Denpasar"));
    tour.type_in("#q", "Jakarta Selatan").await;
    tour.click("form[role=search] button[type=submit]").await;
    tour.wait_text("main", "Tanggal terdekat yang masih ada tempat: Kam, 3 Des 2026", 5).await;
    tour.check_both("offices").await;
    tour.click("a.button[href*='/kanim-jaksel?']").await;
    tour.find("ul.days").await;
    let calendar = tour.text("ul.days").await;
    assert!(calendar.contains("Sab, 5 Des 2026") && calendar.contains("Tutup"), "{calendar}");
    assert!(calendar.contains("Dibuka"), "dates not released yet say when: {calendar}");
    tour.check_both("calendar").await;
    tour.click("a[href*='/2026-12-03?']").await;
    tour.find("input[name=slot]").await;
    tour.check_both("slots").await;
    assert!(tour.text(".total").await.contains("Rp 350.000"), "{}", tour.text(".facts").await);
    tour.click("form button.primary").await;
    tour.wait_text(".notice.bad", "Pilih salah satu jam dulu", 5).await;
    tour.check("slots-refused").await;
    tour.click("input[value='09:00'] + span").await;
    tour.click("form button.primary").await;

    // The bill, then a signed payment: the page becomes the confirmation by itself.
    tour.wait_text("h1", "Bayar tagihan Anda", 10).await;
    tour.check_both("bill").await;
    assert!(!tour.text(".countdown.big").await.is_empty(), "a live countdown");
    let bill_code: String = tour.text(".billcode").await.chars().filter(char::is_ascii_digit).collect();
    let application = tour.path().await.trim_start_matches("/applications/").to_owned();
    let bill = json!({"code": bill_code, "amount": 350000});
    let (body, signature) =
        notification(&bill, "BRI-77001", None, "2026-12-02T10:20:00+07:00", CHANNEL_SECRET);
    assert_eq!(notify(&http(), &world.a, &body, &signature).await.0, 200);
    tour.wait_text("h1", "Pendaftaran berhasil", 15).await;
    let booking_code = tour.text(".bookingcode .code").await;
    assert!(
        booking_code.len() >= 8 && booking_code.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{booking_code}"
    );
    assert!(tour.text(".arrive").await.contains("08:30 dan 10:00"), "{}", tour.text(".arrive").await);
    tour.check_both("confirmation").await;
    tour.click("a[href$='/move']").await;
    tour.find("ul.days").await;
    tour.check_both("move").await;
    tour.goto(&format!("/applications/{application}")).await;
    tour.find(".bookingcode").await;

    // The PDF's QR decodes and checks in at the hub.
    let pdf = http()
        .get(format!("{}/applications/{application}/pdf", world.b.url))
        .header("Cookie", format!("antrian_sesi={}", tour.session().await))
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf_path = world.files.path().join("bukti.pdf");
    std::fs::write(&pdf_path, pdf.bytes().await.expect("bytes")).expect("write");
    let png_base = world.files.path().join("bukti");
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-singlefile"])
        .arg(&pdf_path)
        .arg(&png_base)
        .output()
        .expect("pdftoppm");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(png_base.with_extension("png"))
        .output()
        .expect("zbarimg");
    let qr = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!qr.is_empty(), "the PDF's QR does not decode");
    if std::env::var("ANTRIAN_SCREENSHOTS").is_ok() {
        let dir = std::env::var("ANTRIAN_SCREENSHOTS").unwrap_or_default();
        let _ = std::fs::copy(
            png_base.with_extension("png"),
            Path::new(&dir).join("central-bukti-pendaftaran.png"),
        );
    }

    // The page stays open (no reload) while the office reports: check-in, then ready.
    tour.client.execute("window.__stayed = true;", vec![]).await.expect("mark the page");
    let kiosk = antrian_proto::Client::new(&hub.url).with_token(&kiosk_token);
    let deadline = Instant::now() + Duration::from_secs(15);
    let ticket = loop {
        match kiosk.checkin_qr(&qr).await {
            Ok(answer) => break answer.ticket,
            Err(error) => {
                assert!(Instant::now() < deadline, "the QR does not check in at the hub: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    assert!(ticket.number.starts_with('A'), "{ticket:?}");
    tour.wait_text("#timeline", "Sudah hadir di kantor", 30).await;
    let (supervisor, _) =
        antrian_proto::Client::new(&hub.url).login("kasubsi", "kasubsi-password").await.expect("login");
    let marked = http()
        .post(format!("{}/api/v1/pickups/ready", hub.url))
        .bearer_auth(supervisor.token().expect("token"))
        .json(&json!({"booking_codes": [booking_code]}))
        .send()
        .await
        .expect("mark ready");
    assert_eq!(marked.status(), 200);
    tour.wait_text("#timeline", "Paspor siap diambil", 30).await;
    tour.wait_text("#state-label", "Paspor siap diambil", 5).await;
    tour.wait_text("main", "Paspor Anda sudah siap", 5).await;
    assert!(!tour.text("main").await.contains("Batalkan permohonan ini"), "no cancel once at the office");
    let stayed = tour.client.execute("return window.__stayed === true;", vec![]).await.expect("js");
    assert_eq!(stayed, Value::Bool(true), "the timeline moved without a reload");
    let timeline = tour.text("#timeline").await;
    for step in
        ["Menunggu pembayaran", "Terdaftar (sudah dibayar)", "Sudah hadir di kantor", "Paspor siap diambil"]
    {
        assert!(timeline.contains(step), "{step} on the timeline: {timeline}");
    }
    tour.check_both("timeline").await;

    // The mail of the journey arrived, in Indonesian; the confirmation carries the PDF.
    let confirmation = wait_mail(&world.smtp.maildir, email, "Bukti Pendaftaran", 15).await;
    assert!(
        confirmation
            .attachments
            .iter()
            .any(|(name, bytes)| name.ends_with(".pdf") && bytes.starts_with(b"%PDF"))
    );
    wait_mail(&world.smtp.maildir, email, "Tagihan paspor", 15).await;
    wait_mail(&world.smtp.maildir, email, "siap diambil", 30).await;

    tour.goto("/home").await;
    tour.check_both("home").await;
    tour.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_way_by_keyboard_alone_in_english() {
    let Some((world, mut tour)) = world().await else { return };
    let files = make_files(world.files.path());
    let email = "mr.wayan@example.test";
    // Signed out, the applicant form leads to the sign-in, and back to the form after it.
    tour.goto("/applicants/new?lang=en").await;
    tour.find("#email").await;
    tour.tab_to("#email").await;
    tour.keys(email).await;
    tour.keys(ENTER).await;
    tour.find("#code").await;
    let mail = wait_mail(&world.smtp.maildir, email, "sign-in code", 15).await;
    assert!(mail.text.contains("Never give this code to anyone"), "in English: {}", mail.text);
    let code = sign_in_code(&mail).expect("code");
    assert!(tour.focused_matches("#code").await, "the code field has the focus");
    tour.keys(&code).await;
    tour.keys(ENTER).await;
    tour.wait_text("h1", "Applicant details", 5).await;
    assert_eq!(tour.path().await, "/applicants/new");
    // The form by Tab; the sex by the arrow keys; a mistake first (a man's NIK for a woman).
    tour.tab_to("#nik").await;
    tour.keys("3174011708850042").await;
    tour.keys(TAB).await;
    tour.keys("Wayan Sudarma").await;
    tour.keys(TAB).await;
    assert!(tour.focused_matches("#sex-M").await, "the first choice of sex");
    tour.keys(ARROW_DOWN).await;
    assert!(tour.focused_matches("#sex-F").await, "the arrow moves to the next choice");
    tour.keys(TAB).await;
    tour.keys("Denpasar").await;
    tour.keys(TAB).await;
    // A date field takes the digits in the browser's order (month, day, year in en-US), and
    // Tab walks its parts before it leaves it.
    tour.keys("08171985").await;
    for (field, text) in [
        ("#mother_name", "Ni Made Ayu"),
        ("#address", "Jl. Raya Sesetan 12, Denpasar"),
        ("#phone", "081999888777"),
    ] {
        tour.tab_to(field).await;
        tour.keys(text).await;
    }
    let typed = tour.find("#birth_date").await.prop("value").await.expect("value");
    assert_eq!(typed.as_deref(), Some("1985-08-17"));
    tour.keys(ENTER).await;
    tour.wait_text("#nik-error", "The NIK does not match the sex", 5).await;
    tour.check("applicant-refused").await;
    // The list of problems has the focus; its link leads to the field.
    assert!(tour.focused_matches("#problems").await, "the problems are announced first");
    tour.tab_to("#problems a").await;
    tour.keys(ENTER).await;
    tour.tab_to("#sex-F").await;
    tour.keys("\u{E012}").await; // ArrowLeft: back to Male
    assert!(tour.focused_matches("#sex-M").await);
    tour.tab_to_with("button[type=submit].primary", TAB).await;
    tour.keys(SHIFT_TAB).await;
    assert!(tour.focused_matches("#phone").await, "Shift+Tab goes back");
    tour.tab_to("button[type=submit].primary").await;
    tour.keys(" ").await; // Space presses a button
    tour.wait_text("h1", "Upload the documents", 5).await;
    let applicant: i64 =
        tour.path().await.split('/').nth(2).and_then(|n| n.parse().ok()).expect("applicant id");

    // Documents: the file is chosen through WebDriver (the file dialog is the system's), the
    // rest by keys. First one that cannot be a photo.
    tour.find("#file-kk").await.send_keys(file(&files, "text")).await.expect("choose");
    tour.tab_to("#doc-kk button[type=submit]").await;
    tour.keys(ENTER).await;
    tour.wait_text("#file-kk-error", "is not a photo or a PDF", 10).await;
    assert!(tour.focused_matches("#file-kk-error").await, "the refusal has the focus");
    tour.check("documents-refused").await;
    for (kind, key) in [("ktp", "photo"), ("kk", "png"), ("birth_proof", "pdf")] {
        tour.find(&format!("#file-{kind}")).await.send_keys(file(&files, key)).await.expect("choose");
        tour.tab_to(&format!("#doc-{kind} button[type=submit]")).await;
        tour.keys(ENTER).await;
        tour.wait_text(&format!("#doc-{kind}"), "Saved", 30).await;
    }
    tour.check("documents-done").await;
    tour.tab_to("a.primary[href^='/apply/']").await;
    tour.keys(ENTER).await;
    tour.find("#q").await;
    tour.tab_to("#q").await;
    tour.keys("Jakarta").await;
    tour.keys(ENTER).await;
    tour.wait_text("#results-h", "Offices found: 1", 5).await;
    tour.check("offices").await;
    tour.tab_to("a.button[href*='/kanim-jaksel?']").await;
    tour.keys(ENTER).await;
    tour.find("ul.days").await;
    tour.check("calendar").await;
    tour.tab_to("a[href*='/2026-12-03?']").await;
    tour.keys(ENTER).await;
    tour.find("input[name=slot]").await;
    // Without a choice, the button says what to do; then the arrow keys choose.
    tour.tab_to("form button.primary").await;
    tour.keys(ENTER).await;
    tour.wait_text(".notice.bad", "Choose one of the times first", 5).await;
    tour.check("slots-refused").await;
    tour.tab_to("input[name=slot]").await;
    tour.keys(" ").await;
    tour.keys(ARROW_DOWN).await;
    let chosen = tour
        .client
        .execute("return document.querySelector('input[name=slot]:checked').value;", vec![])
        .await
        .expect("js");
    assert_eq!(chosen.as_str(), Some("09:00"), "the arrow key chose the second time");
    tour.tab_to("form button.primary").await;
    tour.keys(ENTER).await;
    tour.wait_text("h1", "Pay your bill", 10).await;
    tour.check("bill").await;
    let bill_code: String = tour.text(".billcode").await.chars().filter(char::is_ascii_digit).collect();
    let bill = json!({"code": bill_code, "amount": 350000});
    let (body, signature) =
        notification(&bill, "BNI-88002", None, "2026-12-02T10:30:00+07:00", CHANNEL_SECRET);
    assert_eq!(notify(&http(), &world.a, &body, &signature).await.0, 200);
    tour.wait_text("h1", "You are booked", 15).await;
    tour.check("confirmation").await;
    tour.tab_to("a.primary[href$='/pdf']").await;

    // The one reschedule: its rule is said before the button; by keys to a new date.
    assert!(tour.text("main").await.contains("changed once, up to the day before"));
    tour.tab_to("a[href$='/move']").await;
    tour.keys(ENTER).await;
    tour.find("ul.days").await;
    tour.check("move").await;
    tour.tab_to("a[href*='/move/2026-12-04']").await;
    tour.keys(ENTER).await;
    tour.find("input[name=slot]").await;
    tour.tab_to("input[name=slot]").await;
    tour.keys(" ").await;
    tour.tab_to("form button.primary").await;
    tour.keys(ENTER).await;
    tour.wait_text(".notice.good", "The date was changed", 10).await;
    let moved_id = tour.path().await.trim_start_matches("/applications/").to_owned();
    assert!(tour.text(".facts").await.contains("Friday, 4 December 2026"));
    assert!(!tour.text("main").await.contains("Choose a new date"), "moved once, not again");
    tour.check("moved").await;

    // A full date (every slot of Tuesday 8 December taken) offers its waitlist.
    let db = world.service.db().await;
    for slot in ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"] {
        db.execute(
            "INSERT INTO quota (office_id, date, slot, service, capacity, taken) VALUES ('kanim-jaksel', '2026-12-08', $1, 'A', 20, 20)",
            &[&slot],
        )
        .await
        .expect("fill the slot");
    }
    tour.goto(&format!("/apply/{applicant}/kanim-jaksel?service=A&type=ordinary&fast=0")).await;
    tour.wait_text("ul.days", "Full", 5).await;
    tour.tab_to("form[action='/waitlist'] button").await;
    tour.keys(ENTER).await;
    tour.wait_text(".notice.good", "You are on the waitlist, number 1", 5).await;
    tour.check("waitlist-joined").await;
    tour.goto(&format!("/apply/{applicant}/kanim-jaksel?service=A&type=ordinary&fast=0")).await;
    tour.tab_to("form[action='/waitlist'] button").await;
    tour.keys(ENTER).await;
    tour.wait_text("main", "already on that date's waitlist", 5).await;
    tour.goto(&format!("/applications/{}", moved_id)).await;
    tour.wait_text(".facts", "Friday, 4 December 2026", 5).await;

    // Cancelled, by the keyboard: the rule is said before the button, and the box must be
    // ticked first (the browser says so; so would the service).
    assert!(tour.text("main").await.contains("A fee already paid is not refunded"));
    tour.tab_to("#confirm").await;
    tour.keys(" ").await;
    tour.tab_to("button.danger").await;
    tour.keys(ENTER).await;
    tour.wait_text(".notice.good", "The application was cancelled", 10).await;
    tour.check_both("cancelled").await;

    // A page for what is not there says what to do.
    tour.goto("/applications/kanim-jaksel.NOSUCH").await;
    tour.wait_text("main", "was not found", 5).await;
    tour.check_both("not-found").await;

    // An unpaid bill runs out: the page says so and offers the calendar again (seen on a
    // replica whose clock is three hours on; the session is the same).
    let token = tour.session().await;
    let request = json!({"applicant": applicant, "office": "kanim-jaksel", "service": "A",
        "passport_type": "ordinary", "date": "2026-12-07", "slot": "10:00"});
    let (status, hold) =
        send(http().post(world.a.api("/applications")).bearer_auth(&token).json(&request)).await;
    assert_eq!(status, 201, "{hold}");
    let id = hold["id"].as_str().expect("id").to_owned();
    let later = world.service.replica("2026-12-02T13:00:00+07:00").await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (_, now) = send(http().get(later.api(&format!("/applications/{id}"))).bearer_auth(&token)).await;
        if now["state"] == "expired" {
            break;
        }
        assert!(Instant::now() < deadline, "the hold did not expire: {now}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tour.client.goto(&format!("{}/applications/{id}", later.url)).await.expect("navigate");
    tour.wait_text("h1", "The bill has expired", 5).await;
    tour.check_both("expired").await;
    tour.tab_to("a.primary[href^='/apply/']").await;
    tour.keys(ENTER).await;
    tour.find("ul.days").await;
    tour.report();
}

/// The waiting room's page (issue 15, acceptance 5): it computes the proof of work with Web
/// Crypto, shows its position, is admitted, and lands on the booking calendar, where the
/// release's date then books.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_waiting_room_page_computes_its_proof_of_work_and_lets_the_applicant_book() {
    BIN_PATH.get_or_init(antrian_e2e::central_binary);
    if !system_tool("chromedriver") {
        return;
    }
    let Some(service) = Service::start(20).await else { return };
    let text = std::fs::read_to_string(&service.config).expect("config");
    let at = text.find("release = { kind = \"rolling\"").expect("release");
    let end = at + text[at..].find('\n').expect("line") + 1;
    std::fs::write(
        &service.config,
        format!(
            "{}waiting_room = {{ prequeue_minutes = 30, open_minutes = 120, rate_per_minute = 12, max_active = 0, admission_minutes = 10, pow_bits = 12 }}\n{}",
            &text[..end],
            &text[end..]
        ),
    )
    .expect("config");
    // Half a minute after the release of 1 December (which opens 31 December).
    let replica = service.replica("2026-12-01T00:00:30+07:00").await;
    let driver = web::start_chromedriver().await;
    let files = tempfile::tempdir().expect("tempdir");
    let client = web::browser(&driver, files.path()).await;
    let mut tour = Tour {
        client,
        base: replica.url.clone(),
        axe: web::axe_source(),
        weights: Vec::new(),
        problems: Vec::new(),
    };
    let email = "pak.andi@example.test";
    tour.goto("/signin").await;
    tour.type_in("#email", email).await;
    tour.click("form[action='/signin'] button").await;
    tour.find("#code").await;
    let code = service.mailed_codes().get(email).cloned().expect("the code");
    tour.type_in("#code", &code).await;
    tour.click("form[action='/signin/code'] button").await;
    tour.wait_text("h1", "Permohonan paspor Anda", 5).await;
    let applicant = ready_applicant(&http(), &replica, &tour.session().await, 4).await;

    // The calendar says the release's dates go through the waiting room.
    tour.goto(&format!("/apply/{applicant}/kanim-jaksel?service=A&type=ordinary&fast=0")).await;
    tour.wait_text("#room-notice", "melalui ruang tunggu", 5).await;
    tour.click("#room-notice a").await;
    tour.find("#join").await;
    tour.check_both("waiting").await;
    let started = Instant::now();
    tour.click("#join").await;
    tour.wait_text("#place-state", "Urutan Anda: 1", 10).await;
    let pow = tour.find("#waiting").await.attr("data-pow-ms").await.expect("attr").unwrap_or_default();
    eprintln!(
        "proof of work (12 bits, Web Crypto): {pow} ms; joined and numbered after {:?}",
        started.elapsed()
    );
    assert!(!pow.is_empty(), "the page computed the proof of work");
    tour.check("waiting-position").await;
    // Admitted (12 a minute: within five seconds), the page goes to the calendar.
    tour.wait_text("#room-notice", "Giliran Anda", 15).await;
    assert_eq!(tour.path().await, format!("/apply/{applicant}/kanim-jaksel"));
    tour.click("a[href*='/2026-12-31?']").await;
    tour.click("input[value='09:00'] + span").await;
    tour.click("form button.primary").await;
    tour.wait_text("h1", "Bayar tagihan Anda", 10).await;
    let booked: i64 = service
        .db()
        .await
        .query_one("SELECT count(*) FROM waiting_visitors WHERE booked", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(booked, 1);

    // The administrator's view: a wrong token is refused and shows nothing, the right one
    // shows the room, and the rate changes live (a bad rate is refused and changes nothing).
    let (made, token, err) = service.cli(&["admin", "add", "kasi-lantaskim"]).await;
    assert!(made, "{err}");
    tour.goto("/admin/waiting/kanim-jaksel").await;
    tour.check_both("waiting-admin").await;
    tour.type_in("#admin-token", "not-a-token").await;
    tour.click("#admin-token-form button").await;
    tour.wait_text("#admin-error", "Token ini tidak dikenal", 5).await;
    assert_eq!(tour.text("#f-booked").await, "—");
    tour.client.execute("document.getElementById('admin-token').value = '';", vec![]).await.expect("clear");
    tour.type_in("#admin-token", token.trim()).await;
    tour.click("#admin-token-form button").await;
    tour.wait_text("#f-rate", "12 orang per menit", 5).await;
    assert_eq!(tour.text("#admin-error").await, "");
    assert_eq!(tour.text("#f-booked").await, "1");
    assert_eq!(tour.text("#f-admitted").await, "1", "one in the room, admitted");
    assert!(tour.text("#f-release").await.contains("Desember 2026"), "{}", tour.text("#f-release").await);
    let rate_in_db = || async {
        let db = service.db().await;
        let rate: i32 =
            db.query_one("SELECT rate_per_minute FROM waiting_rooms", &[]).await.expect("rate").get(0);
        rate
    };
    tour.client.execute("document.getElementById('admin-rate').value = '';", vec![]).await.expect("clear");
    tour.type_in("#admin-rate", "2000000").await;
    tour.click("#admin-rate-form button").await;
    tour.wait_text("#admin-error", "bilangan bulat dari 0 sampai 1.000.000", 5).await;
    assert_eq!(rate_in_db().await, 12, "a refused rate changes nothing");
    tour.client.execute("document.getElementById('admin-rate').value = '';", vec![]).await.expect("clear");
    tour.type_in("#admin-rate", "30").await;
    tour.click("#admin-rate-form button").await;
    tour.wait_text("#admin-done", "30 orang per menit", 5).await;
    assert_eq!(tour.text("#f-rate").await, "30 orang per menit");
    assert_eq!(tour.text("#admin-error").await, "");
    assert_eq!(rate_in_db().await, 30);
    tour.check("waiting-admin-live").await;
    tour.report();
}
