//! Auth and roles: 401 without a token, 403 with a wrong role for every mutating endpoint;
//! no password or token stored in clear; failed logins slowed down; sessions expire and are
//! revocable; device tokens are revocable.

mod common;

use antrian_proto::Role;
use common::*;
use reqwest::Method;

/// Every mutating endpoint, and the roles that may NOT use it.
fn mutating_endpoints(ticket: &str) -> Vec<(Method, String, serde_json::Value, Vec<Role>)> {
    use Role::*;
    let staff_only = vec![Kiosk, Display];
    vec![
        (
            Method::POST,
            "/api/v1/appointments".into(),
            serde_json::json!({"appointments": []}),
            vec![Staff, Supervisor, Kiosk, Display],
        ),
        (Method::POST, "/api/v1/checkins".into(), serde_json::json!({"qr": "x"}), vec![Staff, Display]),
        (Method::POST, "/api/v1/walkins".into(), serde_json::json!({"service": "C"}), vec![Staff, Display]),
        (Method::POST, "/api/v1/counters/1/call-next".into(), serde_json::json!({}), staff_only.clone()),
        (
            Method::POST,
            "/api/v1/counters/1/call".into(),
            serde_json::json!({"ticket": ticket}),
            staff_only.clone(),
        ),
        (Method::POST, "/api/v1/counters/1/pause".into(), serde_json::json!({}), staff_only.clone()),
        (Method::POST, "/api/v1/counters/1/open".into(), serde_json::json!({}), staff_only.clone()),
        (Method::POST, "/api/v1/counters/1/close".into(), serde_json::json!({}), staff_only.clone()),
        (Method::POST, format!("/api/v1/tickets/{ticket}/recall"), serde_json::json!({}), staff_only.clone()),
        (Method::POST, format!("/api/v1/tickets/{ticket}/start"), serde_json::json!({}), staff_only.clone()),
        (Method::POST, format!("/api/v1/tickets/{ticket}/finish"), serde_json::json!({}), staff_only.clone()),
        (
            Method::POST,
            format!("/api/v1/tickets/{ticket}/no-show"),
            serde_json::json!({}),
            staff_only.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{ticket}/requeue"),
            serde_json::json!({}),
            staff_only.clone(),
        ),
        (Method::POST, format!("/api/v1/tickets/{ticket}/cancel"), serde_json::json!({}), staff_only.clone()),
        (
            Method::POST,
            format!("/api/v1/tickets/{ticket}/transfer"),
            serde_json::json!({"stage": "wawancara"}),
            staff_only.clone(),
        ),
        (Method::POST, "/api/v1/auth/logout".into(), serde_json::json!({}), staff_only.clone()),
        (
            Method::DELETE,
            "/api/v1/devices/kiosk-1".into(),
            serde_json::json!({}),
            vec![Staff, Kiosk, Display],
        ),
        // Staff reads.
        (
            Method::GET,
            "/api/v1/offices/kanim-jaksel/queue".into(),
            serde_json::Value::Null,
            staff_only.clone(),
        ),
        (
            Method::GET,
            "/api/v1/offices/kanim-jaksel/counters".into(),
            serde_json::Value::Null,
            staff_only.clone(),
        ),
        (Method::GET, "/api/v1/offices/kanim-jaksel/events".into(), serde_json::Value::Null, vec![Kiosk]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_mutating_endpoint_answers_401_without_a_token_and_403_with_a_wrong_role() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let ticket = kiosk.walkin("C", None).await.expect("walk-in").id;
    let mut tokens = std::collections::HashMap::new();
    for (name, role) in [("st", Role::Staff), ("sv", Role::Supervisor), ("ad", Role::Admin)] {
        let client = hub.login_as(name, role).await;
        tokens.insert(role, client.token().expect("token").to_owned());
    }
    tokens.insert(Role::Kiosk, kiosk.token().expect("token").to_owned());
    let display = hub.device("display-1", Role::Display).await;
    tokens.insert(Role::Display, display.token().expect("token").to_owned());

    let endpoints = mutating_endpoints(&ticket);
    for (method, path, body, refused) in &endpoints {
        for token in [None, Some("not-a-token"), Some("")] {
            let response = hub.raw(method.clone(), path, token, (!body.is_null()).then_some(body)).await;
            assert_eq!(response.status(), 401, "{method} {path} with {token:?}");
            let error: serde_json::Value = response.json().await.expect("json");
            assert_eq!(error["error"]["code"], "unauthorized", "{method} {path}");
        }
        for role in refused {
            let body = (!body.is_null()).then_some(body);
            let response = hub.raw(method.clone(), path, Some(&tokens[role]), body).await;
            assert_eq!(response.status(), 403, "{method} {path} as {role:?}");
            let error: serde_json::Value = response.json().await.expect("json");
            assert_eq!(error["error"]["code"], "forbidden");
        }
    }
    // Nothing above changed the ticket.
    let staff = hub.login_as("check", Role::Staff).await;
    let queue = staff.queue("kanim-jaksel").await.expect("queue");
    assert_eq!(queue.stages[0].waiting.len(), 1);
    assert_eq!(queue.stages[0].waiting[0].id, ticket);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_password_or_token_is_stored_in_clear() {
    let hub = TestHub::start().await;
    let password = "Sangat-Rahasia-2026";
    hub.add_user("siti", password, Role::Supervisor).await;
    let (session, _) = hub.anonymous().login("siti", password).await.expect("login");
    let session_token = session.token().expect("token").to_owned();
    let kiosk = hub.kiosk().await;
    let kiosk_token = kiosk.token().expect("token").to_owned();
    let admin = hub.admin().await;
    let nik = "3174099988877766";
    let mut item = new_appointment("A", today(), "09:00", 1);
    item.nik = nik.into();
    admin.create_appointments(vec![item]).await.expect("appointment");
    let dir = hub.stop().await;
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("antrian.db")) {
            bytes.extend(std::fs::read(&path).expect("read"));
        }
    }
    assert!(bytes.len() > 4096, "the database was read");
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for secret in [password, &session_token, &kiosk_token, nik] {
        assert!(!contains(secret), "{secret:?} is stored in clear");
    }
    assert!(contains("$argon2id$"), "passwords are argon2id hashes");
    assert!(contains("7766"), "the last four NIK digits are kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passwords_are_refused_and_repeated_failures_slowed_down() {
    let hub = TestHub::start().await;
    hub.add_user("budi", "benar-sekali", Role::Staff).await;
    let anonymous = hub.anonymous();
    assert_eq!(code(anonymous.login("budi", "salah").await), "unauthorized");
    assert_eq!(code(anonymous.login("nobody", "whatever").await), "unauthorized");
    for _ in 0..5 {
        let _ = anonymous.login("budi", "salah").await;
    }
    // Five failures are free; the sixth makes the next try wait, even with the right password.
    let slowed = anonymous.login("budi", "benar-sekali").await.expect_err("must wait");
    assert_eq!((slowed.code(), slowed.status()), (Some("too_many_attempts"), Some(429)));
    hub.hub.clock.set(hub.hub.clock.now() + chrono::Duration::seconds(3));
    let (_, role) = anonymous.login("budi", "benar-sekali").await.expect("after the wait");
    assert_eq!(role, Role::Staff);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_expire_and_logout_and_device_revocation_take_effect_at_once() {
    let hub = TestHub::start().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    assert!(staff.queue("kanim-jaksel").await.is_ok());
    hub.hub.clock.set(hub.hub.clock.now() + chrono::Duration::hours(13));
    assert_eq!(code(staff.queue("kanim-jaksel").await), "unauthorized", "12 h sessions");

    let (again, _) = hub.anonymous().login("loket", "loket-password").await.expect("login");
    assert!(again.queue("kanim-jaksel").await.is_ok());
    let response = hub.raw(Method::POST, "/api/v1/auth/logout", again.token(), None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(code(again.queue("kanim-jaksel").await), "unauthorized");

    let kiosk = hub.kiosk().await;
    assert!(kiosk.walkin("D", None).await.is_ok());
    let supervisor = hub.login_as("kepala", Role::Supervisor).await;
    let response = hub.raw(Method::DELETE, "/api/v1/devices/kiosk-1", supervisor.token(), None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(code(kiosk.walkin("D", None).await), "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_login_sets_an_http_only_same_site_cookie_that_browsers_can_use() {
    let hub = TestHub::start().await;
    hub.add_user("ani", "password-ani", Role::Staff).await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/api/v1/auth/login", hub.url))
        .json(&serde_json::json!({"username": "ani", "password": "password-ani"}))
        .send()
        .await
        .expect("login");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().expect("pair").to_owned();
    let queue = http
        .get(format!("{}/api/v1/offices/kanim-jaksel/queue", hub.url))
        .header("cookie", pair)
        .send()
        .await
        .expect("queue");
    assert_eq!(queue.status(), 200);
}
