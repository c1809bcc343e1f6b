//! Crash safety: SIGKILL the real hub while check-ins are in flight, restart it on the same
//! data dir, and check that every answered check-in is there with the same number, no number
//! repeats, and the queue goes on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::{Appointment, Client, NewAppointment};
use chrono::NaiveDate;

const CLOCK: &str = "2026-11-25T09:05:00+07:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answered_check_ins_survive_sigkill_with_their_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8").to_owned();
    let log = dir.path().join("hub.log");
    let global = ["--data-dir", data_s.as_str()];
    let (ok, _, err) =
        run_cli(&[&global[..], &["user", "add", "admin", "--role", "admin"]].concat(), "crash-admin-pw\n");
    assert!(ok, "{err}");
    let (ok, token, err) =
        run_cli(&[&global[..], &["device", "add", "kiosk-1", "--role", "kiosk"]].concat(), "");
    assert!(ok, "{err}");
    let kiosk_token = token.trim().to_owned();

    let hub = RunningHub::start(&global, &["--clock", CLOCK], &log);
    hub.wait_healthy().await;
    let (admin, _) = Client::new(&hub.url).login("admin", "crash-admin-pw").await.expect("login");
    let date = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let items: Vec<NewAppointment> = (0..600)
        .map(|i| NewAppointment {
            office: "kanim-jaksel".into(),
            service: if i % 3 == 0 { "B".into() } else { "A".into() },
            date,
            slot: "09:00".into(),
            name: format!("Pemohon {i}"),
            nik: format!("3174{i:012}"),
            booking_code: None,
        })
        .collect();
    let bookings = admin.create_appointments(items).await.expect("appointments");

    // Answered check-ins: booking code → number.
    let answered: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let pending: Arc<Mutex<Vec<Appointment>>> = Arc::new(Mutex::new(bookings.clone()));
    let mut hub = Some(hub);
    for round in 1..=3 {
        let url = hub.as_ref().expect("running").url.clone();
        let kiosk = Client::new(&url).with_token(&kiosk_token);
        let target = round * 120;
        let mut workers = Vec::new();
        for _ in 0..8 {
            let (kiosk, answered, pending) = (kiosk.clone(), answered.clone(), pending.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let Some(booking) = pending.lock().expect("lock").pop() else { return };
                    match kiosk.checkin_qr(&booking.qr).await {
                        Ok(answer) => {
                            answered
                                .lock()
                                .expect("lock")
                                .insert(booking.booking_code.clone(), answer.ticket.number);
                        }
                        // The hub died with this request in flight: it may or may not have
                        // committed; it is not counted as answered.
                        Err(_) => return,
                    }
                }
            }));
        }
        // Kill while the workers are still checking in.
        while answered.lock().expect("lock").len() < target {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        hub.take().expect("running").kill();
        for worker in workers {
            worker.await.expect("worker");
        }
        let before = answered.lock().expect("lock").clone();
        assert!(before.len() >= target, "round {round}: {} answered", before.len());

        // Restart on the same data dir.
        let restarted = RunningHub::start(&global, &["--clock", CLOCK], &log);
        restarted.wait_healthy().await;
        let kiosk = Client::new(&restarted.url).with_token(&kiosk_token);
        for booking in bookings.iter().filter(|b| before.contains_key(&b.booking_code)) {
            let again = kiosk.checkin_qr(&booking.qr).await.expect("re-scan after the crash");
            assert!(again.reprint, "round {round}: {} lost its ticket", booking.booking_code);
            assert_eq!(again.ticket.number, before[&booking.booking_code], "round {round}: number changed");
        }
        hub = Some(restarted);
    }

    // Finish the rest: the numbers of the whole day stay unique and gap-free per service.
    let url = hub.as_ref().expect("running").url.clone();
    let kiosk = Client::new(&url).with_token(&kiosk_token);
    let mut numbers: BTreeMap<String, String> = BTreeMap::new();
    for booking in &bookings {
        let answer = kiosk.checkin_qr(&booking.qr).await.expect("check-in");
        numbers.insert(booking.booking_code.clone(), answer.ticket.number);
    }
    let distinct: HashSet<&String> = numbers.values().collect();
    assert_eq!(distinct.len(), bookings.len(), "no number was given twice");
    for service in ['A', 'B'] {
        let mut seqs: Vec<u32> = numbers
            .values()
            .filter(|n| n.starts_with(service))
            .map(|n| n[1..].parse().expect("digits"))
            .collect();
        seqs.sort_unstable();
        let expected: Vec<u32> = (1..=seqs.len() as u32).collect();
        assert_eq!(seqs, expected, "service {service} numbered from 001 without gaps");
    }
    // The queue goes on after three crashes.
    let (staff, _) = Client::new(&url).login("admin", "crash-admin-pw").await.expect("login");
    let first = staff.call_next("1", None).await.expect("call").expect("waiting tickets");
    assert_eq!(first.state, antrian_proto::TicketState::Called);
    hub.take().expect("running").kill();
}
