//! Acceptance 1 (issue 13): 2,000 applications from 400 concurrent clients over two replicas
//! race for the 100 places of one slot. Exactly 100 are held and 1,900 refused `quota_full`;
//! both replicas then show the slot full. One cancel, and later one hold expiring unpaid, each
//! let exactly one more through. The same NIK racing itself on both replicas gets one booking.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::Value;
use tokio::sync::Barrier;

const CLIENTS: usize = 400;
const EACH: usize = 5;
const PLACES: u32 = 100;

/// Sends `bodies` (token, application) all at once, alternating replicas; the answers.
async fn race(replicas: &[&Replica; 2], bodies: Vec<(String, Value)>) -> Vec<(u16, Value)> {
    let http = http();
    let barrier = Arc::new(Barrier::new(bodies.len()));
    let tasks: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, (token, body))| {
            let (http, barrier) = (http.clone(), barrier.clone());
            let url = replicas[i % 2].api("/applications");
            tokio::spawn(async move {
                barrier.wait().await;
                send(http.post(url).bearer_auth(token).json(&body)).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers
}

fn count(answers: &[(u16, Value)], status: u16, code: Option<&str>) -> usize {
    answers.iter().filter(|(s, b)| *s == status && code.is_none_or(|c| b["error"]["code"] == c)).count()
}

async fn both_full(a: &Replica, b: &Replica) {
    let http = http();
    assert_eq!(
        (remaining(&http, a, "09:00").await, remaining(&http, b, "09:00").await),
        (0, 0),
        "the slot is full on both"
    );
}

async fn pay(http: &reqwest::Client, replica: &Replica, application: &Value, reference: &str) {
    let (body, signature) =
        notification(&application["bill"], reference, None, "2026-12-01T08:30:00+07:00", CHANNEL_SECRET);
    let (status, answer) = notify(http, replica, &body, &signature).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_applications_race_for_one_hundred_places() {
    let Some(service) = Service::start(PLACES).await else { return };
    let (a, b) = (service.replica(CLOCK).await, service.replica(CLOCK).await);
    let http = http();

    // 400 accounts (half signed in on each replica), 5 applicants each, documents uploaded.
    let emails: Vec<String> = (0..CLIENTS).map(|i| format!("keluarga{i}@example.test")).collect();
    let mut tokens = sign_in(&service, &a, &emails[..CLIENTS / 2]).await;
    tokens.extend(sign_in(&service, &b, &emails[CLIENTS / 2..]).await);
    let setups: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let (http, token) = (http.clone(), token.clone());
            let replica = if i % 2 == 0 { a.url.clone() } else { b.url.clone() };
            tokio::spawn(async move {
                let replica = Replica::at(&replica);
                let mut ids = Vec::new();
                for k in 0..EACH {
                    ids.push(ready_applicant(&http, &replica, &token, (i * EACH + k) as u32).await);
                }
                ids
            })
        })
        .collect();
    let mut applicants = Vec::new();
    for (i, setup) in setups.into_iter().enumerate() {
        for id in setup.await.expect("setup") {
            applicants.push((tokens[i].clone(), id));
        }
    }
    assert_eq!(applicants.len(), CLIENTS * EACH);

    // The race: every applicant at once, for the 09:00 slot.
    let bodies = applicants.iter().map(|(t, id)| (t.clone(), application(*id, "09:00"))).collect();
    let answers = race(&[&a, &b], bodies).await;
    let held: Vec<usize> = (0..answers.len()).filter(|&i| answers[i].0 == 201).collect();
    assert_eq!(held.len(), PLACES as usize, "exactly the places are held");
    assert_eq!(count(&answers, 409, Some("quota_full")), 1_900, "every other one is refused quota_full");
    for &i in &held {
        let body = &answers[i].1;
        assert_eq!(body["state"], "awaiting_payment");
        assert!(body["bill"]["code"].as_str().is_some_and(|c| c.len() == 15), "{body}");
        assert_eq!(body["bill"]["amount"], 350_000);
    }
    both_full(&a, &b).await;
    let db = service.db().await;
    let taken: i32 = db
        .query_one(
            "SELECT taken FROM quota WHERE office_id = 'kanim-jaksel' AND slot = '09:00' AND service = 'A'",
            &[],
        )
        .await
        .expect("quota")
        .get(0);
    assert_eq!(taken, PLACES as i32);

    // 99 holds paid; the last stays unpaid.
    let last_unpaid = held[held.len() - 1];
    for (n, &i) in held[..held.len() - 1].iter().enumerate() {
        pay(&http, if n % 2 == 0 { &a } else { &b }, &answers[i].1, &format!("REF-{n}")).await;
    }

    // A cancel lets exactly one more through, out of 50 trying at once.
    let refused: Vec<usize> = (0..answers.len()).filter(|&i| answers[i].0 == 409).collect();
    let (first_token, _) = &applicants[held[0]];
    let cancelled_id = answers[held[0]].1["id"].as_str().expect("id").to_owned();
    let (status, body) =
        send(http.post(b.api(&format!("/applications/{cancelled_id}/cancel"))).bearer_auth(first_token))
            .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("cancelled")), "{body}");
    let retry = |from: usize| -> Vec<(String, Value)> {
        refused[from..from + 50]
            .iter()
            .map(|&i| (applicants[i].0.clone(), application(applicants[i].1, "09:00")))
            .collect()
    };
    let again = race(&[&a, &b], retry(0)).await;
    assert_eq!(
        (count(&again, 201, None), count(&again, 409, Some("quota_full"))),
        (1, 49),
        "one place came back"
    );
    both_full(&a, &b).await;
    let through = again.iter().find(|(s, _)| *s == 201).expect("one through").1.clone();
    pay(&http, &a, &through, "REF-AFTER-CANCEL").await;

    // Past payment_minutes (120) the unpaid hold expires: exactly one more through.
    drop((a, b));
    let later = "2026-12-01T10:05:00+07:00";
    let (a, b) = (service.replica(later).await, service.replica(later).await);
    let again = race(&[&a, &b], retry(50)).await;
    assert_eq!(
        (count(&again, 201, None), count(&again, 409, Some("quota_full"))),
        (1, 49),
        "the expired hold's place"
    );
    both_full(&a, &b).await;
    let expired = answers[last_unpaid].1["id"].as_str().expect("id").to_owned();
    let (status, body) =
        send(http.get(a.api(&format!("/applications/{expired}"))).bearer_auth(&applicants[last_unpaid].0))
            .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("expired")), "{body}");
    let states: Vec<&str> = body["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["state"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(states, ["awaiting_payment", "expired"]);
    let (taken, holds): (i32, i64) = {
        let row = db
            .query_one(
                "SELECT q.taken, (SELECT count(*) FROM applications a WHERE a.slot = '09:00' AND a.date = q.date
                    AND a.state IN ('awaiting_payment', 'booked'))
                 FROM quota q WHERE q.office_id = 'kanim-jaksel' AND q.slot = '09:00' AND q.service = 'A'",
                &[],
            )
            .await
            .expect("quota");
        (row.get(0), row.get(1))
    };
    assert_eq!((taken, holds), (PLACES as i32, i64::from(PLACES)), "places taken = holds and bookings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_nik_racing_itself_on_both_replicas_gets_one_booking() {
    let Some(service) = Service::start(20).await else { return };
    let (a, b) = (service.replica(CLOCK).await, service.replica(CLOCK).await);
    let http = http();
    // A broker's two accounts register the same person; each fires ten applications for
    // different slots of the same day, half on each replica.
    let tokens = sign_in(&service, &a, &["calo1@example.test".into(), "calo2@example.test".into()]).await;
    let mut bodies = Vec::new();
    for token in &tokens {
        let id = ready_applicant(&http, &a, token, 7).await;
        for slot in ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "08:00", "09:00", "10:00"]
        {
            bodies.push((token.clone(), application(id, slot)));
        }
    }
    let answers = race(&[&a, &b], bodies).await;
    assert_eq!(
        count(&answers, 201, None),
        1,
        "{:?}",
        answers.iter().filter(|(s, _)| *s != 409).collect::<Vec<_>>()
    );
    assert_eq!(count(&answers, 409, Some("duplicate_booking")), 19);
    let db = service.db().await;
    let rows: i64 = db.query_one("SELECT count(*) FROM nik_dates", &[]).await.expect("count").get(0);
    assert_eq!(rows, 1);
    let taken: i64 = db.query_one("SELECT sum(taken) FROM quota", &[]).await.expect("sum").get(0);
    assert_eq!(taken, 1, "only one place is taken");
}
