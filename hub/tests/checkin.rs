//! Check-in and walk-ins through real HTTP: every rule of API.md and each error code.

mod common;

use antrian_proto::qr::{BookingClaim, QrSigner};
use antrian_proto::{AppointmentState, CheckinRequest, Role, TicketState};
use chrono::NaiveTime;
use common::*;
use reqwest::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scanned_booking_gets_a_numbered_ticket_and_a_rescan_reprints_it() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let booked = book(&admin, "09:00", 2, 1).await;

    let first = kiosk.checkin_qr(&booked[0].qr).await.expect("check-in");
    assert!(!first.reprint);
    assert_eq!(first.ticket.number, "A001");
    assert_eq!(first.ticket.state, TicketState::Waiting);
    assert_eq!(first.ticket.stage, "berkas");
    assert_eq!(first.ticket.booking_code.as_deref(), Some(booked[0].booking_code.as_str()));
    assert!(first.ticket.status_url.starts_with(&format!("{}/t/", hub.url)));
    assert!(first.ticket.name.is_none(), "the kiosk is not told the applicant's name");

    let again = kiosk.checkin_qr(&booked[0].qr).await.expect("rescan");
    assert!(again.reprint, "the same booking again is a reprint");
    assert_eq!(again.ticket.id, first.ticket.id);
    assert_eq!(again.ticket.number, "A001");

    // The raw status codes: 201 for a new ticket, 200 for the reprint.
    let body = serde_json::json!({ "qr": booked[1].qr });
    for expected in [201, 200] {
        let response = hub.raw(Method::POST, "/api/v1/checkins", kiosk.token(), Some(&body)).await;
        assert_eq!(response.status(), expected);
    }

    let booking =
        hub.anonymous().booking(&booked[0].booking_code, &booked[0].nik_last4).await.expect("booking");
    assert_eq!(booking.state, AppointmentState::CheckedIn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_code_and_the_last_four_nik_digits_check_in_too() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let booked = book(&admin, "09:00", 1, 7).await;
    let code = booked[0].booking_code.clone();

    let wrong_digits = CheckinRequest {
        booking_code: Some(code.clone()),
        nik_last4: Some("0000".into()),
        ..Default::default()
    };
    assert_eq!(code_of(kiosk.checkin(&wrong_digits).await), "unknown_booking");
    let not_digits = CheckinRequest { nik_last4: Some("12a4".into()), ..wrong_digits.clone() };
    assert_eq!(code_of(kiosk.checkin(&not_digits).await), "invalid_request");
    let neither = CheckinRequest::default();
    assert_eq!(code_of(kiosk.checkin(&neither).await), "invalid_request");

    // Typed in lower case with a dash, as people do on a keypad.
    let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    let by_code = CheckinRequest {
        booking_code: Some(typed),
        nik_last4: Some(booked[0].nik_last4.clone()),
        ..Default::default()
    };
    let answer = kiosk.checkin(&by_code).await.expect("check-in by code");
    assert_eq!(answer.ticket.number, "A001");
    assert!(!answer.reprint);
}

fn code_of<T: std::fmt::Debug>(result: Result<T, antrian_proto::ClientError>) -> String {
    code(result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_check_in_refusal_has_its_code_and_issues_nothing() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let tomorrow = today().succ_opt().expect("date");
    let yesterday = today().pred_opt().expect("date");
    let items = vec![
        new_appointment("A", tomorrow, "09:00", 1),  // wrong_date
        new_appointment("A", today(), "14:00", 2),   // too_early at 09:05 (opens 13:00)
        new_appointment("A", today(), "08:00", 3),   // too_late at 09:05 (closed 09:00)
        new_appointment("A", today(), "09:00", 4),   // cancelled
        new_appointment("A", yesterday, "09:00", 5), // too_late, a day late
    ];
    let booked = admin.create_appointments(items).await.expect("appointments");
    hub.anonymous().cancel_booking(&booked[3].booking_code, &booked[3].nik_last4).await.expect("cancel");

    let wrong_date = kiosk.checkin_qr(&booked[0].qr).await.expect_err("wrong date");
    assert_eq!(wrong_date.code(), Some("wrong_date"));
    assert_eq!(wrong_date.status(), Some(409));
    let early = kiosk.checkin_qr(&booked[1].qr).await.expect_err("too early");
    assert_eq!(early.code(), Some("too_early"));
    assert!(early.to_string().contains("13:00"), "says when to come back: {early}");
    assert_eq!(code(kiosk.checkin_qr(&booked[2].qr).await), "too_late");
    assert_eq!(code(kiosk.checkin_qr(&booked[3].qr).await), "cancelled");
    assert_eq!(code(kiosk.checkin_qr(&booked[4].qr).await), "too_late");

    // invalid_qr: garbled text, and a well-formed code from an unknown issuer.
    for garbled in ["", "hello", "AQ1.KANIM-JAKSEL", &booked[0].qr[..booked[0].qr.len() - 1]] {
        let error = kiosk.checkin_qr(garbled).await.expect_err("garbled");
        assert_eq!((error.code(), error.status()), (Some("invalid_qr"), Some(422)), "{garbled:?}");
    }
    let broker = QrSigner::from_secret_bytes(&[9; 32]);
    let forged = broker
        .sign(&BookingClaim {
            booking_code: booked[0].booking_code.clone(),
            office: "kanim-jaksel".into(),
            service: "A".into(),
            date: today(),
            slot: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        })
        .expect("sign");
    assert_eq!(code(kiosk.checkin_qr(&forged).await), "invalid_qr");

    // unknown_booking: a genuine signature over a code the hub does not hold.
    let unknown = hub
        .hub
        .secrets
        .signer
        .sign(&BookingClaim {
            booking_code: "ZZZZZZZZZZ".into(),
            office: "kanim-jaksel".into(),
            service: "A".into(),
            date: today(),
            slot: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        })
        .expect("sign");
    let error = kiosk.checkin_qr(&unknown).await.expect_err("unknown");
    assert_eq!((error.code(), error.status()), (Some("unknown_booking"), Some(404)));

    let queue = hub.login_as("loket", Role::Staff).await.queue("kanim-jaksel").await.expect("queue");
    let waiting: usize = queue.stages.iter().map(|s| s.waiting.len()).sum();
    assert_eq!(waiting, 0, "no refusal issued a ticket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_arrival_window_runs_from_an_hour_before_to_the_end_of_the_slot() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let booked = book(&admin, "10:00", 3, 40).await;
    hub.set_clock("2026-11-25T08:59:00+07:00");
    assert_eq!(code(kiosk.checkin_qr(&booked[0].qr).await), "too_early");
    hub.set_clock("2026-11-25T09:00:30+07:00");
    assert_eq!(kiosk.checkin_qr(&booked[0].qr).await.expect("in window").ticket.number, "A001");
    hub.set_clock("2026-11-25T10:59:00+07:00");
    assert_eq!(kiosk.checkin_qr(&booked[1].qr).await.expect("in window").ticket.number, "A002");
    hub.set_clock("2026-11-25T11:00:30+07:00");
    assert_eq!(code(kiosk.checkin_qr(&booked[2].qr).await), "too_late");
    // A reprint is still given after the window: the ticket exists.
    assert!(kiosk.checkin_qr(&booked[0].qr).await.expect("reprint").reprint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_office_s_code_is_wrong_office_and_trusted_issuers_are_accepted() {
    // A national issuer's key is in hub.toml; its codes for this office check in, its codes
    // for another office are refused as wrong_office.
    let issuer = QrSigner::from_secret_bytes(&[7; 32]);
    let public = antrian_proto::qr::encode_public_key(&issuer.verifying_key());
    let config = config_with(&[("trusted_keys = []", &format!("trusted_keys = [\"{public}\"]"))]);
    let hub = TestHub::start_with(config, MORNING).await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let mut item = new_appointment("A", today(), "09:00", 77);
    item.booking_code = Some("MPASPOR1234".into());
    admin.create_appointments(vec![item]).await.expect("imported");

    let claim = |office: &str| BookingClaim {
        booking_code: "MPASPOR1234".into(),
        office: office.into(),
        service: "A".into(),
        date: today(),
        slot: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
    };
    let elsewhere = issuer.sign(&claim("kanim-bandung")).expect("sign");
    let error = kiosk.checkin_qr(&elsewhere).await.expect_err("wrong office");
    assert_eq!((error.code(), error.status()), (Some("wrong_office"), Some(409)));
    let here = issuer.sign(&claim("kanim-jaksel")).expect("sign");
    assert_eq!(kiosk.checkin_qr(&here).await.expect("trusted issuer").ticket.number, "A001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn walk_ins_are_numbered_per_service_within_their_quota() {
    let config = config_with(&[("walk_in_quota = 10", "walk_in_quota = 2")]);
    let hub = TestHub::start_with(config, MORNING).await;
    let kiosk = hub.kiosk().await;
    assert_eq!(kiosk.walkin("C", None).await.expect("walk-in").number, "C001");
    let priority = kiosk.walkin("P", None).await.expect("walk-in");
    assert_eq!(priority.number, "P001");
    assert!(priority.priority);
    assert_eq!(kiosk.walkin("C", None).await.expect("walk-in").number, "C002");
    let full = kiosk.walkin("C", None).await.expect_err("quota");
    assert_eq!((full.code(), full.status()), (Some("quota_full"), Some(409)));
    let booked_only = kiosk.walkin("A", None).await.expect_err("booked service");
    assert_eq!((booked_only.code(), booked_only.status()), (Some("not_walk_in"), Some(422)));
    assert_eq!(code(kiosk.walkin("X", None).await), "not_walk_in");

    // A retried request with the same request_id gets the same ticket, not a second one.
    let first = kiosk.walkin("D", Some("kiosk-1-req-42")).await.expect("walk-in");
    let retried = kiosk.walkin("D", Some("kiosk-1-req-42")).await.expect("retry");
    assert_eq!(first.id, retried.id);
    assert_eq!(kiosk.walkin("D", Some("kiosk-1-req-43")).await.expect("walk-in").number, "D002");
    let too_long = "x".repeat(65);
    assert_eq!(code(kiosk.walkin("D", Some(&too_long)).await), "invalid_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn numbers_start_again_at_001_the_next_day() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D001");
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D002");
    hub.set_clock("2026-11-26T08:00:00+07:00");
    let next_day = kiosk.walkin("D", None).await.expect("walk-in");
    assert_eq!(next_day.number, "D001");
    assert!(next_day.id.starts_with("20261126-"));
}

/// A `request_id` stands for one request (issue 18, item 8): used again for another one
/// (another service, another action, by a buggy client) it is refused and does nothing,
/// rather than answered with the first result.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_id_reused_for_another_request_is_refused_and_does_nothing() {
    let hub = TestHub::start().await;
    let (kiosk, staff) = (hub.kiosk().await, hub.admin().await);
    let conflict = |error: antrian_proto::ClientError| {
        assert_eq!((error.code(), error.status()), (Some("idempotency_conflict"), Some(409)), "{error}");
        assert!(error.to_string().contains("already used for another request"), "{error}");
    };
    let first = kiosk.walkin("C", Some("kiosk-1-req-7")).await.expect("walk-in");
    conflict(kiosk.walkin("D", Some("kiosk-1-req-7")).await.expect_err("another service, the same id"));
    assert_eq!(
        kiosk.walkin("D", None).await.expect("walk-in").number,
        "D001",
        "the refused request issued nothing"
    );
    assert_eq!(kiosk.walkin("C", Some("kiosk-1-req-7")).await.expect("the same request again").id, first.id);

    // Its neighbour: a staff action sent with the id of a call-next starts nothing.
    let called = staff.call_next("8", Some("loket-8-click-1")).await.expect("call").expect("D001");
    let start = staff.ticket_action_with(&called.id, "start", "loket-8-click-1").await;
    conflict(start.expect_err("start with the call's id"));
    let queue = staff.queue("kanim-jaksel").await.expect("queue");
    let serving =
        queue.stages.iter().flat_map(|s| &s.serving).find(|t| t.id == called.id).expect("at counter 8");
    assert_eq!(serving.state, antrian_proto::TicketState::Called, "nothing was started");
}
