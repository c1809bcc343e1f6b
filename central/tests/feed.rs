//! Acceptance 3 (issue 13): the change feed skips nothing. 50 concurrent writers book (pay) and
//! cancel for one office over two replicas while a hub's reader follows by cursor, long-polling;
//! at the end the reader's picture equals the database's, and its cursors ran 1, 2, 3, … with no
//! gap — in each of 20 runs.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use serde_json::Value;

const WRITERS: usize = 50;
const RUNS: usize = 20;
/// The weekdays of December 2026 open for booking from 1 December (not the 25th).
const DATES: [&str; 21] = [
    "2026-12-02",
    "2026-12-03",
    "2026-12-04",
    "2026-12-07",
    "2026-12-08",
    "2026-12-09",
    "2026-12-10",
    "2026-12-11",
    "2026-12-14",
    "2026-12-15",
    "2026-12-16",
    "2026-12-17",
    "2026-12-18",
    "2026-12-21",
    "2026-12-22",
    "2026-12-23",
    "2026-12-24",
    "2026-12-28",
    "2026-12-29",
    "2026-12-30",
    "2026-12-31",
];
const SLOTS: [&str; 7] = ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"];

/// Follows the feed from cursor 0 until `done` and the feed is drained: booking code → state,
/// and every cursor seen.
async fn follow(
    replicas: [String; 2],
    token: String,
    done: Arc<AtomicBool>,
) -> (BTreeMap<String, String>, Vec<i64>) {
    let http = http();
    let (mut picture, mut cursors, mut after, mut turn) = (BTreeMap::new(), Vec::new(), 0i64, 0usize);
    loop {
        let finished = done.load(Ordering::SeqCst);
        let wait = if finished { 0 } else { 1 };
        let url = format!("{}/api/v1/sync/appointments?after={after}&wait={wait}", replicas[turn % 2]);
        turn += 1;
        let (status, body) = send(http.get(url).bearer_auth(&token)).await;
        assert_eq!(status, 200, "{body}");
        let changes = body["changes"].as_array().expect("changes");
        for change in changes {
            cursors.push(change["cursor"].as_i64().expect("cursor"));
            let appointment = &change["appointment"];
            let code = appointment["booking_code"].as_str().expect("code").to_owned();
            let state = if change["kind"] == "cancel" { "cancelled" } else { "booked" };
            picture.insert(code, state.to_owned());
        }
        after = body["next"].as_i64().expect("next");
        if finished && changes.is_empty() {
            return (picture, cursors);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_following_the_feed_misses_nothing_in_twenty_runs() {
    let Some(service) = Service::start(20).await else { return };
    std::fs::write(
        &service.config,
        config_text(&service.mail, 20).replace("max_active_per_nik = 2", "max_active_per_nik = 30"),
    )
    .expect("config");
    let (a, b) = (service.replica(CLOCK).await, service.replica(CLOCK).await);
    let (ok, hub_token, err) = service.cli(&["hub", "add", "kanim-jaksel"]).await;
    assert!(ok, "{err}");
    let hub_token = hub_token.trim().to_owned();
    let http = http();
    let emails: Vec<String> = (0..WRITERS).map(|w| format!("penulis{w}@example.test")).collect();
    let tokens = sign_in(&service, &a, &emails).await;
    let mut applicants = Vec::new();
    for (w, token) in tokens.iter().enumerate() {
        applicants.push(ready_applicant(&http, if w % 2 == 0 { &a } else { &b }, token, w as u32).await);
    }
    let db = service.db().await;
    let urls = [a.url.clone(), b.url.clone()];

    for (run, date) in DATES.iter().copied().enumerate().take(RUNS) {
        let done = Arc::new(AtomicBool::new(false));
        let reader = tokio::spawn(follow(urls.clone(), hub_token.clone(), done.clone()));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (http, token, urls) = (http.clone(), tokens[w].clone(), urls.clone());
                let applicant = applicants[w];
                tokio::spawn(async move {
                    let replica = Replica::at(&urls[w % 2]);
                    let other = Replica::at(&urls[(w + 1) % 2]);
                    let mut body = application(applicant, SLOTS[w % SLOTS.len()]);
                    body["date"] = Value::from(date);
                    let (status, hold) =
                        send(http.post(replica.api("/applications")).bearer_auth(&token).json(&body)).await;
                    assert_eq!(status, 201, "{hold}");
                    let (body, signature) = notification(
                        &hold["bill"],
                        &format!("R{run}-{w}"),
                        None,
                        "2026-12-01T08:01:00+07:00",
                        CHANNEL_SECRET,
                    );
                    assert_eq!(notify(&http, &other, &body, &signature).await.0, 200);
                    if (w + run) % 2 == 0 {
                        let id = hold["id"].as_str().expect("id");
                        let (status, body) = send(
                            http.post(replica.api(&format!("/applications/{id}/cancel"))).bearer_auth(&token),
                        )
                        .await;
                        assert_eq!(status, 200, "{body}");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writer");
        }
        done.store(true, Ordering::SeqCst);
        let (picture, cursors) = reader.await.expect("reader");
        let expected: Vec<i64> = (1..=cursors.len() as i64).collect();
        assert_eq!(cursors, expected, "run {run}: cursors without a gap or repeat");
        let rows = db
            .query(
                "SELECT booking_code, state FROM applications WHERE office_id = 'kanim-jaksel' AND qr IS NOT NULL",
                &[],
            )
            .await
            .expect("applications");
        let truth: BTreeMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(picture.len(), WRITERS * (run + 1), "run {run}");
        assert_eq!(picture, truth, "run {run}: the reader's picture is the database's");
    }
}
