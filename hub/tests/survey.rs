//! The satisfaction survey (Survei Kepuasan Masyarakat, issue 16) in headless Chromium, as an
//! applicant and a counter's tablet use it: the status page of a served ticket invites to
//! the survey by itself; unanswered questions are marked and nothing is stored; the answer is
//! stored once, without the ticket; a second answer is refused with a clear message, and so
//! is any answer 24 hours after the visit; on a counter's tablet the survey of the ticket the
//! counter has just finished opens by itself. Then the supervisor's SKM page, its complaint
//! handling, the CSV and the PDF (pdftoppm, pdftotext).

mod common;

use std::time::Duration;

use antrian_proto::Role;
use common::web::*;
use common::*;
use fantoccini::{Client as Browser, Locator};

/// A walk-in pickup ticket (one stage, counter 8) served to the end by `staff`.
async fn served(kiosk: &antrian_proto::Client, staff: &antrian_proto::Client) -> antrian_proto::Ticket {
    let ticket = kiosk.walkin("D", None).await.expect("walk-in");
    serve(staff, &ticket.id).await;
    ticket
}

async fn serve(staff: &antrian_proto::Client, id: &str) {
    let called = staff.call_next("8", None).await.expect("call").expect("a ticket");
    assert_eq!(called.id, id);
    staff.ticket_action(id, "start").await.expect("start");
    let done = staff.finish(id, None).await.expect("finish");
    assert_eq!(done.state, antrian_proto::TicketState::Done);
}

async fn click(client: &Browser, css: &str) {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .expect(css);
}

/// Picks answer `value` (1..=4) of question `n` (1..=9).
async fn choose(client: &Browser, n: u8, value: u8) {
    click(client, &format!("input[name='u{n}'][value='{value}'] + span")).await;
}

async fn responses(hub: &TestHub) -> i64 {
    count_in_file(hub, "SELECT COUNT(*) FROM skm_responses").await
}

fn check_axe(problems: Vec<String>, page: &str) {
    assert!(problems.is_empty(), "axe-core on {page}:\n{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_served_applicant_answers_once_from_the_status_page_and_not_a_day_later() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let axe = axe_source();
    let hub = TestHub::start().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let driver = start_chromedriver().await;
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = browser(&driver, downloads.path()).await;

    // Waiting: no invitation, and the survey is not open yet.
    let kiosk = hub.kiosk().await;
    let ticket = kiosk.walkin("D", None).await.expect("walk-in");
    client.goto(&ticket.status_url).await.expect("status page");
    wait_text(&client, "#state", "Menunggu").await;
    let invite = client.find(Locator::Id("survey-invite")).await.expect("invite");
    assert!(!invite.is_displayed().await.expect("shown?"), "no invitation while waiting");
    client.goto(&format!("{}/survey", ticket.status_url)).await.expect("survey page");
    wait_text(&client, "#outcome", "Survei belum dibuka").await;

    // Served to the end: the open status page invites by itself.
    client.goto(&ticket.status_url).await.expect("status page");
    wait_text(&client, "#state", "Menunggu").await;
    client.execute("window.notReloaded = true;", vec![]).await.expect("mark");
    serve(&staff, &ticket.id).await;
    wait_text(&client, "#survey-invite", "Isi survei").await;
    let same = client.execute("return window.notReloaded === true;", vec![]).await.expect("script");
    assert_eq!(same, serde_json::Value::Bool(true), "the invitation came without a reload");
    check_axe(axe_problems(&client, axe.as_deref()).await, "the status page with the invitation");
    screenshot(&client, "survey-invite.png").await;

    // The survey: nine questions, best answer first, big targets.
    click(&client, "#survey-link").await;
    client.wait().for_element(Locator::Id("survey-form")).await.expect("the form");
    let questions = client.find_all(Locator::Css("fieldset.question")).await.expect("questions");
    assert_eq!(questions.len(), 9);
    let first = client.find(Locator::Css("fieldset.question .choice span")).await.expect("an answer");
    assert_eq!(first.text().await.expect("text"), "Tidak sesuai", "the regulation's order, worst first");
    let (_, _, _, height) = first.rectangle().await.expect("size");
    assert!(height >= 48.0, "answers are big targets: {height} px");
    check_axe(axe_problems(&client, axe.as_deref()).await, "the survey");
    if std::env::var("ANTRIAN_SCREENSHOTS").is_ok() {
        client.set_window_size(412, 2400).await.expect("tall");
        screenshot(&client, "survey-phone.png").await;
        client.set_window_size(412, 915).await.expect("back");
    }

    // Seven answered, two forgotten: both marked, the seven kept, nothing stored.
    let mine: [u8; 9] = [4, 3, 2, 4, 3, 4, 4, 1, 3];
    for (n, value) in mine.iter().enumerate().take(7) {
        choose(&client, n as u8 + 1, *value).await;
    }
    click(&client, "#send").await;
    wait_text(&client, "#problems", "2 pertanyaan").await;
    let marked = client.find_all(Locator::Css("fieldset.question.invalid")).await.expect("marked");
    let mut ids = Vec::new();
    for m in marked {
        ids.push(m.attr("id").await.expect("id").unwrap_or_default());
    }
    assert_eq!(ids, ["q-u8", "q-u9"]);
    let kept = client.find(Locator::Css("input[name='u3'][value='2']")).await.expect("u3");
    assert!(kept.prop("checked").await.expect("checked").is_some_and(|c| c == "true"), "answers kept");
    assert_eq!(responses(&hub).await, 0, "nothing stored");
    check_axe(axe_problems(&client, axe.as_deref()).await, "the survey with two unanswered");

    // The rest, a profile, and a comment marked as a complaint.
    choose(&client, 8, mine[7]).await;
    choose(&client, 9, mine[8]).await;
    client.find(Locator::Id("p-sex")).await.expect("sex").select_by_value("P").await.expect("select");
    client.find(Locator::Id("p-age")).await.expect("age").select_by_value("41-50").await.expect("select");
    client
        .find(Locator::Id("comment"))
        .await
        .expect("comment")
        .send_keys("Antrean di loket berkas lama, tidak ada kursi.")
        .await
        .expect("type");
    click(&client, "#complaint").await;
    click(&client, "#send").await;
    wait_text(&client, "#outcome", "Terima kasih!").await;
    assert!(client.source().await.expect("page").contains("Pengaduan Anda dicatat"));
    screenshot(&client, "survey-thanks.png").await;

    // Stored once, without the ticket: no column names it, no value holds it.
    let db = rusqlite::Connection::open(hub.dir.path().join(antrian_hub::store::DB_FILE)).expect("open");
    let (answers, profile, complaint): (String, String, String) = db
        .query_row(
            "SELECT u1 || u2 || u3 || u4 || u5 || u6 || u7 || u8 || u9, sex || ' ' || age, comment FROM skm_responses",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("one response");
    assert_eq!(answers, mine.iter().map(u8::to_string).collect::<String>());
    assert_eq!(profile, "P 41-50");
    assert_eq!(complaint, "Antrean di loket berkas lama, tidak ada kursi.");
    let columns: Vec<String> = db
        .prepare("SELECT name FROM pragma_table_info('skm_responses')")
        .expect("columns")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("names");
    assert!(
        !columns.iter().any(|c| c.contains("ticket") || c.contains("name") || c.contains("booking")),
        "{columns:?}"
    );
    let row: String = db
        .query_row("SELECT quote(id) || day || service || via || comment FROM skm_responses", [], |r| {
            r.get(0)
        })
        .expect("row");
    assert!(!row.contains(&ticket.id) && !row.contains(&ticket.number), "{row}");
    let complaints: i64 = db
        .query_row("SELECT COUNT(*) FROM skm_responses WHERE complaint_state = 'new'", [], |r| r.get(0))
        .expect("c");
    assert_eq!(complaints, 1);

    // The status page thanks; the survey page and a second answer say it was answered.
    client.goto(&ticket.status_url).await.expect("status page");
    wait_text(&client, "#survey-done", "sudah diisi").await;
    client.goto(&format!("{}/survey", ticket.status_url)).await.expect("survey again");
    wait_text(&client, "#outcome", "Survei sudah diisi").await;
    let token = ticket.status_url.rsplit('/').next().expect("token").to_owned();
    let http = reqwest::Client::new();
    let form: Vec<(String, String)> = (1..=9).map(|n| (format!("u{n}"), "1".to_owned())).collect();
    let again = http.post(format!("{}/t/{token}/survey", hub.url)).form(&form).send().await.expect("post");
    assert_eq!(again.status(), 200);
    assert!(again.text().await.expect("body").contains("Survei untuk tiket ini sudah diisi"));
    let api = http
        .post(format!("{}/api/v1/survey/{token}", hub.url))
        .json(&serde_json::json!({"answers": [1, 1, 1, 1, 1, 1, 1, 1, 1]}))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 409);
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["error"]["code"], "already_exists", "{body}");
    assert_eq!(responses(&hub).await, 1, "a second answer changes nothing");

    // A visit that ended without service (not there when called): no survey, said so.
    let absent = kiosk.walkin("D", None).await.expect("walk-in");
    let called = staff.call_next("8", None).await.expect("call").expect("a ticket");
    assert_eq!(called.id, absent.id);
    staff.ticket_action(&absent.id, "no-show").await.expect("no-show");
    client.goto(&format!("{}/survey", absent.status_url)).await.expect("survey of a no-show");
    wait_text(&client, "#outcome", "Tidak ada survei untuk tiket ini").await;

    // Another visit: still open a minute short of a day later, closed a day and a minute
    // later, and nothing stored then.
    let late = served(&kiosk, &staff).await;
    hub.set_clock("2026-11-26T09:04:00+07:00");
    client.goto(&format!("{}/survey", late.status_url)).await.expect("a day less a minute later");
    client.wait().for_element(Locator::Id("survey-form")).await.expect("still open");
    hub.set_clock("2026-11-26T09:07:00+07:00");
    client.goto(&format!("{}/survey", late.status_url)).await.expect("late survey");
    wait_text(&client, "#outcome", "Survei sudah ditutup").await;
    check_axe(axe_problems(&client, axe.as_deref()).await, "the closed survey");
    let late_token = late.status_url.rsplit('/').next().expect("token").to_owned();
    let api = http
        .post(format!("{}/api/v1/survey/{late_token}", hub.url))
        .json(&serde_json::json!({"answers": [4, 4, 4, 4, 4, 4, 4, 4, 4]}))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 409);
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_late", "{body}");
    let closed =
        http.post(format!("{}/t/{late_token}/survey", hub.url)).form(&form).send().await.expect("post");
    assert!(closed.text().await.expect("body").contains("Survei sudah ditutup"));
    let english = http.get(format!("{}/t/{late_token}/survey?lang=en", hub.url)).send().await.expect("get");
    assert!(english.text().await.expect("body").contains("The survey has closed"));
    assert_eq!(responses(&hub).await, 1);
    // Bad answers through the API: refused, nothing stored.
    let bad = http
        .post(format!("{}/api/v1/survey/{late_token}", hub.url))
        .json(&serde_json::json!({"answers": [4, 4, 4, 9, 4, 4, 4, 4, 4]}))
        .send()
        .await
        .expect("api");
    assert_eq!(bad.status(), 422);
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_counter_tablet_opens_the_survey_of_the_ticket_just_finished() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let axe = axe_source();
    let hub = TestHub::start().await;
    hub.add_user("tablet8", "tablet-loket-8", Role::Staff).await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let driver = start_chromedriver().await;
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = browser(&driver, downloads.path()).await;
    client.goto(&format!("{}/staff/login", hub.url)).await.expect("login page");
    client.find(Locator::Id("username")).await.expect("user").send_keys("tablet8").await.expect("type");
    client
        .find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys("tablet-loket-8")
        .await
        .expect("type");
    click(&client, "form button[type='submit']").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.goto(&format!("{}/staff/survey/8", hub.url)).await.expect("tablet");
    wait_text(&client, "#tablet-state", "Menunggu tiket berikutnya").await;
    check_axe(axe_problems(&client, axe.as_deref()).await, "the tablet page");

    // The counter finishes a ticket: the tablet shows its survey by itself.
    let ticket = served(&hub.kiosk().await, &staff).await;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("survey-form"))
        .await
        .expect("the survey opened");
    assert!(client.source().await.expect("page").contains(&ticket.number));
    for n in 1..=9 {
        choose(&client, n, 3).await;
    }
    click(&client, "#send").await;
    wait_text(&client, "#outcome", "Terima kasih!").await;
    let via: String = {
        let db = rusqlite::Connection::open(hub.dir.path().join(antrian_hub::store::DB_FILE)).expect("open");
        db.query_row("SELECT via FROM skm_responses", [], |r| r.get(0)).expect("via")
    };
    assert_eq!(via, "counter");
    check_axe(axe_problems(&client, axe.as_deref()).await, "the tablet's thanks");
    // Then back to waiting for the next one (the same ticket is not offered again).
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("tablet"))
        .await
        .expect("back to the tablet");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(client.find(Locator::Id("tablet")).await.is_ok(), "an answered ticket is not offered again");
    // While the counter serves the next applicant, nothing is offered (not the one before).
    let kiosk = hub.kiosk_named("kiosk-2").await;
    let next = kiosk.walkin("D", None).await.expect("walk-in");
    let called = staff.call_next("8", None).await.expect("call").expect("the next");
    assert_eq!(called.id, next.id);
    let offered: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/counters/8/survey", hub.url))
        .header("cookie", console_cookie(&hub, "tablet8", "tablet-loket-8").await)
        .send()
        .await
        .expect("ask")
        .json()
        .await
        .expect("json");
    assert!(offered["token"].is_null(), "a counter serving someone offers no survey: {offered}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(client.find(Locator::Id("tablet")).await.is_ok());
    // Finished: its survey, with its own number.
    staff.ticket_action(&next.id, "start").await.expect("start");
    staff.finish(&next.id, None).await.expect("finish");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("survey-form"))
        .await
        .expect("the next survey");
    assert!(client.source().await.expect("page").contains(&next.number));
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_supervisor_reads_the_index_and_answers_a_complaint() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let axe = axe_source();
    let hub = TestHub::start().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let kiosk = hub.kiosk().await;
    let http = reqwest::Client::new();
    // Six visits answer: by hand, NRR u1 = (4+4+3+3+2+4)/6 = 3.33, u3 = 12/6 = 2.00 (the weakest).
    let answers: [[u8; 9]; 6] = [
        [4, 4, 2, 4, 3, 4, 4, 3, 3],
        [4, 3, 2, 4, 3, 4, 4, 3, 3],
        [3, 3, 1, 4, 3, 3, 4, 2, 3],
        [3, 3, 2, 4, 4, 4, 3, 3, 2],
        [2, 3, 2, 4, 3, 3, 4, 3, 3],
        [4, 4, 3, 4, 4, 4, 4, 3, 4],
    ];
    for (i, a) in answers.iter().enumerate() {
        let ticket = served(&kiosk, &staff).await;
        let token = ticket.status_url.rsplit('/').next().expect("token").to_owned();
        let body = serde_json::json!({
            "answers": a,
            "sex": if i % 2 == 0 { "L" } else { "P" },
            "comment": if i == 2 { "Toilet rusak dan tidak ada air." } else { "" },
            "complaint": i == 2,
        });
        let sent =
            http.post(format!("{}/api/v1/survey/{token}", hub.url)).json(&body).send().await.expect("answer");
        assert_eq!(sent.status(), 201);
    }
    let total: u32 = answers.iter().flatten().map(|a| u32::from(*a)).sum();
    let ikm = f64::from(total) / 6.0 / 9.0 * 25.0;
    let shown = format!("{ikm:.2}").replace('.', ",");
    assert_eq!(shown, "81,48", "worked by hand: the 54 answers total 176; 176 / 54 × 25 = 81.48");

    // The supervisor's page.
    hub.add_user("kasi", "kepala-seksi-1", Role::Supervisor).await;
    let driver = start_chromedriver().await;
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = browser(&driver, downloads.path()).await;
    client.set_window_size(1280, 900).await.expect("desktop");
    client.goto(&format!("{}/staff/login", hub.url)).await.expect("login page");
    client.find(Locator::Id("username")).await.expect("user").send_keys("kasi").await.expect("type");
    client
        .find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys("kepala-seksi-1")
        .await
        .expect("type");
    click(&client, "form button[type='submit']").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.goto(&format!("{}/staff/supervisor", hub.url)).await.expect("supervisor");
    click(&client, "#skm-link").await;
    wait_text(&client, "#ikm", &shown).await;
    wait_text(&client, "#grade", "Mutu pelayanan B · Baik").await;
    wait_text(&client, "#weakest", "U3 Waktu penyelesaian (NRR 2,00)").await;
    wait_text(
        &client,
        "#sample",
        "6 responden dari 6 pengguna layanan; sampel minimum (tabel Krejcie–Morgan) 6.",
    )
    .await;
    assert_eq!(client.find_all(Locator::Css("svg.chart rect")).await.expect("bars").len(), 9);
    let source = client.source().await.expect("page");
    assert!(source.contains("Toilet rusak dan tidak ada air."), "the complaint is listed");
    check_axe(axe_problems(&client, axe.as_deref()).await, "the SKM page");

    // Answered without saying what was done: refused, nothing changes. With it: saved.
    let form = client.find(Locator::Css("form.complaint")).await.expect("complaint");
    let id = form.attr("data-id").await.expect("id").expect("an id");
    client
        .find(Locator::Css(&format!("#state-{id}")))
        .await
        .expect("state")
        .select_by_value("answered")
        .await
        .expect("select");
    click(&client, &format!("#complaint-{id} button")).await;
    wait_text(&client, &format!("#complaint-{id} .done"), "Tulis dulu tindak lanjutnya").await;
    let state =
        || count_in_file(&hub, "SELECT COUNT(*) FROM skm_responses WHERE complaint_state = 'answered'");
    assert_eq!(state().await, 0);
    client
        .find(Locator::Css(&format!("#reply-{id}")))
        .await
        .expect("reply")
        .send_keys("Toilet diperbaiki 26-11-2026; air kembali mengalir.")
        .await
        .expect("type");
    click(&client, &format!("#complaint-{id} button")).await;
    wait_text(&client, &format!("#complaint-{id} .done"), "Tersimpan.").await;
    assert_eq!(state().await, 1);
    client.refresh().await.expect("reload");
    let reply = client
        .find(Locator::Css(&format!("#reply-{id}")))
        .await
        .expect("reply")
        .prop("value")
        .await
        .expect("v");
    assert_eq!(reply.as_deref(), Some("Toilet diperbaiki 26-11-2026; air kembali mengalir."));
    if std::env::var("ANTRIAN_SCREENSHOTS").is_ok() {
        client.set_window_size(1280, 1500).await.expect("tall");
        client.execute("window.scrollTo(0, 0);", vec![]).await.expect("top");
        screenshot(&client, "skm-report-page.png").await;
    }
    // A period that is not one: said, and this month shown instead.
    client.goto(&format!("{}/staff/skm?period=2026-13", hub.url)).await.expect("bad period");
    wait_text(&client, "#error", "Periode “2026-13” tidak dikenali").await;

    // The console's cookie alone, without the page's CSRF token, changes nothing.
    let cookie = console_cookie(&hub, "kasi", "kepala-seksi-1").await;
    let forged = http
        .post(format!("{}/api/v1/skm/complaints/{id}", hub.url))
        .header("cookie", &cookie)
        .json(&serde_json::json!({"state": "new", "reply": ""}))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert_eq!(state().await, 1, "still answered");

    // The CSV: one row per response, then NRR and the IKM with its grade.
    let csv = http
        .get(format!("{}/api/v1/offices/kanim-jaksel/skm?period=2026-11&format=csv", hub.url))
        .header("cookie", cookie)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 6 + 4, "{csv}");
    assert!(lines[0].starts_with("day,service,via,U1 Persyaratan"), "{csv}");
    assert!(lines.last().is_some_and(|l| l.starts_with(&format!("IKM,,,{ikm:.2},B,Baik"))), "{csv}");
    client.close().await.expect("close");
}
