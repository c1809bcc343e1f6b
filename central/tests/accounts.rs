//! Signing in, applicants and documents, and what an application is refused for: each refusal
//! is the documented code with a sentence saying what to do, and changes nothing.

mod common;

use common::*;
use serde_json::{Value, json};

fn code_of(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or(""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_takes_the_mailed_code_once_and_refuses_guessing() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let email = "Nenek.Ani@Example.test";
    let ask = || send(http.post(a.api("/auth/code")).json(&json!({"email": email})));
    assert_eq!(ask().await.0, 202);
    // Asking again within a minute is refused, saying to check the inbox.
    let again = ask().await;
    assert_eq!(code_of(&again), (429, "rate_limited"));
    assert!(again.1["error"]["message"].as_str().unwrap_or("").contains("check your inbox"), "{again:?}");
    let code = service.mailed_codes().get("nenek.ani@example.test").cloned().expect("a code mailed");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    // Wrong codes: refused, and after five the right one no longer works either.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = |c: &str| send(http.post(a.api("/auth/verify")).json(&json!({"email": email, "code": c})));
    for _ in 0..5 {
        assert_eq!(code_of(&verify(wrong).await), (401, "unauthorized"));
    }
    assert_eq!(code_of(&verify(&code).await), (429, "too_many_attempts"));
    // Bad input is named.
    let bad = send(http.post(a.api("/auth/code")).json(&json!({"email": "bukan email"}))).await;
    assert_eq!(code_of(&bad), (422, "invalid_request"));
    let bad = send(http.post(a.api("/auth/code")).body("{").header("Content-Type", "application/json")).await;
    assert_eq!(code_of(&bad), (422, "invalid_request"));
    // A minute later a new code signs in, once.
    drop(a);
    let a = service.replica("2026-12-01T08:02:00+07:00").await;
    let sent = send(http.post(a.api("/auth/code")).json(&json!({"email": email}))).await;
    assert_eq!(sent.0, 202, "{sent:?}");
    let code = service.mailed_codes().get("nenek.ani@example.test").cloned().expect("code");
    let verify = |c: String| send(http.post(a.api("/auth/verify")).json(&json!({"email": email, "code": c})));
    let signed = verify(code.clone()).await;
    assert_eq!(signed.0, 200, "{signed:?}");
    assert_eq!(code_of(&verify(code).await), (401, "unauthorized"), "a code works once");
    let token = signed.1["token"].as_str().expect("token");
    let (status, _) = send(http.get(a.api("/applicants")).bearer_auth(token)).await;
    assert_eq!(status, 200);
    let (status, body) = send(http.get(a.api("/applicants")).bearer_auth("not-a-token")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicants_are_checked_against_their_nik_and_limited_to_five() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let token = sign_in(&service, &a, &["keluarga@example.test".into()]).await.remove(0);
    let add = |form: Value| send(http.post(a.api("/applicants")).bearer_auth(&token).json(&form));
    let mut form = applicant_form(1);
    // A broker's random NIK: its digits say another birth date.
    form["nik"] = json!("3174019912850003");
    assert_eq!(code_of(&add(form.clone()).await), (422, "invalid_nik"), "day 99 is no day");
    form["nik"] = json!(nik("1985-08-17", 3, false));
    let mismatch = add(form.clone()).await;
    assert_eq!(code_of(&mismatch), (422, "nik_mismatch"));
    assert!(mismatch.1["error"]["message"].as_str().unwrap_or("").contains("KTP"), "{mismatch:?}");
    // A woman's NIK (day + 40) on a woman's form.
    let mut woman = applicant_form(1);
    woman["sex"] = json!("F");
    woman["nik"] = json!(nik(woman["birth_date"].as_str().expect("date"), 12, true));
    assert_eq!(add(woman.clone()).await.0, 201);
    assert_eq!(code_of(&add(woman).await), (409, "already_exists"));
    for n in 2..=5 {
        assert_eq!(add(applicant_form(n)).await.0, 201);
    }
    let sixth = add(applicant_form(6)).await;
    assert_eq!(code_of(&sixth), (409, "applicant_limit"));
    let (_, list) = send(http.get(a.api("/applicants")).bearer_auth(&token)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(5));
    assert!(list.to_string().find("nik\"").is_none(), "the full NIK is never shown: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_refuse_what_cannot_be_used() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let tokens = sign_in(&service, &a, &["satu@example.test".into(), "dua@example.test".into()]).await;
    let (status, body) =
        send(http.post(a.api("/applicants")).bearer_auth(&tokens[0]).json(&applicant_form(1))).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("id");
    let put = |kind: &str, token: &str, content_type: &str, bytes: Vec<u8>| {
        send(
            http.put(a.api(&format!("/applicants/{id}/documents/{kind}")))
                .bearer_auth(token.to_owned())
                .header("Content-Type", content_type.to_owned())
                .body(bytes),
        )
    };
    // (An 8 MB phone photo: documents.rs.)
    let (status, body) = put("ktp", &tokens[0], "image/png", PNG.to_vec()).await;
    assert_eq!((status, body["width"].as_u64()), (201, Some(1)), "{body}");
    let too_big = put("kk", &tokens[0], "image/jpeg", vec![0xFF; 11 * 1024 * 1024]).await;
    assert_eq!(code_of(&too_big), (413, "too_large"));
    assert_eq!(
        code_of(&put("kk", &tokens[0], "image/gif", b"GIF89a".to_vec()).await),
        (415, "unsupported_type")
    );
    assert_eq!(code_of(&put("kk", &tokens[0], "application/pdf", Vec::new()).await), (422, "unreadable"));
    assert_eq!(
        code_of(&put("kk", &tokens[0], "image/png", b"not a png".to_vec()).await),
        (422, "unreadable")
    );
    assert_eq!(
        code_of(&put("kk", &tokens[1], "image/png", PNG.to_vec()).await),
        (404, "not_found"),
        "not theirs"
    );
    assert_eq!(code_of(&put("paspor", &tokens[0], "image/png", PNG.to_vec()).await), (404, "not_found"));
    let (_, list) = send(http.get(a.api("/applicants")).bearer_auth(&tokens[0])).await;
    assert_eq!(list[0]["documents"], json!(["ktp"]), "only the good upload is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_refused_with_what_to_do_and_moved_once() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let tokens = sign_in(&service, &a, &["ani@example.test".into(), "orang.lain@example.test".into()]).await;
    let token = &tokens[0];
    let apply = |body: Value| send(http.post(a.api("/applications")).bearer_auth(token).json(&body));
    let (_, bare) = send(http.post(a.api("/applicants")).bearer_auth(token).json(&applicant_form(9))).await;
    let bare = bare["id"].as_i64().expect("id");
    let missing = apply(application(bare, "09:00")).await;
    assert_eq!(code_of(&missing), (422, "missing_documents"));
    assert!(
        missing.1["error"]["message"].as_str().unwrap_or("").contains("ktp, kk, birth_proof"),
        "{missing:?}"
    );
    let ready = ready_applicant(&http, &a, token, 1).await;
    let at = |date: &str, slot: &str| {
        let mut body = application(ready, slot);
        body["date"] = json!(date);
        body
    };
    let far = apply(at("2027-01-20", "09:00")).await;
    assert_eq!(code_of(&far), (409, "not_released"));
    assert!(far.1["error"]["message"].as_str().unwrap_or("").contains("2026-12-21 at 00:00"), "{far:?}");
    assert_eq!(code_of(&apply(at("2026-12-05", "09:00")).await), (409, "closed"), "a Saturday");
    assert_eq!(code_of(&apply(at("2026-12-25", "09:00")).await), (409, "closed"), "Christmas");
    assert_eq!(code_of(&apply(at(DATE, "09:30")).await), (409, "closed"), "no such slot");
    let mut wrong_type = application(ready, "09:00");
    wrong_type["passport_type"] = json!("diplomatic");
    assert_eq!(code_of(&apply(wrong_type).await), (422, "invalid_request"));
    let (status, _) =
        send(http.post(a.api("/applications")).bearer_auth(&tokens[1]).json(&application(ready, "09:00")))
            .await;
    assert_eq!(status, 404, "another account's applicant");
    let db = service.db().await;
    let none: i64 = db.query_one("SELECT count(*) FROM applications", &[]).await.expect("count").get(0);
    assert_eq!(none, 0, "no refusal left anything behind");

    // A request sent twice (a lost answer) holds one place.
    let mut body = at(DATE, "09:00");
    body["request_id"] = json!("tab-1");
    body["fast_track"] = json!(true);
    let first = apply(body.clone()).await;
    let again = apply(body).await;
    assert_eq!((first.0, again.0), (201, 200));
    assert_eq!(first.1["id"], again.1["id"]);
    assert_eq!(first.1["bill"]["amount"], 1_350_000, "ordinary + percepatan");
    assert_eq!(remaining(&http, &a, "09:00").await, 19);
    let id = first.1["id"].as_str().expect("id").to_owned();
    let (status, _) = send(http.get(a.api(&format!("/applications/{id}"))).bearer_auth(&tokens[1])).await;
    assert_eq!(status, 404, "not shown to another account");

    // Unpaid, it cannot move; paid, it moves once.
    let move_to = |slot: &str| {
        send(
            http.post(a.api(&format!("/applications/{id}/reschedule")))
                .bearer_auth(token)
                .json(&json!({"date": "2026-12-04", "slot": slot})),
        )
    };
    assert_eq!(code_of(&move_to("10:00").await), (409, "invalid_transition"));
    let (body, signature) =
        notification(&first.1["bill"], "REF-X", None, "2026-12-01T08:05:00+07:00", CHANNEL_SECRET);
    assert_eq!(notify(&http, &a, &body, &signature).await.0, 200);
    let moved = move_to("10:00").await;
    assert_eq!(moved.0, 200, "{moved:?}");
    assert_eq!((moved.1["date"].as_str(), moved.1["slot"].as_str()), (Some("2026-12-04"), Some("10:00")));
    assert_eq!(remaining(&http, &a, "09:00").await, 20, "the old place is back");
    assert_eq!(code_of(&move_to("11:00").await), (409, "invalid_transition"), "once only");
    let cancelled = send(http.post(a.api(&format!("/applications/{id}/cancel"))).bearer_auth(token)).await;
    assert_eq!((cancelled.0, cancelled.1["state"].as_str()), (200, Some("cancelled")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_code_goes_through_a_real_smtp_server() {
    let Some(service) = Service::start(20).await else { return };
    let Some(smtp) = Smtp::start(&service) else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let email = "lansia@example.test";
    assert_eq!(send(http.post(a.api("/auth/code")).json(&json!({"email": email}))).await.0, 202);
    let mail = wait_mail(&smtp.maildir, "lansia@example.test", "Kode masuk", 10).await;
    assert_eq!(mail.to, "lansia@example.test");
    assert!(
        mail.text.contains("Jangan berikan kode ini kepada siapa pun"),
        "Indonesian by default: {mail:?}"
    );
    assert!(mail.html.contains("Kode masuk"), "an HTML part too: {mail:?}");
    let code = sign_in_code(&mail).expect("the code in the subject");
    assert!(mail.text.contains(&code) && mail.html.contains(&code), "{mail:?}");
    let code = code.as_str();
    let (status, body) =
        send(http.post(a.api("/auth/verify")).json(&json!({"email": email, "code": code}))).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_description_names_every_operation_of_the_contract() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let (status, doc) = send(http().get(a.api("/openapi.json"))).await;
    assert_eq!(status, 200);
    for (path, method) in [
        ("/api/v1/auth/code", "post"),
        ("/api/v1/auth/verify", "post"),
        ("/api/v1/applicants", "post"),
        ("/api/v1/applicants/{id}/documents/{kind}", "put"),
        ("/api/v1/offices", "get"),
        ("/api/v1/offices/{office}/availability", "get"),
        ("/api/v1/applications", "post"),
        ("/api/v1/applications/{id}", "get"),
        ("/api/v1/applications/{id}/cancel", "post"),
        ("/api/v1/applications/{id}/reschedule", "post"),
        ("/api/v1/payments/notify", "post"),
        ("/api/v1/sync/appointments", "get"),
        ("/api/v1/sync/visits", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is not described");
    }
    let nik = &doc["components"]["schemas"]["NewApplicant"]["properties"]["nik"];
    assert!(nik.is_object(), "request bodies are described: {nik}");
    let (status, body) = send(http().get(a.api("/no/such/thing"))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_nik_holds_at_most_two_active_bookings_across_all_offices() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let token = sign_in(&service, &a, &["sibuk@example.test".into()]).await.remove(0);
    let applicant = ready_applicant(&http, &a, &token, 3).await;
    let apply = |office: &str, date: &str| {
        let mut body = application(applicant, "09:00");
        body["office"] = json!(office);
        body["date"] = json!(date);
        send(http.post(a.api("/applications")).bearer_auth(&token).json(&body))
    };
    assert_eq!(apply("kanim-jaksel", "2026-12-03").await.0, 201);
    let same_day = apply("kanim-surabaya", "2026-12-03").await;
    assert_eq!(code_of(&same_day), (409, "duplicate_booking"), "one a day, across offices");
    assert_eq!(apply("kanim-surabaya", "2026-12-04").await.0, 201);
    let third = apply("kanim-denpasar", "2026-12-07").await;
    assert_eq!(code_of(&third), (409, "booking_limit"));
    assert!(third.1["error"]["message"].as_str().unwrap_or("").contains("cancel one first"), "{third:?}");
}
