//! Counter and ticket actions through real HTTP: the flow of a visit through its stages,
//! the queue order, the estimates and every refusal.

mod common;

use antrian_proto::{CounterState, Role, TicketState};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visit_goes_through_document_check_and_interview_to_done() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let ticket = kiosk.walkin("C", None).await.expect("walk-in");

    let called = staff.call_next("1", Some("click-1")).await.expect("call").expect("a ticket");
    assert_eq!(called.id, ticket.id);
    assert_eq!(called.state, TicketState::Called);
    assert_eq!(called.counter.as_deref(), Some("1"));
    assert_eq!(called.counter_name.as_deref(), Some("Loket 1"));
    assert!(called.called_at.is_some());
    // A double click (same request_id) gets the same answer, not the next ticket.
    let double = staff.call_next("1", Some("click-1")).await.expect("repeat").expect("same");
    assert_eq!(double.id, ticket.id);

    let recalled = staff.ticket_action(&ticket.id, "recall").await.expect("recall");
    assert_eq!(recalled.recall, 1);
    let serving = staff.ticket_action(&ticket.id, "start").await.expect("start");
    assert_eq!(serving.state, TicketState::Serving);
    let counters = staff.counters("kanim-jaksel").await.expect("counters");
    let one = counters.counters.iter().find(|c| c.id == "1").expect("counter 1");
    assert_eq!(one.state, CounterState::Open);
    assert_eq!(one.ticket.as_ref().map(|t| t.number.as_str()), Some("C001"));

    let next_stage = staff.finish(&ticket.id, None).await.expect("finish");
    assert_eq!((next_stage.state, next_stage.stage.as_str()), (TicketState::Waiting, "wawancara"));
    assert_eq!(next_stage.counter, None);
    // Counter 1 serves only berkas: nothing for it now.
    assert_eq!(staff.call_next("1", None).await.expect("call"), None);
    let interview = staff.call_next("5", None).await.expect("call").expect("the same ticket");
    assert_eq!((interview.id.as_str(), interview.stage.as_str()), (ticket.id.as_str(), "wawancara"));
    let done = staff.finish(&ticket.id, None).await.expect("finish");
    assert_eq!(done.state, TicketState::Done);
    assert_eq!(code(staff.finish(&ticket.id, None).await), "invalid_transition");
    assert_waiting_counts_consistent(&hub).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn call_next_answers_204_when_nobody_waits_and_409_while_busy() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let response = hub.raw(reqwest::Method::POST, "/api/v1/counters/2/call-next", staff.token(), None).await;
    assert_eq!(response.status(), 204);

    kiosk.walkin("C", None).await.expect("walk-in");
    kiosk.walkin("C", None).await.expect("walk-in");
    let first = staff.call_next("2", None).await.expect("call").expect("ticket");
    let busy = staff.call_next("2", None).await.expect_err("busy");
    assert_eq!((busy.code(), busy.status()), (Some("counter_busy"), Some(409)));
    assert!(busy.to_string().contains(&first.number), "names the ticket it holds: {busy}");
    assert_eq!(code(staff.counter_action("2", "pause").await), "counter_busy");
    assert_eq!(code(staff.counter_action("2", "close").await), "counter_busy");
    assert_eq!(code(staff.call_next("99", None).await), "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_show_and_requeue_put_the_applicant_at_the_end_of_the_queue() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let late = kiosk.walkin("C", None).await.expect("walk-in");
    let second = kiosk.walkin("C", None).await.expect("walk-in");
    let called = staff.call_next("1", None).await.expect("call").expect("ticket");
    assert_eq!(called.id, late.id);
    assert_eq!(code(staff.ticket_action(&late.id, "requeue").await), "invalid_transition");
    let gone = staff.ticket_action(&late.id, "no-show").await.expect("no-show");
    assert_eq!(gone.state, TicketState::NoShow);
    assert_eq!(gone.counter, None);

    let queue = staff.queue("kanim-jaksel").await.expect("queue");
    assert_eq!(queue.no_show.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [late.id.as_str()]);

    let third = kiosk.walkin("C", None).await.expect("walk-in");
    let back = staff.ticket_action(&late.id, "requeue").await.expect("requeue");
    assert_eq!(back.state, TicketState::Waiting);
    assert_eq!(back.people_ahead, 2, "behind those already waiting");
    let order: Vec<String> = staff.queue("kanim-jaksel").await.expect("queue").stages[0]
        .waiting
        .iter()
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(order, [second.id.clone(), third.id.clone(), late.id.clone()]);
    for expected in [&second, &third, &late] {
        let next = staff.call_next("1", None).await.expect("call").expect("ticket");
        assert_eq!(&next.id, &expected.id);
        staff.finish(&next.id, None).await.expect("finish");
    }
    assert_waiting_counts_consistent(&hub).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn priority_and_slot_order_are_kept() {
    // Strict priority for this test.
    let config = config_with(&[("priority_max_in_row = 3", "priority_max_in_row = 0")]);
    let hub = TestHub::start_with(config, "2026-11-25T08:10:00+07:00").await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let nine = book(&admin, "09:00", 1, 1).await;
    let eight = book(&admin, "08:00", 1, 2).await;
    // The 09:00 applicant arrives first, at 08:10; the 08:00 applicant at 08:40.
    let early = kiosk.checkin_qr(&nine[0].qr).await.expect("check-in").ticket;
    hub.set_clock("2026-11-25T08:40:00+07:00");
    let on_time = kiosk.checkin_qr(&eight[0].qr).await.expect("check-in").ticket;
    assert_eq!(on_time.people_ahead, 0, "the 08:00 booking goes before the early 09:00 arrival");
    let elderly = kiosk.walkin("P", None).await.expect("priority");
    assert_eq!(elderly.people_ahead, 0);

    let order: Vec<_> = [
        staff.call_next("1", None).await,
        staff.call_next("2", None).await,
        staff.call_next("3", None).await,
    ]
    .into_iter()
    .map(|t| t.expect("call").expect("ticket").id)
    .collect();
    assert_eq!(order, [elderly.id, on_time.id, early.id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eta_uses_open_counters_and_the_stage_default_until_there_is_history() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    for counter in ["1", "2"] {
        assert_eq!(staff.counter_action(counter, "open").await.expect("open").state, CounterState::Open);
    }
    let mut last = None;
    for _ in 0..5 {
        last = Some(kiosk.walkin("C", None).await.expect("walk-in"));
    }
    let last = last.expect("ticket");
    // 4 ahead, berkas default 6 min, 2 open counters: 12 minutes.
    assert_eq!((last.people_ahead, last.eta_minutes), (4, 12));
    let status =
        hub.anonymous().status(last.status_url.rsplit('/').next().expect("token")).await.expect("status");
    assert_eq!(
        (status.number.as_str(), status.people_ahead, status.eta_minutes),
        (last.number.as_str(), 4, 12)
    );
    staff.counter_action("2", "close").await.expect("close");
    let status =
        hub.anonymous().status(last.status_url.rsplit('/').next().expect("token")).await.expect("status");
    assert_eq!(status.eta_minutes, 24, "one open counter left");
    assert_eq!(code(hub.anonymous().status("20261125-C005-aaaaaaaaaaaaaaaa").await), "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn out_of_order_calls_transfers_cancels_and_their_refusals() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let a = kiosk.walkin("C", None).await.expect("walk-in");
    let b = kiosk.walkin("C", None).await.expect("walk-in");
    let pickup = kiosk.walkin("D", None).await.expect("walk-in");

    // Call b out of order at counter 3.
    let called = staff.call("3", &b.id).await.expect("call out of order");
    assert_eq!(called.id, b.id);
    assert_eq!(code(staff.call("4", &a.id).await), "invalid_transition", "counter 4 does not serve berkas");
    assert_eq!(code(staff.call("1", &b.id).await), "invalid_transition", "b is no longer waiting");
    assert_eq!(code(staff.call("1", "20261125-C999").await), "not_found");

    // Transfer b to interview, reserved for counter 6.
    let moved = staff.transfer(&b.id, "wawancara", Some("6")).await.expect("transfer");
    assert_eq!((moved.stage.as_str(), moved.state), ("wawancara", TicketState::Waiting));
    assert_eq!(staff.call_next("5", None).await.expect("call"), None, "reserved for counter 6");
    assert_eq!(staff.call_next("6", None).await.expect("call").map(|t| t.id), Some(b.id.clone()));
    assert_eq!(code(staff.transfer(&a.id, "kasir", None).await), "invalid_request");
    assert_eq!(code(staff.transfer(&a.id, "wawancara", Some("1")).await), "invalid_request");
    assert_eq!(code(staff.finish(&b.id, Some("kasir")).await), "invalid_request");

    // Cancel a waiting ticket; cancelling again is refused.
    let cancelled = staff.ticket_action(&a.id, "cancel").await.expect("cancel");
    assert_eq!(cancelled.state, TicketState::Cancelled);
    assert_eq!(code(staff.ticket_action(&a.id, "cancel").await), "invalid_transition");
    assert_eq!(code(staff.ticket_action(&a.id, "start").await), "invalid_transition");
    assert_eq!(code(staff.ticket_action(&pickup.id, "recall").await), "invalid_transition");
    assert_eq!(code(staff.ticket_action(&pickup.id, "no-show").await), "invalid_transition");
    assert_eq!(code(staff.ticket_action("nope", "start").await), "not_found");

    // Counters: pause, open, close; a paused counter calling again is open.
    assert_eq!(staff.counter_action("8", "pause").await.expect("pause").state, CounterState::Paused);
    assert_eq!(staff.counter_action("8", "close").await.expect("close").state, CounterState::Closed);
    assert_eq!(staff.counter_action("8", "open").await.expect("open").state, CounterState::Open);
    staff.counter_action("8", "pause").await.expect("pause");
    staff.call_next("8", None).await.expect("call").expect("pickup ticket");
    let eight =
        staff.counters("kanim-jaksel").await.expect("counters").counters.into_iter().find(|c| c.id == "8");
    assert_eq!(eight.map(|c| c.state), Some(CounterState::Open));
    assert_eq!(code(staff.counter_action("99", "open").await), "not_found");
    assert_eq!(code(staff.queue("kanim-bandung").await), "not_found");
    assert_waiting_counts_consistent(&hub).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_see_names_but_kiosks_and_status_pages_do_not() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let booked = book(&admin, "09:00", 1, 5).await;
    let ticket = kiosk.checkin_qr(&booked[0].qr).await.expect("check-in").ticket;
    assert_eq!(ticket.name, None);
    let called = staff.call_next("1", None).await.expect("call").expect("ticket");
    assert_eq!(called.name.as_deref(), Some("Pemohon 5"));
    let token = ticket.status_url.rsplit('/').next().expect("token").to_owned();
    let raw = reqwest::get(format!("{}/api/v1/status/{token}", hub.url))
        .await
        .expect("status")
        .text()
        .await
        .expect("body");
    assert!(!raw.contains("Pemohon"), "{raw}");
    assert!(raw.contains("\"counter\":\"1\""), "{raw}");
}
