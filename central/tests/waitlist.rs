//! The waitlist of a full date: a place given back goes to the first one waiting, held as an
//! application to pay, announced by e-mail; the next one moves up.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_place_is_offered_to_the_first_on_the_waitlist() {
    // One place of service A in each of the seven slots.
    let Some(service) = Service::start(1).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let emails: Vec<String> =
        ["penuh1", "penuh2", "tunggu1", "tunggu2"].iter().map(|n| format!("{n}@example.test")).collect();
    let tokens = sign_in(&service, &a, &emails).await;
    let slots = ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"];
    let mut holds = Vec::new();
    for (n, slot) in slots.iter().enumerate() {
        let token = &tokens[n / 4];
        let applicant = ready_applicant(&http, &a, token, n as u32).await;
        let (status, hold) =
            send(http.post(a.api("/applications")).bearer_auth(token).json(&application(applicant, slot)))
                .await;
        assert_eq!(status, 201, "{hold}");
        holds.push((token.clone(), hold));
    }
    let waiting1 = ready_applicant(&http, &a, &tokens[2], 20).await;
    let waiting2 = ready_applicant(&http, &a, &tokens[3], 21).await;
    let (status, full) =
        send(http.post(a.api("/applications")).bearer_auth(&tokens[2]).json(&application(waiting1, "10:00")))
            .await;
    assert_eq!((status, full["error"]["code"].as_str()), (409, Some("quota_full")));

    let join = |token: &str, applicant: i64, date: &str| {
        send(http.post(a.api("/waitlist")).bearer_auth(token.to_owned()).json(
            &json!({"applicant": applicant, "office": "kanim-jaksel", "service": "A", "passport_type": "ordinary", "date": date}),
        ))
    };
    let (status, first) = join(&tokens[2], waiting1, DATE).await;
    assert_eq!((status, first["position"].as_i64()), (201, Some(1)), "{first}");
    let (status, second) = join(&tokens[3], waiting2, DATE).await;
    assert_eq!((status, second["position"].as_i64()), (201, Some(2)), "{second}");
    let (status, again) = join(&tokens[3], waiting2, DATE).await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("already_exists")));
    let (status, open) = join(&tokens[3], waiting2, "2026-12-04").await;
    assert_eq!(
        (status, open["error"]["code"].as_str()),
        (422, Some("invalid_request")),
        "a date with places: book instead"
    );
    assert!(open["error"]["message"].as_str().unwrap_or("").contains("book one instead"));

    // The 10:00 hold is cancelled: its place goes to the first one waiting, not to anyone else.
    let (token, hold) = &holds[2];
    let id = hold["id"].as_str().expect("id");
    let (status, _) = send(http.post(a.api(&format!("/applications/{id}/cancel"))).bearer_auth(token)).await;
    assert_eq!(status, 200);
    assert_eq!(remaining(&http, &a, "10:00").await, 0, "offered, so still taken");
    let (_, mine) = send(http.get(a.api("/waitlist")).bearer_auth(&tokens[2])).await;
    let entry: &Value = &mine[0];
    assert_eq!(entry["state"], "offered", "{mine}");
    let offer = entry["application"].as_str().expect("the offered application");
    let (status, offered) =
        send(http.get(a.api(&format!("/applications/{offer}"))).bearer_auth(&tokens[2])).await;
    assert_eq!(
        (status, offered["state"].as_str(), offered["slot"].as_str()),
        (200, Some("awaiting_payment"), Some("10:00"))
    );
    let until = offered["bill"]["expires_at"].as_str().expect("expires_at");
    assert!(
        until.starts_with("2026-12-01T09:00:0") && until.ends_with("+07:00"),
        "held for offer_minutes (60): {until}"
    );
    let (_, theirs) = send(http.get(a.api("/waitlist")).bearer_auth(&tokens[3])).await;
    assert_eq!((theirs[0]["state"].as_str(), theirs[0]["position"].as_i64()), (Some("waiting"), Some(1)));

    // The offer is announced by e-mail (sent after the commit).
    let mail = wait_mail(&service.mail, "tunggu1@example.test", "Ada tempat untuk Anda", 15).await;
    let code = offered["bill"]["code"].as_str().expect("bill");
    assert!(mail.text.replace(' ', "").contains(code), "the offer carries its bill code: {}", mail.text);
}
