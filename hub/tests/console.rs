//! The staff console in headless Chromium (WebDriver), and its security over plain HTTP.

mod common;

use std::time::Duration;

use antrian_proto::{HubEvent, Role, StreamItem};
use common::web::*;
use common::*;
use fantoccini::{Client, Locator};

async fn log_in(client: &Client, hub: &TestHub, user: &str, password: &str, counter: &str) {
    client.goto(&format!("{}/staff", hub.url)).await.expect("open the console");
    let url = client.current_url().await.expect("url");
    assert_eq!(url.path(), "/staff/login", "no session: the login page");
    client.find(Locator::Id("username")).await.expect("user").send_keys(user).await.expect("type");
    client.find(Locator::Id("password")).await.expect("password").send_keys(password).await.expect("type");
    client.find(Locator::Id("login")).await.expect("button").click().await.expect("log in");
    client
        .wait()
        .for_element(Locator::Css(&format!("a[data-counter='{counter}']")))
        .await
        .expect("the counter choice")
        .click()
        .await
        .expect("choose the counter");
    client.wait().for_element(Locator::Id("console")).await.expect("the counter page");
}

/// Clicks the element at `css` once it is enabled. The page redraws its lists on every live
/// event, so an element found a moment ago may be gone: find it again and retry.
async fn click_css(client: &Client, css: &str) {
    for _ in 0..100 {
        if let Ok(button) = client.find(Locator::Css(css)).await
            && button.is_enabled().await.unwrap_or(false)
            && button.click().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} could not be clicked");
}

async fn click(client: &Client, id: &str) {
    click_css(client, &format!("#{id}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_clerk_calls_recalls_finishes_marks_no_show_requeues_and_pauses() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let hub = TestHub::start().await;
    hub.add_user("loket", "loket-password", Role::Staff).await;
    let kiosk = hub.kiosk().await;
    for _ in 0..3 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    let display = hub.device("display-1", Role::Display).await;
    let mut events = display.subscribe("kanim-jaksel", None);
    let driver = start_chromedriver().await;
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = browser(&driver, downloads.path()).await;
    client.set_window_size(1100, 1000).await.expect("desk-sized window");
    log_in(&client, &hub, "loket", "loket-password", "1").await;
    wait_text(&client, "#counts [data-stage='berkas']", "3").await;

    click(&client, "call-next").await;
    wait_text(&client, "#number", "C001").await;
    screenshot(&client, "console-counter.png").await;
    click(&client, "recall").await;
    wait_text(&client, "#meta", "×1").await;
    click(&client, "start").await;
    wait_text(&client, "#meta", "Sedang dilayani").await;
    click(&client, "finish").await;
    wait_text(&client, "#number", "—").await;
    // Finished into the next stage of the route: the interview queue has it now.
    wait_text(&client, "#counts [data-stage='wawancara']", "1").await;

    // Keyboard: N calls the next one.
    client.find(Locator::Css("body")).await.expect("body").send_keys("n").await.expect("key");
    wait_text(&client, "#number", "C002").await;
    click(&client, "no-show").await;
    wait_text(&client, "#no-show-list", "C002").await;
    click_css(&client, "#no-show-list button").await;
    wait_text(&client, "#waiting-list", "C002").await;
    let order = client.find(Locator::Id("waiting-list")).await.expect("list").text().await.expect("text");
    assert!(order.find("C003") < order.find("C002"), "requeued to the end: {order}");

    click(&client, "pause").await;
    wait_text(&client, "#counter-state", "Jeda").await;
    click(&client, "pause").await;
    wait_text(&client, "#counter-state", "Buka").await;

    // A kiosk check-in changes the count without a reload.
    client.execute("window.notReloaded = true;", vec![]).await.expect("mark");
    let booked = book(&hub.admin().await, "09:00", 1, 1).await.remove(0);
    kiosk.checkin_qr(&booked.qr).await.expect("check-in");
    wait_text(&client, "#counts [data-stage='berkas']", "3").await;
    assert_eq!(
        client.execute("return window.notReloaded === true;", vec![]).await.expect("script"),
        serde_json::Value::Bool(true)
    );

    // The display's stream saw every call made from the browser, in order.
    let mut calls = Vec::new();
    while calls.len() < 3 {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("event").expect("open")
        {
            StreamItem::Event(envelope) => {
                if let HubEvent::Called(called) = envelope.event {
                    calls.push((called.number, called.recall));
                }
            }
            _ => continue,
        }
    }
    assert_eq!(calls, [("C001".to_owned(), 0), ("C001".to_owned(), 1), ("C002".to_owned(), 0)]);
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_browsers_calling_at_once_never_get_the_same_ticket_and_names_show_as_text() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let hub = TestHub::start().await;
    hub.add_user("ani", "ani-password", Role::Staff).await;
    hub.add_user("budi", "budi-password", Role::Staff).await;
    let admin = hub.admin().await;
    let mut item = new_appointment("A", today(), "09:00", 1);
    item.name = "<script>alert(1)</script>".into();
    let booked = admin.create_appointments(vec![item]).await.expect("booked").remove(0);
    let kiosk = hub.kiosk().await;
    kiosk.checkin_qr(&booked.qr).await.expect("check-in");
    kiosk.walkin("C", None).await.expect("walk-in");
    let driver = start_chromedriver().await;
    let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let a = browser(&driver, dir_a.path()).await;
    let b = browser(&driver, dir_b.path()).await;
    log_in(&a, &hub, "ani", "ani-password", "1").await;
    log_in(&b, &hub, "budi", "budi-password", "2").await;
    wait_text(&a, "#counts [data-stage='berkas']", "2").await;
    wait_text(&b, "#counts [data-stage='berkas']", "2").await;
    let press = "document.getElementById('call-next').click(); return true;";
    let (ra, rb) = tokio::join!(a.execute(press, vec![]), b.execute(press, vec![]));
    ra.expect("click a");
    rb.expect("click b");
    let number = |client: Client| async move {
        for _ in 0..100 {
            let text = client.find(Locator::Id("number")).await.expect("number").text().await.expect("text");
            if text != "—" {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no number shown");
    };
    let (na, nb) = (number(a.clone()).await, number(b.clone()).await);
    assert_ne!(na, nb, "two counters got the same ticket");
    let mut both = [na.clone(), nb.clone()];
    both.sort();
    assert_eq!(both, ["A001".to_owned(), "C001".to_owned()]);
    // The applicant's "name" is shown as text, and no script ran.
    let (holder, _) = if na == "A001" { (&a, &b) } else { (&b, &a) };
    wait_text(holder, "#applicant", "<script>alert(1)</script>").await;
    assert!(holder.get_alert_text().await.is_err(), "no alert was opened");
    a.close().await.expect("close");
    b.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn console_security_login_redirects_csrf_and_roles() {
    let hub = TestHub::start().await;
    hub.add_user("loket", "loket-password", Role::Staff).await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    // No session: the login page.
    for path in ["/staff/counter", "/staff/counter/1"] {
        let response = http.get(format!("{}{path}", hub.url)).send().await.expect("get");
        assert!(response.status().is_redirection(), "{path}");
        assert!(response.headers()["location"].to_str().expect("ascii").starts_with("/staff/login"));
    }
    // Wrong password: the form again, with the message; right one: a cookie.
    let wrong = http
        .post(format!("{}/staff/login", hub.url))
        .form(&[("username", "loket"), ("password", "nope")])
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.expect("html").contains("salah"));
    let login = http
        .post(format!("{}/staff/login", hub.url))
        .form(&[("username", "loket"), ("password", "loket-password")])
        .send()
        .await
        .expect("post");
    assert!(login.status().is_redirection());
    let cookie = login.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age="));
    let pair = cookie.split(';').next().expect("pair").to_owned();
    let page =
        http.get(format!("{}/staff/counter/1", hub.url)).header("cookie", &pair).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    let html = page.text().await.expect("html");
    let csrf = html
        .split("data-csrf=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf token")
        .to_owned();

    // A cross-site form post rides on the cookie but cannot carry the token: refused.
    let forged = http
        .post(format!("{}/api/v1/counters/1/call-next", hub.url))
        .header("cookie", &pair)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("request_id=x")
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    let wrong_token = http
        .post(format!("{}/api/v1/counters/1/pause", hub.url))
        .header("cookie", &pair)
        .header("x-csrf-token", "not-the-token")
        .send()
        .await
        .expect("post");
    assert_eq!(wrong_token.status(), 403);
    let genuine = http
        .post(format!("{}/api/v1/counters/1/pause", hub.url))
        .header("cookie", &pair)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("post");
    assert_eq!(genuine.status(), 200, "the page's own request goes through");

    // Staff may not use supervisor actions.
    let revoke = http
        .delete(format!("{}/api/v1/devices/kiosk-1", hub.url))
        .header("cookie", &pair)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(revoke.status(), 403);

    // Logout needs the token too, then the session is gone.
    let forged_logout = http
        .post(format!("{}/staff/logout", hub.url))
        .header("cookie", &pair)
        .form(&[("csrf", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged_logout.status(), 403);
    let logout = http
        .post(format!("{}/staff/logout", hub.url))
        .header("cookie", &pair)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .expect("post");
    assert!(logout.status().is_redirection());
    let after =
        http.get(format!("{}/staff/counter/1", hub.url)).header("cookie", &pair).send().await.expect("get");
    assert!(after.status().is_redirection(), "logged out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_supervisor_sees_the_floor_and_acts_on_it() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let hub = TestHub::start().await;
    hub.add_user("kepala", "kepala-password", Role::Supervisor).await;
    let kiosk = hub.kiosk().await;
    for _ in 0..3 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    let staff = hub.login_as("loket", Role::Staff).await;
    let called = staff.call_next("2", None).await.expect("call").expect("ticket");
    staff.finish(&called.id, None).await.expect("finish");
    staff.call_next("2", None).await.expect("call").expect("ticket");

    let driver = start_chromedriver().await;
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = browser(&driver, downloads.path()).await;
    client.set_window_size(1100, 1400).await.expect("window");
    client.goto(&format!("{}/staff/login", hub.url)).await.expect("login page");
    client.find(Locator::Id("username")).await.expect("user").send_keys("kepala").await.expect("type");
    client.find(Locator::Id("password")).await.expect("pw").send_keys("kepala-password").await.expect("type");
    client.find(Locator::Id("login")).await.expect("button").click().await.expect("log in");
    client.wait().for_element(Locator::Id("supervisor")).await.expect("the supervisor page");

    // Every counter live, queues per stage with today's figures.
    wait_text(&client, "#counter-grid [data-counter='2']", "C002").await;
    wait_text(&client, "#stage-grid [data-stage='berkas']", "1 menunggu").await;
    wait_text(&client, "#stage-grid [data-stage='berkas']", "1 dilayani").await;
    wait_text(&client, "#stage-grid [data-stage='wawancara']", "1 menunggu").await;
    wait_text(&client, "#today", "3 nomor").await;
    screenshot(&client, "console-supervisor.png").await;

    // Open and close a counter.
    click_css(&client, "#counter-grid [data-counter='5'] button").await;
    wait_text(&client, "#counter-grid [data-counter='5']", "Buka").await;
    click_css(&client, "#counter-grid [data-counter='5'] button").await;
    wait_text(&client, "#counter-grid [data-counter='5']", "Tutup").await;

    // Issue a walk-in ticket.
    click_css(&client, "#walkin").await;
    wait_text(&client, "#notice", "C004").await;
    // Cancel a waiting ticket.
    wait_text(&client, "#waiting-tickets", "C004").await;
    let c004 = staff.queue("kanim-jaksel").await.expect("queue").stages[0]
        .waiting
        .iter()
        .find(|t| t.number == "C004")
        .map(|t| t.id.clone())
        .expect("C004 waits");
    click_css(&client, &format!("#waiting-tickets [data-ticket='{c004}'] button")).await;
    for _ in 0..100 {
        let text =
            client.find(Locator::Id("waiting-tickets")).await.expect("list").text().await.expect("text");
        if !text.contains("C004") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let queue = staff.queue("kanim-jaksel").await.expect("queue");
    assert!(queue.stages.iter().all(|s| s.waiting.iter().all(|t| t.number != "C004")), "C004 cancelled");

    // Add a staff user, who can then log in.
    client.find(Locator::Id("new-username")).await.expect("field").send_keys("baru").await.expect("type");
    client
        .find(Locator::Id("new-password"))
        .await
        .expect("field")
        .send_keys("baru-password-1")
        .await
        .expect("type");
    click_css(&client, "#add-user").await;
    wait_text(&client, "#notice", "baru").await;
    let (_, role) = hub.anonymous().login("baru", "baru-password-1").await.expect("the new user logs in");
    assert_eq!(role, Role::Staff);

    // Mark passports ready for pickup: a booking of this office (code typed with a dash, in
    // lower case) and one that is not; the one not found stays in the box to check.
    let admin = hub.admin().await;
    let booked = book(&admin, "10:00", 1, 77).await.remove(0);
    let typed = format!("{}-{}", &booked.booking_code[..5], &booked.booking_code[5..]).to_lowercase();
    client
        .find(Locator::Id("pickup-codes"))
        .await
        .expect("field")
        .send_keys(&format!("{typed}\nZZZZ9999"))
        .await
        .expect("type");
    click_css(&client, "#pickup-mark").await;
    wait_text(&client, "#pickup-result", "Ditandai siap: 1").await;
    wait_text(&client, "#pickup-result", "ZZZZ9999").await;
    client.execute("document.getElementById('pickup-form').scrollIntoView()", vec![]).await.expect("scroll");
    screenshot(&client, "console-pickup.png").await;
    let left =
        client.find(Locator::Id("pickup-codes")).await.expect("field").prop("value").await.expect("value");
    assert_eq!(left.as_deref(), Some("ZZZZ9999"));
    let ready = count_in_file(&hub, "SELECT count(*) FROM pickups").await;
    assert_eq!(ready, 1);

    // Revoke the kiosk's token: it is refused at once.
    click_css(&client, "#devices [data-device='kiosk-1'] button").await;
    wait_text(&client, "#devices [data-device='kiosk-1']", "dicabut").await;
    assert_eq!(code(kiosk.walkin("C", None).await), "unauthorized");
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn supervisor_actions_are_refused_to_staff_and_figures_are_right() {
    let hub = TestHub::start().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let supervisor = hub.login_as("kepala", Role::Supervisor).await;
    let (staff_token, supervisor_token) = (staff.token(), supervisor.token());
    let new_user = serde_json::json!({"username": "x1", "password": "password-x1", "role": "staff"});
    for (method, path, body) in [
        (reqwest::Method::GET, "/api/v1/offices/kanim-jaksel/summary", None),
        (reqwest::Method::GET, "/api/v1/devices", None),
        (reqwest::Method::POST, "/api/v1/users", Some(new_user.clone())),
    ] {
        let response = hub.raw(method.clone(), path, staff_token, body.as_ref()).await;
        assert_eq!(response.status(), 403, "{method} {path} as staff");
    }
    // The supervisor page itself.
    let cookie = console_cookie(&hub, "loket", "loket-password").await;
    let page = reqwest::Client::new()
        .get(format!("{}/staff/supervisor", hub.url))
        .header("cookie", cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 403);

    // Supervisors add staff, not supervisors; passwords must be long enough.
    let created = hub.raw(reqwest::Method::POST, "/api/v1/users", supervisor_token, Some(&new_user)).await;
    assert_eq!(created.status(), 201);
    let boss = serde_json::json!({"username": "x2", "password": "password-x2", "role": "supervisor"});
    assert_eq!(
        hub.raw(reqwest::Method::POST, "/api/v1/users", supervisor_token, Some(&boss)).await.status(),
        403
    );
    let short = serde_json::json!({"username": "x3", "password": "short", "role": "staff"});
    assert_eq!(
        hub.raw(reqwest::Method::POST, "/api/v1/users", supervisor_token, Some(&short)).await.status(),
        422
    );

    // Figures: two served at berkas after waits of 0 and 10 minutes, one no-show.
    let kiosk = hub.kiosk().await;
    for _ in 0..3 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    let first = staff.call_next("1", None).await.expect("call").expect("ticket");
    staff.finish(&first.id, None).await.expect("finish");
    hub.hub.clock.set(hub.hub.clock.now() + chrono::Duration::minutes(10));
    let second = staff.call_next("1", None).await.expect("call").expect("ticket");
    staff.finish(&second.id, None).await.expect("finish");
    let third = staff.call_next("1", None).await.expect("call").expect("ticket");
    staff.ticket_action(&third.id, "no-show").await.expect("no-show");
    let summary: antrian_proto::SummaryResponse = hub
        .raw(reqwest::Method::GET, "/api/v1/offices/kanim-jaksel/summary", supervisor_token, None)
        .await
        .json()
        .await
        .expect("json");
    let berkas = summary.stages.iter().find(|s| s.stage == "berkas").expect("berkas");
    assert_eq!((berkas.served, berkas.no_shows, berkas.waiting), (2, 1, 0));
    assert!(
        (berkas.average_wait_minutes - 20.0 / 3.0).abs() < 0.2,
        "mean of 0, 10 and 10 min: {}",
        berkas.average_wait_minutes
    );
    let wawancara = summary.stages.iter().find(|s| s.stage == "wawancara").expect("wawancara");
    assert_eq!(wawancara.waiting, 2);
    assert_eq!(wawancara.longest_wait_minutes, 10, "the first finished 10 minutes ago");
    assert_eq!(summary.tickets_today, 3);
}
