//! Headless Chromium through WebDriver (chromedriver + fantoccini), as an applicant would:
//! book a slot on the booking page, see the QR, download the PDF; then follow the ticket on
//! the status page, which turns to "called" with the counter, without a reload.

mod common;

use std::time::Duration;

use antrian_proto::Role;
use common::web::*;
use common::*;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_applicant_books_downloads_the_pdf_and_sees_the_call_live() {
    if !(system_tool("chromium") && system_tool("chromedriver")) {
        return;
    }
    let hub = TestHub::start_with(booking_config(20, &[]), MORNING).await;
    // Tomorrow's 09:00 is full: the page must say so and not offer it.
    for n in 0..20 {
        hub.anonymous()
            .book(&booking_request(
                chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
                "09:00",
                500 + n,
            ))
            .await
            .expect("book 09:00");
    }
    let driver = start_chromedriver().await;
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = browser(&driver, downloads.path()).await;

    // Book: service A is preselected; pick tomorrow, 10:00, type name and NIK.
    client.goto(&format!("{}/book", hub.url)).await.expect("open the booking page");
    client
        .wait()
        .for_element(Locator::Css("button.day[data-date='2026-11-26']"))
        .await
        .expect("calendar")
        .click()
        .await
        .expect("day");
    let ten = client.wait().for_element(Locator::Css("button.slot[data-slot='10:00']")).await.expect("slots");
    let nine = client.find(Locator::Css("button.slot[data-slot='09:00']")).await.expect("09:00");
    let nine_text = nine.text().await.expect("text");
    assert!(nine_text.contains("Penuh"), "a full slot says so: {nine_text:?}");
    assert!(!nine.is_enabled().await.expect("enabled?"), "a full slot cannot be chosen");
    let ten_text = ten.text().await.expect("text");
    assert!(ten_text.contains("20 "), "{ten_text:?}");
    ten.click().await.expect("slot");
    client.find(Locator::Id("name")).await.expect("name").send_keys("Siti Rahayu").await.expect("type");
    client.find(Locator::Id("nik")).await.expect("nik").send_keys("3174015508900002").await.expect("type");
    client.find(Locator::Id("submit")).await.expect("submit").click().await.expect("book");

    // The confirmation with its QR.
    let qr = client.wait().for_element(Locator::Css("#qr svg")).await.expect("the confirmation with its QR");
    let url = client.current_url().await.expect("url");
    assert!(url.path().starts_with("/booking/"), "{url}");
    assert!(qr.attr("viewBox").await.expect("attr").is_some());
    let code = client.find(Locator::Id("booking-code")).await.expect("code").text().await.expect("text");
    assert_eq!(code.len(), 10);
    let qr_text = client
        .find(Locator::Id("qr"))
        .await
        .expect("qr")
        .attr("data-qr")
        .await
        .expect("attr")
        .expect("qr text");
    let page = client.source().await.expect("source");
    assert!(page.contains("Kamis, 26 November 2026") && page.contains("Siti Rahayu"));

    // Download the PDF.
    client.find(Locator::Id("pdf")).await.expect("pdf link").click().await.expect("download");
    let mut pdf = None;
    for _ in 0..100 {
        pdf = std::fs::read_dir(downloads.path())
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "pdf"));
        if pdf.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pdf = pdf.expect("the PDF was downloaded");
    assert!(std::fs::read(&pdf).expect("read").starts_with(b"%PDF-"));
    assert!(pdf.file_name().is_some_and(|n| n.to_string_lossy().contains(&code)));

    // The booked day: check in at the kiosk, open the status page from the ticket's QR link.
    hub.set_clock("2026-11-26T09:30:00+07:00");
    let ticket = hub.kiosk().await.checkin_qr(&qr_text).await.expect("check-in").ticket;
    client.goto(&ticket.status_url).await.expect("status page");
    wait_text(&client, "#state", "Menunggu").await;
    client.execute("window.notReloaded = true;", vec![]).await.expect("mark the page");

    // A counter calls: the page changes by itself.
    let staff = hub.login_as("loket", Role::Staff).await;
    let called = staff.call_next("2", None).await.expect("call").expect("the ticket");
    assert_eq!(called.id, ticket.id);
    wait_text(&client, "#state", "Dipanggil").await;
    wait_text(&client, "#counter", "Loket 2").await;
    let same_page = client.execute("return window.notReloaded === true;", vec![]).await.expect("script");
    assert_eq!(same_page, serde_json::Value::Bool(true), "updated without a reload");
    client.close().await.expect("close");
}
