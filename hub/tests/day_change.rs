//! The change of day (issue 18, item 3): tickets left open at closing — one called, one being
//! served, one waiting — must not live on into the next morning. At the change of day each is
//! closed with a final state of its own, its counter is closed and free, the waiting counts
//! start again at zero, the status page says the day's service has ended, and the day's report
//! counts them.

mod common;

use std::time::{Duration, Instant};

use antrian_proto::{CounterState, DailyReport, TicketState};
use common::*;
use reqwest::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_left_open_at_closing_are_closed_at_the_change_of_day() {
    let config = config_with(&[("no_show_sweep_seconds = 60", "no_show_sweep_seconds = 1")]);
    let hub = TestHub::start_with(config, "2026-11-25T14:50:00+07:00").await;
    let (kiosk, staff) = (hub.kiosk().await, hub.admin().await);
    let booked = book(&staff, "14:00", 1, 1).await.remove(0);
    let called = kiosk.checkin_qr(&booked.qr).await.expect("check-in at 14:50").ticket;
    let serving = kiosk.walkin("C", None).await.expect("walk-in");
    let waiting = kiosk.walkin("C", None).await.expect("walk-in");
    assert_eq!(staff.call_next("1", None).await.expect("call").map(|t| t.id), Some(called.id.clone()));
    assert_eq!(staff.call_next("2", None).await.expect("call").map(|t| t.id), Some(serving.id.clone()));
    staff.ticket_action(&serving.id, "start").await.expect("start");
    let token = waiting.status_url.rsplit('/').next().expect("token").to_owned();
    assert_eq!(hub.anonymous().status(&token).await.expect("status").state, TicketState::Waiting);

    // Nobody pressed anything more; the next morning comes.
    hub.set_clock("2026-11-26T07:55:00+07:00");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        let status = hub.anonymous().status(&token).await.expect("status");
        if status.state != TicketState::Waiting {
            break status;
        }
        assert!(Instant::now() < deadline, "the earlier day's tickets were never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((status.state, status.people_ahead, status.eta_minutes), (TicketState::Closed, 0, 0));

    // The status page says so in words.
    let page = reqwest::get(&waiting.status_url).await.expect("page").text().await.expect("html");
    assert!(page.contains("Ditutup: layanan hari itu telah berakhir"), "the status page says the day ended");

    // Counters start the day free: the first call is not refused as busy, and the board shows
    // no number at counters 1 and 2. (Yesterday's session has expired: the clerk logs in.)
    let staff = hub.login_as("pagi", antrian_proto::Role::Staff).await;
    let board = staff.board("kanim-jaksel").await.expect("board");
    for id in ["1", "2"] {
        let counter = board.counters.iter().find(|c| c.id == id).expect("counter");
        assert_eq!((counter.state, counter.number.as_deref()), (CounterState::Closed, None), "counter {id}");
    }
    let berkas = board.waiting.iter().find(|w| w.stage == "berkas").expect("berkas");
    assert_eq!(berkas.count, 0, "nobody waits this morning");
    assert_eq!(staff.call_next("1", None).await.expect("call, not counter_busy"), None);
    // A finished day's ticket stays finished.
    assert_eq!(code(staff.ticket_action(&called.id, "start").await), "invalid_transition");
    // Today's numbers start at 001.
    assert_eq!(kiosk.walkin("C", None).await.expect("walk-in").number, "C001");
    // Yesterday's booking scanned again is not a reprint of a closed ticket: its day is over.
    let token = called.status_url.rsplit('/').next().expect("token").to_owned();
    assert_eq!(kiosk.status(&token).await.expect("status").state, TicketState::Closed);
    assert_eq!(code(kiosk.checkin_qr(&booked.qr).await), "too_late");

    // The earlier day's report counts them.
    let supervisor = hub.login_as("kepala", antrian_proto::Role::Supervisor).await;
    let response = hub
        .raw(
            Method::GET,
            "/api/v1/reports/daily?office=kanim-jaksel&date=2026-11-25",
            supervisor.token(),
            None,
        )
        .await;
    let report: DailyReport = response.json().await.expect("report");
    let c = report.services.iter().find(|s| s.service == "C").expect("service C");
    assert_eq!((c.tickets, c.closed, c.done), (2, 2, 0));
    let a = report.services.iter().find(|s| s.service == "A").expect("service A");
    assert_eq!((a.tickets, a.closed), (1, 1));
    let berkas = report.stages.iter().find(|s| s.stage == "berkas").expect("berkas");
    assert_eq!((berkas.visits, berkas.closed, berkas.served), (3, 3, 0));
    assert_waiting_counts_consistent(&hub).await;
}
