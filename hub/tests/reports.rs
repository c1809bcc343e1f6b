//! Daily reports: a scripted day at a fixed clock gives the figures worked out by hand; the
//! CSV has one row per stage visit; the PDF renders; retention removes names and NIK hashes
//! from the database file and leaves the report byte for byte the same.

mod common;

use antrian_hub::report::{self, Format};
use antrian_proto::{DailyReport, Role};
use common::*;
use reqwest::Method;

const DAILY: &str = "/api/v1/reports/daily?office=kanim-jaksel&date=2026-11-25";

fn at_time(hhmm: &str) -> String {
    format!("2026-11-25T{hhmm}:00+07:00")
}

/// The scripted day; returns the three appointments' NIKs and names.
async fn scripted_day(hub: &TestHub) -> Vec<(String, String)> {
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    hub.set_clock(&at_time("07:30"));
    let booked = book(&admin, "08:00", 3, 1).await;
    hub.anonymous().cancel_booking(&booked[2].booking_code, &booked[2].nik_last4).await.expect("cancel");
    hub.set_clock(&at_time("08:00"));
    let c001 = kiosk.walkin("C", None).await.expect("C001");
    let c002 = kiosk.walkin("C", None).await.expect("C002");
    let p001 = kiosk.walkin("P", None).await.expect("P001");
    hub.set_clock(&at_time("08:05"));
    let a001 = kiosk.checkin_qr(&booked[0].qr).await.expect("A001").ticket;

    let step = |time: &'static str| {
        hub.set_clock(&at_time(time));
    };
    step("08:10");
    assert_eq!(staff.call_next("1", None).await.expect("call").map(|t| t.id), Some(p001.id.clone()));
    assert_eq!(staff.call_next("2", None).await.expect("call").map(|t| t.id), Some(c001.id.clone()));
    step("08:15");
    staff.finish(&p001.id, None).await.expect("finish P001");
    step("08:18");
    staff.ticket_action(&c001.id, "no-show").await.expect("no-show C001");
    step("08:20");
    assert_eq!(staff.call_next("1", None).await.expect("call").map(|t| t.id), Some(c002.id.clone()));
    staff.ticket_action(&c002.id, "start").await.expect("start C002");
    step("08:21");
    assert_eq!(staff.call_next("2", None).await.expect("call").map(|t| t.id), Some(a001.id.clone()));
    step("08:24");
    staff.finish(&a001.id, None).await.expect("finish A001");
    step("08:25");
    staff.ticket_action(&c001.id, "requeue").await.expect("requeue C001");
    step("08:30");
    staff.finish(&c002.id, None).await.expect("finish C002");
    assert_eq!(staff.call_next("2", None).await.expect("call").map(|t| t.id), Some(c001.id.clone()));
    step("08:36");
    staff.finish(&c001.id, None).await.expect("finish C001");
    step("08:40");
    assert_eq!(staff.call_next("4", None).await.expect("call").map(|t| t.id), Some(p001.id.clone()));
    step("08:50");
    staff.finish(&p001.id, None).await.expect("finish P001 interview");
    assert_eq!(staff.call_next("4", None).await.expect("call").map(|t| t.id), Some(a001.id.clone()));
    step("08:55");
    staff.ticket_action(&a001.id, "cancel").await.expect("cancel A001");
    step("09:01");
    let office = hub.hub.office.clone();
    hub.hub
        .store
        .write(move |tx| antrian_hub::booking::mark_no_shows(tx, &office, office.clock.now_ms()))
        .await
        .expect("sweep");
    booked.iter().enumerate().map(|(i, b)| (nik(1 + i as u64), b.name.clone())).collect()
}

async fn export(hub: &TestHub, format: Format) -> Vec<u8> {
    let office = hub.hub.office.clone();
    let date = today();
    hub.hub.store.read(move |r| report::export(r, &office, date, format)).await.expect("report")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scripted_day_gives_the_figures_worked_out_by_hand() {
    let hub = TestHub::start_with(booking_config(20, &[]), "2026-11-25T07:30:00+07:00").await;
    scripted_day(&hub).await;
    let supervisor = hub.login_as("kepala", Role::Supervisor).await;
    let response = hub.raw(Method::GET, DAILY, supervisor.token(), None).await;
    assert_eq!(response.status(), 200);
    let report: DailyReport = response.json().await.expect("json");

    let berkas = report.stages.iter().find(|s| s.stage == "berkas").expect("berkas");
    // Visits: P001 (wait 10, served in 5), C001 (wait 10, no-show), C002 (wait 20, 10),
    // A001 (wait 16, 3), C001 again after requeue (wait 5, 6).
    assert_eq!(
        (berkas.visits, berkas.served, berkas.no_shows, berkas.cancelled, berkas.requeued),
        (5, 4, 1, 0, 1)
    );
    let w = &berkas.waiting;
    assert_eq!((w.count, w.mean, w.p50, w.p90, w.max), (5, 12.2, 10.0, 20.0, 20.0));
    let s = &berkas.service_time;
    assert_eq!((s.count, s.mean, s.p50, s.p90, s.max), (4, 6.0, 5.0, 10.0, 10.0));

    let interview = report.stages.iter().find(|s| s.stage == "wawancara").expect("wawancara");
    // P001 (wait 25, served in 10), A001 (wait 26, cancelled), C002 and C001 still waiting.
    assert_eq!((interview.visits, interview.served, interview.cancelled), (4, 1, 1));
    let w = &interview.waiting;
    assert_eq!((w.count, w.mean, w.p50, w.p90, w.max), (2, 25.5, 25.0, 26.0, 26.0));
    assert_eq!((interview.service_time.count, interview.service_time.mean), (1, 10.0));

    let counter = |id: &str| report.counters.iter().find(|c| c.counter == id).cloned().expect("counter");
    assert_eq!((counter("1").served, counter("1").no_shows, counter("1").service_time.mean), (2, 0, 7.5));
    assert_eq!((counter("2").served, counter("2").no_shows, counter("2").service_time.mean), (2, 1, 4.5));
    assert_eq!((counter("4").served, counter("4").service_time.mean), (1, 10.0));
    assert_eq!(counter("3").served, 0);

    let service = |id: &str| report.services.iter().find(|s| s.service == id).cloned().expect("service");
    assert_eq!((service("C").tickets, service("C").walk_ins, service("C").checked_in), (2, 2, 0));
    assert_eq!((service("P").tickets, service("P").walk_ins, service("P").done), (1, 1, 1));
    assert_eq!((service("A").tickets, service("A").checked_in, service("A").cancelled), (1, 1, 1));
    assert_eq!(service("D").tickets, 0);

    let a = &report.appointments;
    assert_eq!((a.booked, a.checked_in, a.no_show, a.cancelled), (2, 1, 1, 1));
    assert_eq!(report.hours.len(), 1);
    assert_eq!((report.hours[0].hour, report.hours[0].arrivals, report.hours[0].calls), (8, 4, 7));

    // Staff may not read reports.
    let staff = hub.login_as("biasa", Role::Staff).await;
    let refused = hub.raw(Method::GET, DAILY, staff.token(), None).await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_csv_has_one_row_per_stage_visit_and_the_pdf_renders_with_charts() {
    let hub = TestHub::start_with(booking_config(20, &[]), "2026-11-25T07:30:00+07:00").await;
    scripted_day(&hub).await;
    let csv_text = String::from_utf8(export(&hub, Format::Csv).await).expect("utf8");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert!(headers.iter().any(|h| h == "wait_minutes") && headers.iter().any(|h| h == "counter"));
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows parse");
    assert_eq!(rows.len(), 9, "5 visits at berkas + 4 at wawancara");
    let c002 = rows.iter().find(|r| &r[1] == "C002" && &r[5] == "berkas").expect("C002 at berkas");
    assert_eq!((&c002[6], &c002[11], &c002[14], &c002[15]), ("1", "next_stage", "20.0", "10.0"));
    assert!(!csv_text.contains("Pemohon"), "no names in the export");

    let pdf = export(&hub, Format::Pdf).await;
    assert!(pdf.starts_with(b"%PDF-"));
    if !system_tool("pdftoppm") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("report.pdf"), &pdf).expect("write");
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(dir.path().join("report.pdf"))
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let pages = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png")));
    assert_eq!(pages.count(), 2, "figures and charts on two pages");
    // Every word on the paper, and the tables' columns apart: a header filling its column ran
    // into the next one ("… / maks Layanan rata …" read as one heading).
    let words = pdf_words(&dir.path().join("report.pdf"));
    let (margin, page) = (20.0 / 25.4 * 72.0, 210.0 / 25.4 * 72.0);
    for w in &words {
        assert!(w.x_min >= margin - 0.5 && w.x_max <= page - margin + 0.5, "{w:?} runs past the margins");
    }
    // The stage table's header: each heading's last word, then the next heading's first.
    for (left, right) in [("Dilayani", "T.hadir"), ("T.hadir", "Tunggu"), ("maks", "Layanan")] {
        let pair = words.iter().filter(|l| l.text == left).find_map(|l| {
            words
                .iter()
                .find(|r| r.text == right && (r.y_min - l.y_min).abs() < 1.0 && r.x_min > l.x_max)
                .map(|r| (l, r))
        });
        let (l, r) = pair.unwrap_or_else(|| panic!("{left} then {right} on one row"));
        assert!(r.x_min - l.x_max >= 5.0, "columns apart: {l:?} {r:?}");
    }
    if let Ok(out) = std::env::var("ANTRIAN_SCREENSHOTS") {
        for page in ["page-1.png", "page-2.png"] {
            let _ = std::fs::copy(
                dir.path().join(page),
                std::path::Path::new(&out).join(format!("report-{page}")),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retention_removes_names_and_nik_hashes_and_keeps_the_figures() {
    let hub = TestHub::start_with(booking_config(20, &[]), "2026-11-25T07:30:00+07:00").await;
    let people = scripted_day(&hub).await;
    let before_json = export(&hub, Format::Json).await;
    let before_csv = export(&hub, Format::Csv).await;
    // The scan below does find them while they are kept.
    hub.hub.store.checkpoint().expect("checkpoint");
    let file = std::fs::read(hub.dir.path().join("antrian.db")).expect("db file");
    assert!(
        file.windows(people[0].1.len()).any(|w| w == people[0].1.as_bytes()),
        "names are stored before retention"
    );

    // 91 days later the sweep runs.
    hub.set_clock("2027-02-24T09:00:00+07:00");
    let office = hub.hub.office.clone();
    let cleared = hub
        .hub
        .store
        .write(move |tx| antrian_hub::retention::apply(tx, &office, office.clock.now_ms(), 90))
        .await
        .expect("retention");
    assert_eq!(cleared, 3);
    hub.hub.store.checkpoint().expect("checkpoint");
    assert_eq!(export(&hub, Format::Json).await, before_json, "the report is byte for byte the same");
    assert_eq!(export(&hub, Format::Csv).await, before_csv);

    let dir = hub.stop().await;
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("antrian.db")) {
            bytes.extend(std::fs::read(&path).expect("read"));
        }
    }
    let (secrets, _) = antrian_hub::secrets::Secrets::load_or_create(dir.path()).expect("keys");
    for (nik, name) in &people {
        let hash = secrets.nik_hash(nik);
        assert!(!bytes.windows(hash.len()).any(|w| w == hash.as_slice()), "the NIK hash of {name} remains");
        assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "{name} remains in the file");
    }
}

async fn supervisor_cookie(hub: &TestHub) -> String {
    hub.add_user("kepala", "kepala-password", Role::Supervisor).await;
    console_cookie(hub, "kepala", "kepala-password").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_report_page_shows_charts_tables_and_previous_weeks() {
    let hub = TestHub::start_with(booking_config(20, &[]), "2026-11-25T07:30:00+07:00").await;
    scripted_day(&hub).await;
    let cookie = supervisor_cookie(&hub).await;
    let page = reqwest::Client::new()
        .get(format!("{}/staff/reports?date=2026-11-25", hub.url))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 5, "hours, three stages' waits, counters");
    assert!(html.contains("12.2 / 10.0 / 20.0 / 20.0"), "berkas waiting figures");
    assert!(
        html.contains("Rabu, 18 November 2026") && html.contains("Rabu, 4 November 2026"),
        "previous weeks"
    );
    assert!(html.contains("format=csv") && html.contains("format=pdf"));
    // The export links work with the browser's session (GET needs no CSRF token).
    let csv = reqwest::Client::new()
        .get(format!("{}/api/v1/reports/daily?office=kanim-jaksel&date=2026-11-25&format=csv", hub.url))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("laporan-kanim-jaksel-2026-11-25.csv")
    );

    if system_tool("chromium") && system_tool("chromedriver") {
        use common::web::*;
        let driver = start_chromedriver().await;
        let downloads = tempfile::tempdir().expect("tempdir");
        let client = browser(&driver, downloads.path()).await;
        client.set_window_size(1100, 1500).await.expect("window");
        client.goto(&format!("{}/staff/login", hub.url)).await.expect("login page");
        use fantoccini::Locator;
        client.find(Locator::Id("username")).await.expect("user").send_keys("kepala").await.expect("type");
        client
            .find(Locator::Id("password"))
            .await
            .expect("pw")
            .send_keys("kepala-password")
            .await
            .expect("type");
        client.find(Locator::Id("login")).await.expect("button").click().await.expect("log in");
        client.wait().for_element(Locator::Id("supervisor")).await.expect("supervisor page");
        client.find(Locator::Id("reports-link")).await.expect("link").click().await.expect("open reports");
        client.wait().for_element(Locator::Css("svg.chart")).await.expect("charts drawn");
        screenshot(&client, "report-page.png").await;
        client.close().await.expect("close");
    }
}
