//! Every e-mail an applicant gets arrives at a real SMTP server (aiosmtpd) in the account's
//! language, with its subject and what it is about, as text and HTML (issue 14, acceptance 4):
//! the sign-in code, the bill, the confirmation with the PDF attached, the reminder the day
//! before, the waitlist offer, the expiry, and the passport ready for pickup.

mod common;

use common::*;
use serde_json::json;

/// Signs `email` in through `replica` in `lang`, reading the code from the SMTP server.
async fn sign_in_by_mail(
    smtp: &Smtp,
    replica: &Replica,
    email: &str,
    lang: &str,
    subject: &str,
) -> (String, Mail) {
    let http = http();
    let (status, body) =
        send(http.post(replica.api("/auth/code")).json(&json!({"email": email, "lang": lang}))).await;
    assert_eq!(status, 202, "{body}");
    let mail = wait_mail(&smtp.maildir, email, subject, 10).await;
    let code = sign_in_code(&mail).expect("the code in the subject");
    let (status, body) = send(
        http.post(replica.api("/auth/verify")).json(&json!({"email": email, "code": code, "lang": lang})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (body["token"].as_str().expect("token").to_owned(), mail)
}

/// Asserts that a letter says each of `words`, in its text and in its HTML.
fn says(mail: &Mail, words: &[&str]) {
    for word in words {
        assert!(mail.text.contains(word), "{:?} not in the text of {:?}:\n{}", word, mail.subject, mail.text);
        assert!(mail.html.contains(word), "{:?} not in the HTML of {:?}:\n{}", word, mail.subject, mail.html);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_letter_arrives_in_the_accounts_language() {
    let Some(service) = Service::start(1).await else { return };
    let Some(mut smtp) = Smtp::start(&service) else { return };
    let a = service.replica(CLOCK).await;
    let http = http();

    // The sign-in code, in each account's language.
    let (english, mail) = sign_in_by_mail(&smtp, &a, "mr.smith@example.test", "en", "sign-in code").await;
    says(&mail, &["Never give this code to anyone", &sign_in_code(&mail).expect("code")]);
    let (bahasa, mail) = sign_in_by_mail(&smtp, &a, "bu.rina@example.test", "id", "Kode masuk").await;
    says(&mail, &["Jangan berikan kode ini kepada siapa pun"]);
    let smith = ready_applicant(&http, &a, &english, 1).await;
    let rina = ready_applicant(&http, &a, &bahasa, 2).await;
    let smith_name = applicant_form(1)["name"].as_str().expect("name").to_owned();

    // The bill: its code in groups of three, the amount and the deadline.
    let mut request = application(smith, "09:00");
    request["date"] = json!("2026-12-02");
    let (status, hold) = send(http.post(a.api("/applications")).bearer_auth(&english).json(&request)).await;
    assert_eq!(status, 201, "{hold}");
    let bill =
        wait_mail(&smtp.maildir, "mr.smith@example.test", "Passport bill for Wednesday, 2 December 2026", 10)
            .await;
    let grouped = antrian_central::letters::group_digits(hold["bill"]["code"].as_str().expect("code"));
    says(
        &bill,
        &[&grouped, "Rp 350.000", "Tuesday, 1 December 2026, 10:00 WIB", &smith_name, "Pay at a bank teller"],
    );

    // Paid: the confirmation with the PDF; the booking is tomorrow, so the reminder follows.
    let (body, signature) =
        notification(&hold["bill"], "MANDIRI-1", None, "2026-12-01T08:05:00+07:00", CHANNEL_SECRET);
    assert_eq!(notify(&http, &a, &body, &signature).await.0, 200);
    let id = hold["id"].as_str().expect("id");
    let (_, booked) = send(http.get(a.api(&format!("/applications/{id}"))).bearer_auth(&english)).await;
    let code = booked["booking_code"].as_str().expect("booking code").to_owned();
    let confirmation = wait_mail(&smtp.maildir, "mr.smith@example.test", "Booking confirmation", 10).await;
    assert!(confirmation.subject.contains(&code), "{}", confirmation.subject);
    says(
        &confirmation,
        &[
            &code,
            "Wednesday, 2 December 2026",
            "Please arrive between 08:30 and 10:00",
            "Original electronic KTP",
        ],
    );
    let (name, pdf) = confirmation.attachments.first().expect("the PDF attached");
    assert!(name.ends_with(".pdf") && pdf.starts_with(b"%PDF"), "{name}");
    let pdf_text = lopdf::Document::load_mem(pdf).and_then(|d| d.extract_text(&[1])).expect("the PDF reads");
    assert!(
        pdf_text.contains("BOOKING CONFIRMATION") && pdf_text.contains(&code),
        "in English too: {pdf_text}"
    );
    let reminder =
        wait_mail(&smtp.maildir, "mr.smith@example.test", "Tomorrow: your passport appointment", 20).await;
    says(&reminder, &[&code, "Tomorrow, Wednesday, 2 December 2026"]);

    // Moved (the one reschedule): the new date, with the new PDF; the old QR is void.
    let (status, moved) = send(
        http.post(a.api(&format!("/applications/{id}/reschedule")))
            .bearer_auth(&english)
            .json(&json!({"date": "2026-12-07", "slot": "10:00"})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    let letter = wait_mail(&smtp.maildir, "mr.smith@example.test", "Date changed", 10).await;
    says(&letter, &["Monday, 7 December 2026", "10:00–11:00", "the old QR code is no longer valid"]);
    assert!(letter.attachments.iter().any(|(_, pdf)| pdf.starts_with(b"%PDF")), "the new PDF");

    // Ready for pickup, reported by the office's hub — while the mail server is away: the
    // letter waits and goes once it is back.
    smtp.stop().await;
    let (ok, hub_token, err) = service.cli(&["hub", "add", "kanim-jaksel"]).await;
    assert!(ok, "{err}");
    let events = json!({"events": [{"id": "ev-1", "booking_code": code, "kind": "ready_for_pickup",
        "at": "2026-12-02T11:00:00+07:00"}]});
    let (status, body) =
        send(http.post(a.api("/sync/visits")).bearer_auth(hub_token.trim()).json(&events)).await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let queued: i64 =
        service.db().await.query_one("SELECT count(*) FROM mail_outbox", &[]).await.expect("count").get(0);
    assert_eq!(queued, 1, "the letter waits while the mail server is away");
    smtp.start_again();
    let ready = wait_mail(&smtp.maildir, "mr.smith@example.test", "ready for pickup", 20).await;
    says(&ready, &["The passport of", &smith_name, "bring your original KTP"]);

    // The waitlist offer: 4 December is full (one place in each slot); the English account
    // waits; the Indonesian one gives its place back.
    let db = service.db().await;
    for slot in ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00"] {
        db.execute(
            "INSERT INTO quota (office_id, date, slot, service, capacity, taken) VALUES ('kanim-jaksel', '2026-12-04', $1, 'A', 1, 1)",
            &[&slot],
        )
        .await
        .expect("fill the slot");
    }
    let mut request = application(rina, "08:00");
    request["date"] = json!("2026-12-04");
    let (status, rinas) = send(http.post(a.api("/applications")).bearer_auth(&bahasa).json(&request)).await;
    assert_eq!(status, 201, "{rinas}");
    let rina_bill = wait_mail(&smtp.maildir, "bu.rina@example.test", "Tagihan paspor", 10).await;
    says(&rina_bill, &["Jumat, 4 Desember 2026", "Bayar lewat teller bank", "Rp 350.000"]);
    let join = json!({"applicant": smith, "office": "kanim-jaksel", "service": "A", "passport_type": "ordinary", "date": "2026-12-04"});
    let (status, body) = send(http.post(a.api("/waitlist")).bearer_auth(&english).json(&join)).await;
    assert_eq!(status, 201, "{body}");
    let rinas_id = rinas["id"].as_str().expect("id");
    let (status, _) =
        send(http.post(a.api(&format!("/applications/{rinas_id}/cancel"))).bearer_auth(&bahasa)).await;
    assert_eq!(status, 200);
    let offer = wait_mail(&smtp.maildir, "mr.smith@example.test", "A place for you", 10).await;
    says(&offer, &["Friday, 4 December 2026", "08:00–09:00", "next person on the waitlist", "Rp 350.000"]);

    // The expiry: an unpaid bill of the Indonesian account runs out (a replica three hours on).
    let mut request = application(rina, "10:00");
    request["date"] = json!("2026-12-03");
    let (status, late) = send(http.post(a.api("/applications")).bearer_auth(&bahasa).json(&request)).await;
    assert_eq!(status, 201, "{late}");
    drop(a);
    let _later = service.replica("2026-12-01T11:00:00+07:00").await;
    let expired = wait_mail(&smtp.maildir, "bu.rina@example.test", "Tagihan kedaluwarsa", 40).await;
    says(&expired, &["Kamis, 3 Desember 2026", "Jangan membayar tagihan lama ini"]);
    assert!(expired.html.contains("<html lang=\"id\">"), "{}", expired.html);

    // Nothing was sent twice.
    let all = read_mails(&smtp.maildir);
    let mut subjects: Vec<(String, String)> = all.iter().map(|m| (m.to.clone(), m.subject.clone())).collect();
    let count = subjects.len();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), count, "a letter came twice: {all:#?}");
}
