//! The waiting room in front of a quota release (issue 15), against a real PostgreSQL with two
//! replicas: thousands of visitors join around the release (one position each, 1..N, the
//! pre-queue in an order unrelated to when they came, the late ones in arrival order); one
//! account in two tabs on two replicas gets one place; admission keeps its rate; the booking
//! path refuses the release's dates without a valid admission.

mod common;

use std::time::{Duration, Instant};

use antrian_central::loadgen;
use common::*;
use serde_json::{Value, json};

/// kanim-jaksel releases each day at 00:00 the date 30 days on; its room opens 30 minutes
/// before. These tests live around the release of 1 December 2026 (which opens 31 December).
const BEFORE: &str = "2026-11-30T23:58:00+07:00";
const RELEASE_US: i64 = 1_796_058_000_000_000; // 2026-12-01T00:00:00+07:00
const DATE: &str = "2026-12-31";

/// The default configuration, with a waiting room at kanim-jaksel.
fn with_room(service: &Service, rate: u32, admission_minutes: u32, pow_bits: u32) {
    let text = std::fs::read_to_string(&service.config).expect("config");
    let room = format!(
        "waiting_room = {{ prequeue_minutes = 30, open_minutes = 120, rate_per_minute = {rate}, max_active = 0, admission_minutes = {admission_minutes}, pow_bits = {pow_bits} }}\n"
    );
    let at = text.find("release = { kind = \"rolling\"").expect("jaksel's release");
    let end = at + text[at..].find('\n').expect("line") + 1;
    std::fs::write(&service.config, format!("{}{room}{}", &text[..end], &text[end..])).expect("config");
}

async fn replica_at(service: &Service, clock: &str, speed: f64) -> Replica {
    service.replica_with(clock, &["--clock-speed", &speed.to_string()]).await
}

fn visitors_wanted() -> usize {
    std::env::var("ANTRIAN_WAITING_VISITORS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn visitors_around_a_release_get_fair_positions() {
    let Some(service) = Service::start(20).await else { return };
    with_room(&service, 600, 10, 4);
    // Four times real time: the release comes 30 s after the start.
    let (a, b) = (replica_at(&service, BEFORE, 4.0).await, replica_at(&service, BEFORE, 4.0).await);
    let replicas = vec![a.url.clone(), b.url.clone()];
    let db = service.db().await;
    let n = visitors_wanted();
    let visitors = loadgen::seed(&db, n).await.expect("seed");
    let http = loadgen::client(256);
    let started = Instant::now();
    let early = loadgen::join_all(&http, &replicas, "kanim-jaksel", &visitors[..n / 2], 128)
        .await
        .expect("early joins");
    let joined_early = started.elapsed();
    assert!(joined_early < Duration::from_secs(28), "the pre-queue took {joined_early:?}: past the release");
    for joined in &early {
        assert_eq!(joined.status["state"], "prequeue", "{}", joined.status);
    }
    // After the release (and the draw), the rest.
    tokio::time::sleep(Duration::from_secs(31).saturating_sub(started.elapsed())).await;
    let late = match loadgen::join_all(&http, &replicas, "kanim-jaksel", &visitors[n / 2..], 128).await {
        Ok(late) => late,
        Err(error) => {
            for row in db
                .query(
                    "SELECT state, wait_event_type || ':' || wait_event, left(query, 100)
                     FROM pg_stat_activity WHERE datname = current_database()",
                    &[],
                )
                .await
                .expect("activity")
            {
                eprintln!(
                    "{:?} {:?} {:?}",
                    row.get::<_, Option<String>>(0),
                    row.get::<_, Option<String>>(1),
                    row.get::<_, Option<String>>(2),
                );
            }
            panic!("late joins: {error}");
        }
    };
    let mut slowest: Vec<Duration> = late.iter().map(|j| j.took).collect();
    slowest.sort_unstable();
    eprintln!(
        "{} joined before the release in {joined_early:?}, {} after in {:?} (slowest join {:?})",
        early.len(),
        late.len(),
        started.elapsed() - Duration::from_secs(31),
        slowest.last()
    );

    // The late places are numbered within seconds (in arrival order, by the admitter).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let unnumbered: i64 = db
            .query_one("SELECT count(*) FROM waiting_visitors WHERE position IS NULL", &[])
            .await
            .expect("count")
            .get(0);
        if unnumbered == 0 {
            break;
        }
        if Instant::now() >= deadline {
            for row in db
                .query(
                    "SELECT coalesce(state, '') || ' ' || coalesce(wait_event_type, '') || ':' || coalesce(wait_event, '') || ' ' || left(query, 150)
                     FROM pg_stat_activity WHERE datname = current_database()
                     UNION ALL SELECT 'room ' || coalesce(drawn_at::text, 'undrawn') || ' ' || prequeue_count || ' ' || late_count FROM waiting_rooms",
                    &[],
                )
                .await
                .expect("activity")
            {
                eprintln!("{}", row.get::<_, String>(0));
            }
            panic!("{unnumbered} places still without a position");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await; // the snapshots' next look
    // Every visitor has exactly one place, and its status says the same position as the room.
    let places: Vec<String> = early.iter().chain(&late).map(|j| j.place.clone()).collect();
    let statuses = loadgen::statuses(&http, &replicas, &places, 128).await.expect("statuses");
    let in_db = loadgen::places_in_db(&db, "kanim-jaksel").await.expect("places");
    assert_eq!(in_db.len(), n, "one place per visitor");
    let rho = loadgen::check_places(&in_db, RELEASE_US).expect("fair positions");
    eprintln!("rank correlation of join time and position in the pre-queue: {rho:.4}");
    assert!(rho.abs() < 0.05, "the pre-queue's order follows the join time: {rho}");
    let by_account: std::collections::HashMap<i64, i32> =
        in_db.iter().map(|(account, _, position)| (*account, position.unwrap_or(0))).collect();
    for (joined, (position, status, _)) in early.iter().chain(&late).zip(&statuses) {
        let position = position.unwrap_or_else(|| panic!("no position: {status}"));
        assert_eq!(Some(&(position as i32)), by_account.get(&joined.account), "{status}");
    }
    let mut seen: Vec<i64> = statuses.iter().filter_map(|(p, ..)| *p).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), n, "no two visitors share a position");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_in_two_tabs_on_two_replicas_has_one_place() {
    let Some(service) = Service::start(20).await else { return };
    with_room(&service, 600, 10, 8);
    let (a, b) = (replica_at(&service, BEFORE, 1.0).await, replica_at(&service, BEFORE, 1.0).await);
    let db = service.db().await;
    let visitors = loadgen::seed(&db, 2).await.expect("seed");
    let http = loadgen::client(16);
    let tabs: Vec<_> = (0..8)
        .map(|i| {
            let base = if i % 2 == 0 { a.url.clone() } else { b.url.clone() };
            let (http, visitor) = (http.clone(), visitors[0].clone());
            tokio::spawn(async move { loadgen::join_one(&http, &base, "kanim-jaksel", &visitor).await })
        })
        .collect();
    let mut places = Vec::new();
    for tab in tabs {
        places.push(tab.await.expect("tab").expect("join").0);
    }
    places.dedup();
    assert_eq!(places.len(), 1, "eight tabs, one place: {places:?}");
    let count: i64 = db.query_one("SELECT count(*) FROM waiting_visitors", &[]).await.expect("count").get(0);
    assert_eq!(count, 1);
    // The same NIK under another account: refused, and nothing added.
    db.execute(
        "UPDATE applicants SET nik_hash = (SELECT nik_hash FROM applicants WHERE id = $1) WHERE id = $2",
        &[&visitors[0].applicant, &visitors[1].applicant],
    )
    .await
    .expect("the same NIK");
    let refused = loadgen::join_one(&http, &b.url, "kanim-jaksel", &visitors[1]).await.expect_err("refused");
    assert!(refused.to_string().contains("already_exists"), "{refused}");
    // Another account's applicant: not found, and nothing added.
    let borrowed = loadgen::Visitor { applicant: visitors[0].applicant, ..visitors[1].clone() };
    let refused = loadgen::join_one(&http, &a.url, "kanim-jaksel", &borrowed).await.expect_err("refused");
    assert!(refused.to_string().contains("404"), "{refused}");
    let count: i64 = db.query_one("SELECT count(*) FROM waiting_visitors", &[]).await.expect("count").get(0);
    assert_eq!(count, 1);
    // A join without its proof of work is refused.
    let challenge: Value = http
        .post(a.api("/offices/kanim-jaksel/waiting-room/challenge"))
        .bearer_auth(&visitors[1].token)
        .send()
        .await
        .expect("challenge")
        .json()
        .await
        .expect("json");
    let answer = http
        .post(a.api("/offices/kanim-jaksel/waiting-room/join"))
        .bearer_auth(&visitors[1].token)
        .json(&json!({"applicant": visitors[1].applicant, "challenge": challenge["challenge"], "nonce": "0"}))
        .send()
        .await
        .expect("join");
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.expect("json");
    if antrian_central::waiting::work_bits(challenge["challenge"].as_str().expect("text"), "0") < 8 {
        assert_eq!(status, 403, "{body}");
        assert!(body["error"]["message"].as_str().unwrap_or("").contains("proof of work"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_keeps_its_rate_and_booking_needs_a_valid_admission() {
    let Some(service) = Service::start(20).await else { return };
    // 120 a minute; an admission lasts three minutes (18 s of real time: on a loaded machine
    // the statuses below, read for 1,000 visitors, took longer than a one-minute admission's
    // 6 s). Ten times real time: five minutes of admission take 30 s.
    with_room(&service, 120, 3, 2);
    let (a, b) = (replica_at(&service, BEFORE, 10.0).await, replica_at(&service, BEFORE, 10.0).await);
    let replicas = vec![a.url.clone(), b.url.clone()];
    let db = service.db().await;
    // Enough that people still wait when the rate is changed, after the admissions expire.
    let visitors = loadgen::seed(&db, 2_000).await.expect("seed");
    let http = loadgen::client(64);
    let joined = loadgen::join_all(&http, &replicas, "kanim-jaksel", &visitors, 32).await.expect("joins");
    let book = |visitor: &loadgen::Visitor, admission: Option<&str>, replica: &Replica| {
        let mut body = application(visitor.applicant, "09:00");
        body["date"] = json!(DATE);
        if let Some(admission) = admission {
            body["admission"] = json!(admission);
        }
        send(http.post(replica.api("/applications")).bearer_auth(&visitor.token).json(&body))
    };
    // Five minutes (of the service's clock) of admission after the release.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(50) {
        let steps: i64 =
            db.query_one("SELECT count(*) FROM waiting_admissions", &[]).await.expect("steps").get(0);
        if steps > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // After the release, nobody books the release's dates without an admission.
    let (status, body) = book(&visitors[1_999], None, &a).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_admitted")), "{body}");
    tokio::time::sleep(Duration::from_secs(33)).await;
    let steps: Vec<(i32, chrono::DateTime<chrono::Utc>)> = db
        .query("SELECT through, at FROM waiting_admissions ORDER BY through", &[])
        .await
        .expect("steps")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let (first, last) = (steps.first().expect("a step"), steps.last().expect("a step"));
    let minutes = (last.1 - first.1).num_milliseconds() as f64 / 60_000.0;
    assert!(minutes >= 5.0, "admission ran {minutes:.2} minutes of service time");
    let rate = f64::from(last.0 - first.0) / minutes;
    eprintln!("admitted {} in {minutes:.2} min: {rate:.1} a minute (configured 120)", last.0 - first.0);
    assert!((rate - 120.0).abs() <= 6.0, "admission rate {rate:.1} a minute, not 120 ± 5 %");

    // The first in line is admitted: its admission books; another account's, a forged one, an
    // expired one and none are refused.
    let place_of = |account: i64| joined.iter().find(|j| j.account == account).expect("joined").place.clone();
    let positions = loadgen::statuses(
        &http,
        &replicas,
        &visitors.iter().map(|v| place_of(v.account)).collect::<Vec<_>>(),
        16,
    )
    .await
    .expect("statuses");
    let admitted: Vec<(usize, String)> = positions
        .iter()
        .enumerate()
        .filter_map(|(i, (_, status, _))| status["admission"].as_str().map(|t| (i, t.to_owned())))
        .collect();
    assert!(admitted.len() >= 2, "some are admitted: {}", admitted.len());
    // The two admitted last (an admission lasts three minutes of the service's clock: 18 s here).
    let (mine, theirs) = (&admitted[admitted.len() - 1], &admitted[admitted.len() - 2]);
    let (status, body) = book(&visitors[mine.0], Some(&theirs.1), &b).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_admitted")), "another's: {body}");
    let mut forged = mine.1.clone();
    forged.replace_range(3..4, if &forged[3..4] == "9" { "8" } else { "9" });
    let (status, body) = book(&visitors[mine.0], Some(&forged), &a).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_admitted")), "forged: {body}");
    let (status, body) = book(&visitors[mine.0], Some(&mine.1), &a).await;
    assert_eq!(status, 201, "the admitted one books: {body}");
    // An admission lasts three minutes (18 s here): the second one's runs out.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let (status, body) = book(&visitors[theirs.0], Some(&theirs.1), &a).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_admitted")), "expired: {body}");
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("expired"), "{body}");
    let booked: i64 =
        db.query_one("SELECT count(*) FROM waiting_visitors WHERE booked", &[]).await.expect("count").get(0);
    assert_eq!(booked, 1);

    // An administrator sees the room and changes its rate live; without a token, nothing.
    let (ok, token, err) = service.cli(&["admin", "add", "kasi-lantaskim"]).await;
    assert!(ok, "{err}");
    let token = token.trim();
    let room = a.api("/admin/offices/kanim-jaksel/waiting-room");
    let (status, _) = send(http.get(&room)).await;
    assert_eq!(status, 401);
    let (status, seen) = send(http.get(&room).bearer_auth(token)).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["joined"], 2000);
    assert_eq!(seen["booked"], 1);
    assert_eq!(seen["rate_per_minute"], 120);
    let waiting = seen["waiting"].as_i64().expect("waiting");
    assert!(waiting > 0 && seen["admitted"].as_i64().expect("admitted") + waiting == 2000, "{seen}");
    let (status, changed) =
        send(http.post(format!("{room}/rate")).bearer_auth(token).json(&json!({"rate_per_minute": 600})))
            .await;
    assert_eq!((status, changed["rate_per_minute"].as_i64()), (200, Some(600)), "{changed}");
    let before = changed["admitted"].as_i64().expect("admitted");
    tokio::time::sleep(Duration::from_secs(3)).await; // 30 s of service time at 600 a minute
    let (_, after) = send(http.get(&room).bearer_auth(token)).await;
    let admitted = after["admitted"].as_i64().expect("admitted") - before;
    let left = changed["waiting"].as_i64().expect("waiting");
    // 30 s at 600 a minute is 300 (or everyone left, if fewer wait).
    assert!(
        (250..=350).contains(&admitted) || (left < 300 && admitted == left),
        "{admitted} admitted in 30 s at 600 a minute with {left} waiting: {after}"
    );
    assert!(left > 100, "the rate change was seen with people waiting: {changed}");
}
