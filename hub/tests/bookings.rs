//! Online booking through real HTTP: the quota under real concurrency, every error code of
//! the bookings rows of API.md, the reschedule rules, no-shows, the limits against brokers.

mod common;

use std::sync::Arc;

use antrian_proto::{AppointmentState, Client};
use chrono::NaiveDate;
use common::*;
use tokio::sync::Barrier;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

const TOMORROW: &str = "2026-11-26";

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn five_hundred_racing_for_fifty_places_get_exactly_fifty() {
    let hub = TestHub::start_with(booking_config(50, &[]), MORNING).await;
    let anyone = hub.anonymous();
    let barrier = Arc::new(Barrier::new(500));
    let mut tasks = Vec::new();
    for n in 0..500u64 {
        let (client, barrier) = (anyone.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client.book(&booking_request(date(TOMORROW), "10:00", n)).await
        }));
    }
    let (mut booked, mut full) = (Vec::new(), 0);
    for task in tasks {
        match task.await.expect("join") {
            Ok(appointment) => booked.push(appointment),
            Err(error) => {
                assert_eq!(error.code(), Some("quota_full"), "{error}");
                assert_eq!(error.status(), Some(409));
                full += 1;
            }
        }
    }
    assert_eq!((booked.len(), full), (50, 450));
    let slot = |a: &antrian_proto::AvailabilityResponse| {
        a.slots.iter().find(|s| s.slot == "10:00").cloned().expect("slot")
    };
    let availability = anyone.availability("kanim-jaksel", date(TOMORROW), "A").await.expect("availability");
    assert_eq!((slot(&availability).booked, slot(&availability).remaining), (50, 0));
    // A full slot is not bookable (issue 18, item 10: it said `bookable: true` with 0 places).
    assert!(!slot(&availability).bookable, "{availability:?}");
    let other = availability.slots.iter().find(|s| s.slot == "11:00").expect("11:00");
    assert!(other.bookable && other.remaining > 0, "{other:?}");

    // One cancel lets exactly one more of twenty racers through.
    anyone.cancel_booking(&booked[7].booking_code, &booked[7].nik_last4).await.expect("cancel");
    let freed = slot(&anyone.availability("kanim-jaksel", date(TOMORROW), "A").await.expect("a"));
    assert_eq!((freed.remaining, freed.bookable), (1, true));
    let barrier = Arc::new(Barrier::new(20));
    let mut tasks = Vec::new();
    for n in 1000..1020u64 {
        let (client, barrier) = (anyone.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client.book(&booking_request(date(TOMORROW), "10:00", n)).await.is_ok()
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.expect("join"));
    }
    assert_eq!(winners, 1);
    let refilled = slot(&anyone.availability("kanim-jaksel", date(TOMORROW), "A").await.expect("a"));
    assert_eq!((refilled.remaining, refilled.bookable), (0, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn reschedules_racing_for_the_last_place_get_exactly_one() {
    let hub = TestHub::start_with(booking_config(50, &[]), MORNING).await;
    let anyone = hub.anonymous();
    for n in 0..49u64 {
        anyone.book(&booking_request(date(TOMORROW), "10:00", n)).await.expect("fill 10:00");
    }
    let mut movers = Vec::new();
    for n in 100..130u64 {
        movers.push(anyone.book(&booking_request(date(TOMORROW), "11:00", n)).await.expect("book 11:00"));
    }
    let barrier = Arc::new(Barrier::new(movers.len()));
    let mut tasks = Vec::new();
    for mover in movers {
        let (client, barrier) = (anyone.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client.reschedule(&mover.booking_code, date(TOMORROW), "10:00", &mover.nik_last4).await
        }));
    }
    let mut moved = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(appointment) => {
                assert_eq!(appointment.slot, "10:00");
                moved += 1;
            }
            Err(error) => assert_eq!(error.code(), Some("quota_full"), "{error}"),
        }
    }
    assert_eq!(moved, 1);
    let availability = anyone.availability("kanim-jaksel", date(TOMORROW), "A").await.expect("availability");
    let remaining = |slot: &str| availability.slots.iter().find(|s| s.slot == slot).map(|s| s.remaining);
    assert_eq!(remaining("10:00"), Some(0));
    assert_eq!(remaining("11:00"), Some(50 - 29), "the moved booking's old place is free");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_booking_error_code() {
    let config = booking_config(1, &[("max_active_per_nik = 2", "max_active_per_nik = 2")]);
    let hub = TestHub::start_with(config, MORNING).await;
    let anyone = hub.anonymous();
    let first = anyone.book(&booking_request(date(TOMORROW), "09:00", 1)).await.expect("book");
    assert_eq!(first.state, AppointmentState::Booked);
    assert_eq!(first.date, date(TOMORROW));
    assert_eq!(first.nik_last4, nik(1)[12..]);

    let error = anyone.book(&booking_request(date(TOMORROW), "09:00", 2)).await.expect_err("full");
    assert_eq!((error.code(), error.status()), (Some("quota_full"), Some(409)));
    let error =
        anyone.book(&booking_request(date(TOMORROW), "10:00", 1)).await.expect_err("same NIK, same day");
    assert_eq!((error.code(), error.status()), (Some("duplicate_booking"), Some(409)));
    for bad in ["123", "31740000000000001", "3174abcd00000001", ""] {
        let mut request = booking_request(date(TOMORROW), "10:00", 3);
        request.nik = bad.into();
        let error = anyone.book(&request).await.expect_err("bad NIK");
        assert_eq!((error.code(), error.status()), (Some("invalid_nik"), Some(422)), "{bad:?}");
    }
    for (day, slot, why) in [
        ("2026-11-25", "14:00", "today: bookings open from tomorrow"),
        ("2026-11-24", "10:00", "the past"),
        ("2026-12-26", "10:00", "beyond the 30-day horizon"),
        ("2026-11-28", "10:00", "a Saturday"),
        ("2026-12-25", "10:00", "a holiday"),
        ("2026-11-27", "10:30", "no such session"),
        ("2026-12-12", "13:00", "the extra Saturday has only morning sessions"),
    ] {
        let error = anyone.book(&booking_request(date(day), slot, 4)).await.expect_err(why);
        assert_eq!((error.code(), error.status()), (Some("closed"), Some(409)), "{why}");
    }
    // The extra Saturday session is bookable.
    let saturday =
        anyone.book(&booking_request(date("2026-12-12"), "08:00", 4)).await.expect("extra session");
    assert_eq!(saturday.slot, "08:00");

    // Cap on active future bookings per NIK: 2 in this office.
    anyone.book(&booking_request(date("2026-11-27"), "09:00", 1)).await.expect("second booking");
    let error = anyone.book(&booking_request(date("2026-11-30"), "09:00", 1)).await.expect_err("third");
    assert_eq!((error.code(), error.status()), (Some("booking_limit"), Some(409)));

    let mut walk_in = booking_request(date(TOMORROW), "11:00", 5);
    walk_in.service = "D".into();
    assert_eq!(code(anyone.book(&walk_in).await), "invalid_request");
    assert_eq!(code(anyone.booking(&first.booking_code, "0000").await), "not_found");
    assert_eq!(code(anyone.cancel_booking(&first.booking_code, "0000").await), "not_found");
    assert_eq!(code(anyone.availability("kanim-bandung", date(TOMORROW), "A").await), "not_found");
    assert_eq!(code(anyone.availability("kanim-jaksel", date(TOMORROW), "D").await), "invalid_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_moves_once_before_its_slot_and_its_new_qr_checks_in() {
    let hub = TestHub::start_with(booking_config(2, &[]), MORNING).await;
    let anyone = hub.anonymous();
    let booked = anyone.book(&booking_request(date(TOMORROW), "09:00", 1)).await.expect("book");
    let code_ = booked.booking_code.clone();
    let last4 = booked.nik_last4.clone();
    assert_eq!(code(anyone.reschedule(&code_, date(TOMORROW), "09:00", &last4).await), "invalid_request");
    assert_eq!(code(anyone.reschedule(&code_, date(TOMORROW), "10:00", "0000").await), "not_found");
    assert_eq!(code(anyone.reschedule(&code_, date("2026-11-28"), "10:00", &last4).await), "closed");
    // Another booking of the same NIK on the target date blocks the move there.
    anyone.book(&booking_request(date("2026-11-27"), "09:00", 1)).await.expect("other day");
    assert_eq!(
        code(anyone.reschedule(&code_, date("2026-11-27"), "10:00", &last4).await),
        "duplicate_booking"
    );
    // A full target slot.
    anyone.book(&booking_request(date("2026-11-30"), "13:00", 2)).await.expect("fill");
    anyone.book(&booking_request(date("2026-11-30"), "13:00", 3)).await.expect("fill");
    assert_eq!(code(anyone.reschedule(&code_, date("2026-11-30"), "13:00", &last4).await), "quota_full");

    let moved = anyone.reschedule(&code_, date("2026-11-30"), "14:00", &last4).await.expect("move");
    assert_eq!(
        (moved.date, moved.slot.as_str(), moved.booking_code.as_str()),
        (date("2026-11-30"), "14:00", code_.as_str())
    );
    assert_ne!(moved.qr, booked.qr, "a new QR for the new date");
    let error = anyone.reschedule(&code_, date("2026-12-01"), "14:00", &last4).await.expect_err("second try");
    assert_eq!((error.code(), error.status()), (Some("invalid_transition"), Some(409)));

    // On the new date the new QR checks in.
    hub.set_clock("2026-11-30T13:30:00+07:00");
    let kiosk = hub.kiosk().await;
    let ticket = kiosk.checkin_qr(&moved.qr).await.expect("check-in on the new date").ticket;
    assert_eq!(ticket.slot.as_deref(), Some("14:00"));

    // A booking whose slot has begun cannot move; a cancelled one neither.
    hub.set_clock(MORNING);
    let other = anyone.book(&booking_request(date(TOMORROW), "09:00", 9)).await.expect("book");
    hub.set_clock("2026-11-26T09:00:01+07:00");
    assert_eq!(
        code(anyone.reschedule(&other.booking_code, date("2026-11-27"), "10:00", &other.nik_last4).await),
        "invalid_transition"
    );
    hub.set_clock(MORNING);
    anyone.cancel_booking(&other.booking_code, &other.nik_last4).await.expect("cancel");
    assert_eq!(
        code(anyone.reschedule(&other.booking_code, date("2026-11-27"), "10:00", &other.nik_last4).await),
        "cancelled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn applicants_who_never_came_become_no_show_by_themselves() {
    let config = booking_config(20, &[("no_show_sweep_seconds = 60", "no_show_sweep_seconds = 1")]);
    let hub = TestHub::start_with(config, "2026-11-25T07:30:00+07:00").await;
    let admin = hub.admin().await;
    let eight = book(&admin, "08:00", 1, 1).await.remove(0);
    let nine = book(&admin, "09:00", 1, 2).await.remove(0);
    let checked = book(&admin, "08:00", 1, 3).await.remove(0);
    hub.kiosk().await.checkin_qr(&checked.qr).await.expect("check-in");
    hub.set_clock("2026-11-25T09:00:30+07:00");
    let anyone = hub.anonymous();
    let state = |a: &antrian_proto::Appointment| {
        let (anyone, a) = (anyone.clone(), a.clone());
        async move { anyone.booking(&a.booking_code, &a.nik_last4).await.expect("booking").state }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while state(&eight).await != AppointmentState::NoShow {
        assert!(std::time::Instant::now() < deadline, "the sweep never marked the 08:00 booking");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(state(&nine).await, AppointmentState::Booked, "the 09:00 window is still open");
    assert_eq!(state(&checked).await, AppointmentState::CheckedIn);
    assert_eq!(code(hub.kiosk_named("kiosk-2").await.checkin_qr(&eight.qr).await), "too_late");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn booking_requests_are_limited_per_client_address_behind_a_trusted_proxy() {
    let config = booking_config(
        50,
        &[
            ("rate_limit_per_minute = 0", "rate_limit_per_minute = 3"),
            ("trusted_proxy = \"\"", "trusted_proxy = \"127.0.0.1\""),
        ],
    );
    let hub = TestHub::start_with(config, MORNING).await;
    let http = reqwest::Client::new();
    let book_from = |address: &'static str, n: u64| {
        http.post(format!("{}/api/v1/bookings", hub.url))
            .header("x-forwarded-for", address)
            .json(&booking_request(date(TOMORROW), "10:00", n))
            .send()
    };
    for n in 0..3 {
        assert_eq!(book_from("198.51.100.7", n).await.expect("send").status(), 201);
    }
    let refused = book_from("198.51.100.7", 3).await.expect("send");
    assert_eq!(refused.status(), 429);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        book_from("198.51.100.8", 4).await.expect("send").status(),
        201,
        "another applicant is not affected"
    );
    let availability =
        Client::new(&hub.url).availability("kanim-jaksel", date(TOMORROW), "A").await.expect("a");
    assert_eq!(
        availability.slots.iter().find(|s| s.slot == "10:00").map(|s| s.booked),
        Some(4),
        "the refused one booked nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_calendar_shows_which_days_still_have_places() {
    let hub = TestHub::start_with(booking_config(1, &[]), MORNING).await;
    let anyone = hub.anonymous();
    let calendar = anyone.calendar("kanim-jaksel", "A").await.expect("calendar");
    assert_eq!(calendar.days.first().map(|d| d.date), Some(date(TOMORROW)));
    assert_eq!(calendar.days.len(), 30);
    let day = |c: &antrian_proto::CalendarResponse, d: &str| {
        c.days.iter().find(|x| x.date == date(d)).cloned().expect("day")
    };
    assert_eq!((day(&calendar, TOMORROW).remaining, day(&calendar, TOMORROW).closed), (7, false));
    assert!(day(&calendar, "2026-11-28").closed, "Saturday");
    assert!(day(&calendar, "2026-12-25").closed, "holiday");
    assert_eq!(day(&calendar, "2026-12-12").remaining, 3 * 30, "extra Saturday: 3 sessions of 30");
    for (i, slot) in ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"].iter().enumerate() {
        anyone.book(&booking_request(date(TOMORROW), slot, i as u64)).await.expect("book");
    }
    let calendar = anyone.calendar("kanim-jaksel", "A").await.expect("calendar");
    assert_eq!(day(&calendar, TOMORROW).remaining, 0, "full day");
}
