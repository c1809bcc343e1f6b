//! Acceptance 2 (issue 13): payment notifications. A bad signature is 401 and changes nothing;
//! the same notification twice books once; a late one is `expired`; a wrong amount is
//! `amount_mismatch`; a good one books the application and gives a QR signed by the central
//! issuer key (the hub's check-in with it is in `sync_hub.rs`).

mod common;

use antrian_proto::qr::{QrVerifier, decode_public_key};
use common::*;
use serde_json::Value;

async fn application_state(http: &reqwest::Client, replica: &Replica, token: &str, id: &str) -> Value {
    let (status, body) = send(http.get(replica.api(&format!("/applications/{id}"))).bearer_auth(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_notifications_book_once_and_refuse_what_is_wrong() {
    let Some(service) = Service::start(20).await else { return };
    let (a, b) = (service.replica(CLOCK).await, service.replica(CLOCK).await);
    let http = http();
    let token = sign_in(&service, &a, &["ibu.sari@example.test".into()]).await.remove(0);
    let mut holds = Vec::new();
    for (n, slot) in [(1, "08:00"), (2, "09:00"), (3, "10:00"), (4, "11:00")] {
        let applicant = ready_applicant(&http, &a, &token, n).await;
        let (status, body) =
            send(http.post(a.api("/applications")).bearer_auth(&token).json(&application(applicant, slot)))
                .await;
        assert_eq!(status, 201, "{body}");
        holds.push(body);
    }
    let db = service.db().await;
    let on_time = "2026-12-01T08:10:00+07:00";

    // A bad signature (another secret), an unknown channel, no signature: 401, nothing changes.
    let (body, forged) =
        notification(&holds[0]["bill"], "REF-1", None, on_time, "not-the-channel-secret-at-all");
    assert_eq!(notify(&http, &a, &body, &forged).await.0, 401);
    let (status, answer) = notify(&http, &b, &body, "sha256=00").await;
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("bad_signature")));
    let unknown = body.replace(CHANNEL, "bank-lain");
    let signed = antrian_central::api::signature(CHANNEL_SECRET, unknown.as_bytes());
    assert_eq!(notify(&http, &a, &unknown, &signed).await.0, 401);
    let id0 = holds[0]["id"].as_str().expect("id");
    assert_eq!(application_state(&http, &a, &token, id0).await["state"], "awaiting_payment");
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 0, "nothing recorded");

    // The good notification, twice (once on each replica): booked once.
    let (body, signature) = notification(&holds[0]["bill"], "REF-1", None, on_time, CHANNEL_SECRET);
    let first = notify(&http, &a, &body, &signature).await;
    let again = notify(&http, &b, &body, &signature).await;
    assert_eq!((first.0, again.0), (200, 200), "{first:?} {again:?}");
    assert_eq!(first.1["state"], "booked");
    let booked = application_state(&http, &b, &token, id0).await;
    assert_eq!(booked["state"], "booked");
    let history: Vec<&str> =
        booked["history"].as_array().expect("history").iter().filter_map(|h| h["state"].as_str()).collect();
    assert_eq!(history, ["awaiting_payment", "booked"], "booked once");
    assert_eq!(count(&db, "SELECT count(*) FROM changes").await, 1, "one change for the hub");
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 1);

    // Its QR: signed by the central issuer key, for this booking.
    let verifier = QrVerifier::new([decode_public_key(&service.public_key).expect("key")]);
    let claim = verifier.verify(booked["qr"].as_str().expect("qr")).expect("a valid signed QR");
    assert_eq!(claim.booking_code, booked["booking_code"].as_str().expect("code"));
    assert_eq!(
        (claim.office.as_str(), claim.service.as_str(), claim.date.to_string()),
        ("kanim-jaksel", "A", DATE.to_owned())
    );
    assert_eq!(claim.slot.format("%H:%M").to_string(), "08:00");

    // A wrong amount: 409 amount_mismatch, still unpaid, and said again for a repeat.
    let (body, signature) = notification(&holds[1]["bill"], "REF-2", Some(35_000), on_time, CHANNEL_SECRET);
    for replica in [&a, &b] {
        let (status, answer) = notify(&http, replica, &body, &signature).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("amount_mismatch")), "{answer}");
    }
    let id1 = holds[1]["id"].as_str().expect("id");
    assert_eq!(application_state(&http, &a, &token, id1).await["state"], "awaiting_payment");
    // The right amount afterwards books it.
    let (body, signature) = notification(&holds[1]["bill"], "REF-2b", None, on_time, CHANNEL_SECRET);
    assert_eq!(notify(&http, &a, &body, &signature).await.0, 200);

    // Garbage bodies, signed: a clear 422 and nothing recorded.
    let garbage = format!("{{\"channel\": \"{CHANNEL}\", \"bill_code\": 5}}");
    let signed = antrian_central::api::signature(CHANNEL_SECRET, garbage.as_bytes());
    let (status, answer) = notify(&http, &a, &garbage, &signed).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_request")), "{answer}");

    // Late: the bill ended at 10:00. At 10:30 a payment made at 10:25 is refused `expired`,
    // and the hold is gone; one paid at 09:59, told late, still books.
    drop((a, b));
    let a = service.replica("2026-12-01T10:30:00+07:00").await;
    let (body, signature) =
        notification(&holds[2]["bill"], "REF-3", None, "2026-12-01T10:25:00+07:00", CHANNEL_SECRET);
    let (status, answer) = notify(&http, &a, &body, &signature).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("expired")), "{answer}");
    let id2 = holds[2]["id"].as_str().expect("id");
    assert_eq!(application_state(&http, &a, &token, id2).await["state"], "expired");
    let (body, signature) =
        notification(&holds[3]["bill"], "REF-4", None, "2026-12-01T09:59:00+07:00", CHANNEL_SECRET);
    let (status, answer) = notify(&http, &a, &body, &signature).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(count(&db, "SELECT count(*) FROM changes").await, 3, "three bookings reached the feed");
    assert_eq!(remaining(&http, &a, "10:00").await, 20, "the expired hold's place is back");
}
