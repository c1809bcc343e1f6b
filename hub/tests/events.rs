//! The event stream: replay after Last-Event-ID / since, live events after the replay,
//! fan-out to many subscribers, keep-alives, and who may listen.

mod common;

use std::time::Duration;

use antrian_proto::{Client, HubEvent, Role, StreamItem};
use common::*;
use futures_util::StreamExt;
use tokio::sync::mpsc::Receiver;

/// The next `called` event, skipping the others.
async fn next_call(events: &mut Receiver<StreamItem>) -> (u64, String, u32) {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an event within 10 s")
            .expect("stream open");
        if let StreamItem::Event(envelope) = item
            && let HubEvent::Called(called) = envelope.event
        {
            return (envelope.id, called.number, called.recall);
        }
    }
}

async fn connected(events: &mut Receiver<StreamItem>) {
    let item =
        tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("connect").expect("open");
    assert_eq!(item, StreamItem::Connected);
}

async fn call_and_finish(staff: &Client, counter: &str) -> String {
    let ticket = staff.call_next(counter, None).await.expect("call").expect("someone waits");
    staff.finish(&ticket.id, Some("pengambilan")).await.expect("finish");
    ticket.number
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_missed_calls_gets_exactly_those_in_order_then_live_ones() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let display = hub.device("display-1", Role::Display).await;
    for _ in 0..10 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    let mut events = display.subscribe("kanim-jaksel", None);
    connected(&mut events).await;
    let first = call_and_finish(&staff, "1").await;
    let (last_seen, number, _) = next_call(&mut events).await;
    assert_eq!(number, first);
    drop(events); // the display goes away

    let mut missed = Vec::new();
    for _ in 0..5 {
        missed.push(call_and_finish(&staff, "2").await);
    }
    // Back, with Last-Event-ID: exactly the five missed calls, in order.
    let mut events = display.subscribe("kanim-jaksel", Some(last_seen));
    connected(&mut events).await;
    let mut replayed = Vec::new();
    let mut last_id = last_seen;
    for _ in 0..5 {
        let (id, number, recall) = next_call(&mut events).await;
        assert!(id > last_id, "ids increase");
        assert_eq!(recall, 0);
        last_id = id;
        replayed.push(number);
    }
    assert_eq!(replayed, missed);
    // Then live ones, and nothing else in between.
    let live = call_and_finish(&staff, "3").await;
    assert_eq!(next_call(&mut events).await.1, live);
    let ticket = staff.call_next("1", None).await.expect("call").expect("ticket");
    staff.ticket_action(&ticket.id, "recall").await.expect("recall");
    let (_, number, recall) = next_call(&mut events).await;
    assert_eq!((number.as_str(), recall), (ticket.number.as_str(), 0));
    let (_, number, recall) = next_call(&mut events).await;
    assert_eq!((number.as_str(), recall), (ticket.number.as_str(), 1), "a recall is announced again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn since_replays_over_raw_sse_with_ids_kinds_and_json() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let display = hub.device("display-1", Role::Display).await;
    let token = display.token().expect("token").to_owned();
    let ticket = kiosk.walkin("D", None).await.expect("walk-in");
    let staff = hub.login_as("loket", Role::Staff).await;
    staff.counter_action("8", "open").await.expect("open");
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/offices/kanim-jaksel/events?since=0", hub.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().expect("ascii").starts_with("text/event-stream"));
    let mut body = response.bytes_stream();
    let mut text = String::new();
    while !text.contains("event: counter") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .expect("data")
            .expect("open")
            .expect("bytes");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("id: 1\n"), "{text}");
    assert!(text.contains("event: ticket\n"), "{text}");
    assert!(text.contains("event: waiting\n") && text.contains("\"count\":1"), "{text}");
    assert!(text.contains("\"counter\":\"8\",\"state\":\"open\""), "{text}");
    assert!(text.contains(&format!("\"number\":\"{}\"", ticket.number)), "{text}");
    assert!(!text.contains("Pemohon"), "no names in events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_subscribers_all_see_the_call() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let display = hub.device("display-1", Role::Display).await;
    kiosk.walkin("D", None).await.expect("walk-in");
    let mut streams = Vec::new();
    for _ in 0..200 {
        let mut events = display.subscribe("kanim-jaksel", None);
        connected(&mut events).await;
        streams.push(events);
    }
    let called = staff.call_next("8", None).await.expect("call").expect("ticket");
    let mut seen = 0;
    for events in &mut streams {
        assert_eq!(next_call(events).await.1, called.number);
        seen += 1;
    }
    assert_eq!(seen, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keep_alives_flow_and_only_displays_staff_and_status_tokens_may_listen() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let ticket = kiosk.walkin("D", None).await.expect("walk-in");
    let token = ticket.status_url.rsplit('/').next().expect("token").to_owned();
    let http = reqwest::Client::new();
    let url = |query: &str| format!("{}/api/v1/offices/kanim-jaksel/events{query}", hub.url);
    assert_eq!(http.get(url("")).send().await.expect("send").status(), 401);
    assert_eq!(
        http.get(url("?token=20261125-D001-xxxxxxxxxxxxxxxx")).send().await.expect("send").status(),
        401
    );
    assert_eq!(
        http.get(url("")).bearer_auth(kiosk.token().expect("token")).send().await.expect("send").status(),
        403
    );
    assert_eq!(
        http.get(format!("{}/api/v1/offices/nowhere/events", hub.url)).send().await.expect("send").status(),
        404
    );

    // The applicant's status page listens with the ticket's token; a keep-alive comes within 15 s.
    let response = http.get(url(&format!("?token={token}"))).send().await.expect("send");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let started = std::time::Instant::now();
    let mut text = String::new();
    while !text.contains(':') {
        let chunk = tokio::time::timeout(Duration::from_secs(16), body.next())
            .await
            .expect("keep-alive")
            .expect("open")
            .expect("bytes");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(started.elapsed() < Duration::from_secs(16));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_board_gives_a_display_its_starting_point_without_names() {
    let hub = TestHub::start().await;
    let kiosk = hub.kiosk().await;
    let staff = hub.login_as("loket", Role::Staff).await;
    let display = hub.device("display-1", Role::Display).await;
    for _ in 0..3 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    let first = staff.call_next("1", None).await.expect("call").expect("ticket");
    staff.ticket_action(&first.id, "recall").await.expect("recall");
    let second = staff.call_next("2", None).await.expect("call").expect("ticket");
    let board = display.board("kanim-jaksel").await.expect("board");
    assert_eq!(board.office_name, "Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan");
    let numbers: Vec<&str> = board.recent.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(
        numbers,
        [second.number.as_str(), first.number.as_str()],
        "newest first, a recall listed once"
    );
    let counter = |id: &str| board.counters.iter().find(|c| c.id == id).cloned().expect("counter");
    assert_eq!(counter("1").number.as_deref(), Some(first.number.as_str()));
    assert_eq!(counter("3").number, None);
    assert_eq!(board.waiting.iter().find(|w| w.stage == "berkas").map(|w| w.count), Some(1));
    // Following the stream from last_event_id gives exactly what comes next.
    let mut events = display.subscribe("kanim-jaksel", Some(board.last_event_id));
    connected(&mut events).await;
    let third = staff.call_next("3", None).await.expect("call").expect("ticket");
    assert_eq!(next_call(&mut events).await.1, third.number);
    assert_eq!(code(kiosk.board("kanim-jaksel").await), "forbidden");
    assert_eq!(code(hub.anonymous().board("kanim-jaksel").await), "unauthorized");
}
