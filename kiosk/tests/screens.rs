//! The kiosk against a real hub: a scan shows the number the hub assigned (and prints it);
//! every check-in refusal shows its own sentence in Indonesian and in English; the keypad and
//! walk-in flows; garbage issues nothing; the hub going away and coming back.

mod common;

use antrian_kiosk::state::Screen;
use antrian_kiosk::texts::{Lang, error_sentence};
use antrian_proto::qr::{BookingClaim, QrSigner};
use antrian_proto::{Client, ErrorCode, RefusalDetail};
use chrono::NaiveTime;
use common::*;
use egui_kittest::kittest::Queryable;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_booking_shows_and_prints_the_number_the_hub_assigned() {
    let office = Office::start(&[]).await;
    let first = office.book(today(), "09:00", 1).await;
    let mine = office.book(today(), "09:00", 2).await;
    let mut kiosk = kiosk(office.kiosk_config());
    wait_text(&mut kiosk, "Pindai kode QR");
    scan(&mut kiosk, &first.qr);
    wait_text(&mut kiosk, "Nomor antrean Anda");
    scan(&mut kiosk, &mine.qr); // the next applicant, straight away
    wait_until(&mut kiosk, "A002", |k| k.query_by_label("A002").is_some());
    assert_eq!(office.ticket_numbers().await, vec!["A001", "A002"], "the hub issued exactly these");
    kiosk.get_by_label_contains("Di depan Anda: 1 orang");
    wait_text(&mut kiosk, "Silakan ambil tiket Anda");
    let printed: Vec<String> = std::fs::read_dir(office.tickets_dir())
        .expect("tickets dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(printed.iter().any(|n| n.contains("A002")), "ticket A002 printed: {printed:?}");

    // The same booking again: the same number, marked as a reprint, nothing new at the hub.
    touch(&mut kiosk, "Selesai");
    scan(&mut kiosk, &mine.qr);
    wait_text(&mut kiosk, "CETAK ULANG");
    assert!(kiosk.query_by_label("A002").is_some());
    assert_eq!(office.ticket_numbers().await, vec!["A001", "A002"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_scan_says_the_code_is_invalid_and_issues_nothing() {
    let office = Office::start(&[]).await;
    let booking = office.book(today(), "09:00", 3).await;
    let mut kiosk = kiosk(office.kiosk_config());
    wait_text(&mut kiosk, "Pindai kode QR");
    // A forged code: a real one with its booking code changed.
    let forged = booking.qr.replacen(&booking.booking_code, "ZZZZZZZZZZ", 1);
    for garbage in ["HTTPS://EXAMPLE.COM/PROMO", &forged] {
        scan(&mut kiosk, garbage);
        wait_text(&mut kiosk, "tidak dapat dibaca atau tidak sah");
        touch(&mut kiosk, "Kembali");
        wait_text(&mut kiosk, "Pindai kode QR");
    }
    assert!(office.ticket_numbers().await.is_empty(), "no ticket was issued");
    // Keys typed slowly by hand on a keyboard are not a scan.
    for c in booking.qr.chars().take(5) {
        kiosk.event(eframe::egui::Event::Text(c.to_string()));
        kiosk.run_steps(20); // 400 ms apart
    }
    kiosk.key_press(eframe::egui::Key::Enter);
    kiosk.run_steps(5);
    assert!(matches!(kiosk.state().state.screen, Screen::Welcome), "no check-in started");
}

/// Shows the refusal for `qr` and checks its sentence in both languages.
fn expect_sentence(
    kiosk: &mut Kiosk,
    qr: &str,
    code: ErrorCode,
    detail: serde_json::Value,
    id_word: &str,
    en_word: &str,
) {
    scan(kiosk, qr);
    let detail: Option<RefusalDetail> = serde_json::from_value(detail).expect("a detail as the hub sends it");
    let id = error_sentence(Lang::Id, code, detail.as_ref());
    wait_text(kiosk, &id.what);
    assert!(id.what.contains(id_word) || id.next.contains(id_word), "{code:?}: {id:?}");
    kiosk.get_by_label(&id.next);
    touch(kiosk, "English");
    let en = error_sentence(Lang::En, code, detail.as_ref());
    wait_text(kiosk, &en.what);
    assert!(en.what.contains(en_word) || en.next.contains(en_word), "{code:?}: {en:?}");
    kiosk.get_by_label(&en.next);
    touch(kiosk, "Back");
    // Back at the start, still in English for this applicant.
    wait_text(kiosk, "Scan the QR code");
    touch(kiosk, "Bahasa Indonesia");
    wait_text(kiosk, "Pindai kode QR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_in_refusal_has_its_own_sentence_in_both_languages() {
    let issuer = QrSigner::from_secret_bytes(&[9; 32]);
    let public = antrian_proto::qr::encode_public_key(&issuer.verifying_key());
    let office = Office::start(&[
        ("trusted_keys = []", &format!("trusted_keys = [\"{public}\"]")),
        ("walk_in_quota = 10", "walk_in_quota = 1"),
    ])
    .await;
    let tomorrow = today().succ_opt().expect("date");
    let next_day = office.book(tomorrow, "10:00", 11).await;
    let afternoon = office.book(today(), "13:00", 12).await;
    let early_morning = office.book(today(), "08:00", 13).await;
    let cancelled = office.book(today(), "09:00", 14).await;
    Client::new(&office.url)
        .cancel_booking(&cancelled.booking_code, &cancelled.nik_last4)
        .await
        .expect("cancel");
    let elsewhere = issuer
        .sign(&BookingClaim {
            booking_code: "BDG0000001".into(),
            office: "kanim-bandung".into(),
            service: "A".into(),
            date: today(),
            slot: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        })
        .expect("sign");

    let mut kiosk = kiosk(office.kiosk_config());
    wait_text(&mut kiosk, "Pindai kode QR");
    expect_sentence(&mut kiosk, "GARBAGE", ErrorCode::InvalidQr, json!(null), "tidak sah", "not valid");
    expect_sentence(
        &mut kiosk,
        &elsewhere,
        ErrorCode::WrongOffice,
        json!({"office": "kanim-bandung"}),
        "kanim-bandung",
        "kanim-bandung",
    );
    expect_sentence(
        &mut kiosk,
        &next_day.qr,
        ErrorCode::WrongDate,
        json!({"date": "2026-11-26", "slot": "10:00"}),
        "Kamis, 26 November 2026",
        "Thursday 26 November 2026",
    );
    expect_sentence(
        &mut kiosk,
        &afternoon.qr,
        ErrorCode::TooEarly,
        json!({"from": "2026-11-25T12:00:00+07:00", "slot": "13:00"}),
        "pukul 12:00",
        "opens at 12:00",
    );
    expect_sentence(
        &mut kiosk,
        &early_morning.qr,
        ErrorCode::TooLate,
        json!({"date": "2026-11-25", "slot": "08:00"}),
        "sudah lewat",
        "has closed",
    );
    expect_sentence(&mut kiosk, &cancelled.qr, ErrorCode::Cancelled, json!(null), "dibatalkan", "cancelled");
    assert!(office.ticket_numbers().await.is_empty(), "no refusal issued a ticket");

    // Keypad: a code that does not exist.
    touch(&mut kiosk, "Masukkan kode booking");
    for key in "ABCD2345".chars() {
        press(&mut kiosk, key);
    }
    touch(&mut kiosk, "4 angka terakhir NIK");
    for key in "9999".chars() {
        press(&mut kiosk, key);
    }
    touch(&mut kiosk, "Ambil nomor antrean");
    let unknown = error_sentence(Lang::Id, ErrorCode::UnknownBooking, None);
    wait_text(&mut kiosk, &unknown.what);
    touch(&mut kiosk, "English");
    wait_text(&mut kiosk, &error_sentence(Lang::En, ErrorCode::UnknownBooking, None).what);
    touch(&mut kiosk, "Try again");
    wait_text(&mut kiosk, "ABCD2345"); // what was typed is kept for correcting
    touch(&mut kiosk, "Back");

    // Walk-in quota of 1: the second C ticket is refused.
    for expected in ["C001", "quota"] {
        touch(&mut kiosk, "No online booking");
        wait_text(&mut kiosk, "Choose a service");
        kiosk.get_by_label_contains("Lost or damaged").click();
        if expected == "C001" {
            wait_until(&mut kiosk, "C001", |k| k.query_by_label("C001").is_some());
            touch(&mut kiosk, "Done");
            touch(&mut kiosk, "English");
        } else {
            wait_text(&mut kiosk, &error_sentence(Lang::En, ErrorCode::QuotaFull, None).what);
            touch(&mut kiosk, "Bahasa Indonesia");
            wait_text(&mut kiosk, &error_sentence(Lang::Id, ErrorCode::QuotaFull, None).what);
        }
    }
    assert_eq!(office.ticket_numbers().await, vec!["C001"]);

    // not_walk_in cannot be reached by touch (only walk-in services are offered); the hub's
    // real answer for a booked-only service, shown as the kiosk shows any refusal.
    let refusal = Client::new(&office.url)
        .with_token(&office.kiosk_token)
        .walkin("A", None)
        .await
        .expect_err("booked only");
    assert_eq!(refusal.code(), Some("not_walk_in"));
    let code = refusal.error_code().expect("code");
    for (lang, word) in [(Lang::Id, "pendaftaran online"), (Lang::En, "online booking")] {
        let app = kiosk.state_mut();
        app.state.lang = lang;
        app.state.screen = Screen::Refused { code, detail: None, back: Box::new(Screen::WalkIn) };
        kiosk.run_steps(2);
        let sentence = error_sentence(lang, code, None);
        assert!(sentence.what.contains(word));
        kiosk.get_by_label(&sentence.what);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keypad_and_the_walk_in_buttons_give_numbers() {
    let office = Office::start(&[]).await;
    let booking = office.book(today(), "09:00", 21).await;
    let mut kiosk = kiosk(office.kiosk_config());
    wait_text(&mut kiosk, "Pindai kode QR");
    touch(&mut kiosk, "Masukkan kode booking");
    // A 10-character code moves on to the NIK box by itself.
    for key in booking.booking_code.chars().chain(booking.nik_last4.chars()) {
        press(&mut kiosk, key);
    }
    touch(&mut kiosk, "Ambil nomor antrean");
    wait_until(&mut kiosk, "A001", |k| k.query_by_label("A001").is_some());
    touch(&mut kiosk, "Selesai");

    touch(&mut kiosk, "Tanpa pendaftaran online");
    wait_text(&mut kiosk, "Pilih layanan");
    kiosk.get_by_label_contains("Lansia").click();
    wait_until(&mut kiosk, "P001", |k| k.query_by_label("P001").is_some());
    touch(&mut kiosk, "Selesai");
    touch(&mut kiosk, "Tanpa pendaftaran online");
    kiosk.get_by_label_contains("Pengambilan").click();
    wait_until(&mut kiosk, "D001", |k| k.query_by_label("D001").is_some());
    assert_eq!(office.ticket_numbers().await, vec!["A001", "D001", "P001"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn left_alone_the_kiosk_returns_to_welcome_in_its_own_language() {
    let office = Office::start(&[]).await;
    let mut config = office.kiosk_config();
    config.idle_timeout_seconds = 5;
    let mut kiosk = kiosk(config);
    wait_text(&mut kiosk, "Pindai kode QR");
    touch(&mut kiosk, "English");
    touch(&mut kiosk, "Enter booking code");
    wait_text(&mut kiosk, "Last 4 digits of NIK");
    kiosk.run_steps(200); // 4 s of kiosk time
    assert!(kiosk.query_by_label_contains("Last 4 digits of NIK").is_some(), "not yet");
    kiosk.run_steps(60); // past 5 s
    wait_text(&mut kiosk, "Pindai kode QR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_hub_the_kiosk_sends_people_to_staff_and_recovers_by_itself() {
    let mut office = Office::start(&[]).await;
    let booking = office.book(today(), "09:00", 31).await;
    let mut kiosk = kiosk(office.kiosk_config());
    wait_text(&mut kiosk, "Pindai kode QR");
    office.kill();
    wait_text(&mut kiosk, "Silakan hubungi petugas");
    // A scan while the hub is away: the applicant is told to see an officer, no number.
    scan(&mut kiosk, &booking.qr);
    wait_text(&mut kiosk, "Silakan hubungi petugas");
    office.restart().await;
    wait_text(&mut kiosk, "Pindai kode QR");
    scan(&mut kiosk, &booking.qr);
    wait_until(&mut kiosk, "A001", |k| k.query_by_label("A001").is_some());
    assert_eq!(office.ticket_numbers().await, vec!["A001"]);
}

/// Types `text` at scanner speed, with no suffix.
fn burst(kiosk: &mut Kiosk, text: &str) {
    for c in text.chars() {
        kiosk.event(eframe::egui::Event::Text(c.to_string()));
    }
    kiosk.step();
}

/// Issue 18, item 4: many scanners end a code with Tab, or with nothing. Both check in; a
/// read cut short says so on the screen and sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanners_ending_with_tab_or_nothing_check_in_and_a_partial_read_says_so() {
    let office = Office::start(&[]).await;
    let with_tab = office.book(today(), "09:00", 31).await;
    let without = office.book(today(), "09:00", 32).await;
    let mut kiosk = kiosk(office.kiosk_config());
    wait_text(&mut kiosk, "Pindai kode QR");

    burst(&mut kiosk, &with_tab.qr);
    kiosk.key_press(eframe::egui::Key::Tab);
    kiosk.step();
    wait_until(&mut kiosk, "A001", |k| k.query_by_label("A001").is_some());
    touch(&mut kiosk, "Selesai");

    // No suffix: the burst, then the scanner's silence.
    burst(&mut kiosk, &without.qr);
    wait_until(&mut kiosk, "A002", |k| k.query_by_label("A002").is_some());
    touch(&mut kiosk, "Selesai");
    assert_eq!(office.ticket_numbers().await, vec!["A001", "A002"]);

    // Cut short: a hint, in the applicant's language, and nothing sent.
    burst(&mut kiosk, &without.qr[..5]);
    wait_text(&mut kiosk, "Kode QR hanya terbaca sebagian");
    assert!(matches!(kiosk.state().state.screen, Screen::Welcome));
    touch(&mut kiosk, "English");
    burst(&mut kiosk, "AQ1");
    wait_text(&mut kiosk, "The QR code was read only in part");
    assert_eq!(office.ticket_numbers().await, vec!["A001", "A002"], "no partial read reached the hub");
}
