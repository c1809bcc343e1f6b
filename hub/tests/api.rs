//! The rest of the v1 API through real HTTP: health, OpenAPI, offices, appointments,
//! bookings, malformed input, and the QR rules of acceptance 6.

mod common;

use antrian_proto::{AppointmentState, Role};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn health_offices_and_the_openapi_document() {
    let hub = TestHub::start().await;
    let health = hub.anonymous().health().await.expect("health");
    assert_eq!(health.status, "ok");
    assert_eq!(health.now.format("%Y-%m-%d %H").to_string(), "2026-11-25 09", "the hub runs on --clock");

    let offices = hub.anonymous().offices().await.expect("offices").offices;
    assert_eq!(offices.len(), 1);
    let office = &offices[0];
    assert_eq!(office.id, "kanim-jaksel");
    let walk_ins: Vec<&str> = office.services.iter().filter(|s| s.walk_in).map(|s| s.id.as_str()).collect();
    assert_eq!(walk_ins, ["C", "P", "D"]);
    assert_eq!(office.counters.len(), 8);
    assert_eq!(office.slots.len(), 7);

    let doc: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", hub.url))
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/health",
        "/api/v1/auth/login",
        "/api/v1/offices",
        "/api/v1/appointments",
        "/api/v1/bookings/{code}",
        "/api/v1/bookings/{code}/cancel",
        "/api/v1/checkins",
        "/api/v1/walkins",
        "/api/v1/offices/{office}/queue",
        "/api/v1/offices/{office}/counters",
        "/api/v1/counters/{counter}/call-next",
        "/api/v1/counters/{counter}/call",
        "/api/v1/counters/{counter}/pause",
        "/api/v1/counters/{counter}/open",
        "/api/v1/counters/{counter}/close",
        "/api/v1/tickets/{id}/recall",
        "/api/v1/tickets/{id}/start",
        "/api/v1/tickets/{id}/finish",
        "/api/v1/tickets/{id}/no-show",
        "/api/v1/tickets/{id}/requeue",
        "/api/v1/tickets/{id}/cancel",
        "/api/v1/tickets/{id}/transfer",
        "/api/v1/status/{token}",
        "/api/v1/offices/{office}/events",
    ] {
        assert!(paths.contains_key(path), "OpenAPI lacks {path}");
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    assert!(schemas["Ticket"]["properties"]["people_ahead"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appointments_are_created_all_or_nothing_and_a_bad_row_is_named() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let mut batch: Vec<_> = (0..5).map(|i| new_appointment("A", today(), "10:00", i)).collect();
    batch[3].nik = "12345".into();
    let error = admin.create_appointments(batch.clone()).await.expect_err("bad NIK");
    assert_eq!((error.code(), error.status()), (Some("invalid_request"), Some(422)));
    assert!(error.to_string().contains("appointment 4"), "{error}");
    batch[3].nik = nik(3);
    batch[1].slot = "10:30".into();
    assert!(
        admin
            .create_appointments(batch.clone())
            .await
            .expect_err("bad slot")
            .to_string()
            .contains("appointment 2")
    );
    batch[1].slot = "10:00".into();
    for (field, bad) in [("service", "D"), ("service", "Z"), ("office", "kanim-bandung"), ("name", "  ")] {
        let mut wrong = batch.clone();
        match field {
            "service" => wrong[0].service = bad.into(),
            "office" => wrong[0].office = bad.into(),
            _ => wrong[0].name = bad.into(),
        }
        assert_eq!(code(admin.create_appointments(wrong).await), "invalid_request", "{field}={bad}");
    }
    // Nothing of the refused batches was stored: the same NIKs book fine now.
    let created = admin.create_appointments(batch.clone()).await.expect("valid batch");
    assert_eq!(created.len(), 5);
    for appointment in &created {
        assert_eq!(appointment.state, AppointmentState::Booked);
        assert_eq!(appointment.booking_code.len(), 10);
        assert!(appointment.qr.len() <= 200);
        assert!(!appointment.booking_code.contains(['0', 'O', '1', 'I']));
    }
    assert_eq!(created[2].nik_last4, nik(2)[12..]);
    // One active booking per NIK per day.
    let again = admin.create_appointments(vec![new_appointment("B", today(), "11:00", 2)]).await;
    assert_eq!(code(again), "duplicate_booking");
    // An issuer's own booking code is kept, and must be unique.
    let mut issued = new_appointment("B", today(), "11:00", 90);
    issued.booking_code = Some("mp-0042-x".into());
    let kept = admin.create_appointments(vec![issued.clone()]).await.expect("issuer code");
    assert_eq!(kept[0].booking_code, "MP0042X");
    // Only letters, digits, spaces and dashes, as the API description's pattern says.
    for odd in ["AB\tCD1234", "KODE\u{131}234", "----", "ABCDEFGHJKMNPQRSTU"] {
        let mut other = new_appointment("B", today(), "11:00", 92);
        other.booking_code = Some(odd.into());
        assert_eq!(code(admin.create_appointments(vec![other]).await), "invalid_request", "{odd:?}");
    }
    issued.nik = nik(91);
    // A code already held is a duplicate booking (409), as a NIK already holding that day is.
    assert_eq!(code(admin.create_appointments(vec![issued]).await), "duplicate_booking");
    assert_eq!(code(admin.create_appointments(vec![]).await), "invalid_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_is_found_and_cancelled_only_with_its_nik_digits() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let booked = book(&admin, "13:00", 1, 11).await.remove(0);
    let anyone = hub.anonymous();
    assert_eq!(code(anyone.booking(&booked.booking_code, "9999").await), "not_found");
    assert_eq!(code(anyone.booking("NOSUCHCODE", &booked.nik_last4).await), "not_found");
    assert_eq!(anyone.booking(&booked.booking_code, &booked.nik_last4).await.expect("found"), booked);
    assert_eq!(code(anyone.cancel_booking(&booked.booking_code, "9999").await), "not_found");
    let cancelled = anyone.cancel_booking(&booked.booking_code, &booked.nik_last4).await.expect("cancel");
    assert_eq!(cancelled.state, AppointmentState::Cancelled);
    // The NIK is free again for that day.
    admin.create_appointments(vec![new_appointment("A", today(), "14:00", 11)]).await.expect("rebook");

    let used = book(&admin, "09:00", 1, 12).await.remove(0);
    hub.kiosk().await.checkin_qr(&used.qr).await.expect("check-in");
    assert_eq!(code(anyone.cancel_booking(&used.booking_code, &used.nik_last4).await), "invalid_transition");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_requests_get_invalid_request_and_unknown_paths_not_found() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let token = kiosk.token().expect("token").to_owned();
    let http = reqwest::Client::new();
    let post = |body: &'static str, content_type: &'static str| {
        http.post(format!("{}/api/v1/walkins", hub.url))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (body, content_type) in [
        ("{not json", "application/json"),
        ("{\"service\": 5}", "application/json"),
        ("{}", "application/json"),
        // serde would read a struct from an array of its fields in order.
        ("[\"C\", \"r-1\"]", "application/json"),
        ("{\"service\": \"C\"}", "text/plain"),
        ("service=C", "application/x-www-form-urlencoded"),
    ] {
        let response = post(body, content_type).await.expect("send");
        assert_eq!(response.status(), 422, "{body} as {content_type}");
        let error: serde_json::Value = response.json().await.expect("error body");
        assert_eq!(error["error"]["code"], "invalid_request");
        assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let response = http.get(format!("{}/api/v1/nothing-here", hub.url)).send().await.expect("send");
    assert_eq!(response.status(), 404);
    let error: serde_json::Value = response.json().await.expect("error body");
    assert_eq!(error["error"]["code"], "not_found");
    // None of it issued a ticket.
    let staff = hub.login_as("loket", Role::Staff).await;
    assert_eq!(staff.call_next("1", None).await.expect("call"), None);
}

/// The counter actions' body is optional (API.md: `request_id?`): none or `null` is the
/// action without a `request_id`; anything else must be its JSON — white space alone or
/// random bytes are refused and change nothing (issue 18, item 9: the document said so, the
/// hub took them).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_optional_body_may_be_absent_or_null_but_not_garbage() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let token = staff.token().expect("token").to_owned();
    for _ in 0..3 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    let http = reqwest::Client::new();
    let call_next = |body: &'static [u8]| {
        http.post(format!("{}/api/v1/counters/1/call-next", hub.url))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for body in [&b"\n"[..], b"  ", b"\x00\xff garbage", b"{\"request_id\": 5}", b"[]", b"[\"r-1\"]"] {
        let response = call_next(body).await.expect("send");
        assert_eq!(response.status(), 422, "{body:?}");
        let error: serde_json::Value = response.json().await.expect("error body");
        assert_eq!(error["error"]["code"], "invalid_request", "{body:?}");
    }
    // Nothing was called by the refused requests.
    let counters = staff.counters("kanim-jaksel").await.expect("counters");
    assert!(counters.counters.iter().all(|c| c.ticket.is_none()), "{counters:?}");
    for body in [&b""[..], b"null"] {
        let response = call_next(body).await.expect("send");
        assert_eq!(response.status(), 200, "{body:?}");
        let called: serde_json::Value = response.json().await.expect("answer");
        let id = called["ticket"]["id"].as_str().expect("a ticket called").to_owned();
        staff.finish(&id, None).await.expect("finish");
    }
}

/// A staff user's name is taken once: adding it again is 409 `already_exists` and leaves the
/// first user as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adding_a_user_whose_name_is_taken_is_a_conflict_and_changes_nothing() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let token = admin.token().expect("token").to_owned();
    let add =
        |password: &str| serde_json::json!({ "username": "rina", "password": password, "role": "staff" });
    let users = "/api/v1/users";
    let first = hub.raw(reqwest::Method::POST, users, Some(&token), Some(&add("rina-password"))).await;
    assert_eq!(first.status(), 201);
    let again = hub.raw(reqwest::Method::POST, users, Some(&token), Some(&add("another-password"))).await;
    assert_eq!(again.status(), 409);
    let error: serde_json::Value = again.json().await.expect("error body");
    assert_eq!(error["error"]["code"], "already_exists");
    assert!(error["error"]["message"].as_str().is_some_and(|m| m.contains("rina")), "{error}");
    hub.anonymous().login("rina", "rina-password").await.expect("the first password still works");
    assert!(hub.anonymous().login("rina", "another-password").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changing_any_single_character_of_a_booking_qr_gives_invalid_qr() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let booked = book(&admin, "09:00", 1, 1).await.remove(0);
    let text = booked.qr.clone();
    let mut checked = 0;
    for (position, original) in text.char_indices() {
        // A neighbour in the same character class, and one from another class.
        let replacements = match original {
            'A'..='Y' => [((original as u8) + 1) as char, '7'],
            'Z' => ['Y', '2'],
            '0'..='8' => [((original as u8) + 1) as char, 'K'],
            '9' => ['8', 'K'],
            _ => ['X', '-'],
        };
        for replacement in replacements {
            if replacement == original {
                continue;
            }
            let mut changed = text.clone();
            changed.replace_range(position..position + 1, &replacement.to_string());
            let error = kiosk.checkin_qr(&changed).await.expect_err("changed text must be refused");
            assert_eq!(error.code(), Some("invalid_qr"), "position {position}: {original} → {replacement}");
            checked += 1;
        }
    }
    assert!(checked >= text.len(), "every position was changed");
    // And the genuine text still works after all that.
    assert_eq!(kiosk.checkin_qr(&text).await.expect("genuine").ticket.number, "A001");
}

/// A state in the file that this hub cannot read (written by a newer version, or damaged) is
/// answered as the hub's own error — never shown as some other state, and never acted on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stored_state_this_hub_cannot_read_is_an_error_not_another_state() {
    let hub = TestHub::start().await;
    let (kiosk, staff) = (hub.kiosk().await, hub.admin().await);
    let ticket = kiosk.walkin("D", None).await.expect("walk-in");
    let token = ticket.status_url.rsplit('/').next().expect("token").to_owned();
    assert_eq!(hub.anonymous().status(&token).await.expect("status").number, "D001");

    let path = hub.hub.store.path().to_owned();
    let id = ticket.id.clone();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(path).expect("open the database");
        conn.execute("UPDATE tickets SET state = 'lost' WHERE id = ?1", [&id]).expect("damage a ticket");
        conn.execute("UPDATE counters SET state = 'broken' WHERE id = '3'", []).expect("damage a counter");
    })
    .await
    .expect("write");

    let unreadable = |error: antrian_proto::ClientError| {
        assert_eq!((error.code(), error.status()), (Some("internal"), Some(500)), "{error}");
        assert!(!error.to_string().contains("cancelled"), "{error}");
    };
    unreadable(hub.anonymous().status(&token).await.expect_err("the ticket's state is unreadable"));
    // The queue lists the states it knows; the unreadable ticket is not passed off as one.
    let queue = staff.queue("kanim-jaksel").await.expect("queue");
    let listed = queue.stages.iter().flat_map(|s| s.waiting.iter().chain(&s.serving)).chain(&queue.no_show);
    assert!(listed.map(|t| &t.id).all(|id| id != &ticket.id), "{queue:?}");
    unreadable(staff.ticket_action(&ticket.id, "cancel").await.expect_err("not acted on"));
    unreadable(staff.counters("kanim-jaksel").await.expect_err("counter 3 is unreadable"));
    unreadable(staff.call_next("3", None).await.expect_err("nor is it called to"));
    // Nothing was changed by the refused requests: the rows are as they were damaged.
    assert_eq!(count_in_file(&hub, "SELECT COUNT(*) FROM tickets WHERE state = 'lost'").await, 1);
    assert_eq!(count_in_file(&hub, "SELECT COUNT(*) FROM counters WHERE state = 'broken'").await, 1);
    // The rest of the office goes on.
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D002");
}
