//! Real concurrency against a real hub: counters racing for "call next", the same booking
//! scanned many times at once, many bookings checked in at once.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use antrian_proto::{Client, Role};
use common::*;
use tokio::sync::Barrier;

fn sixteen_counters() -> antrian_hub::config::Config {
    let mut counters = String::new();
    for i in 1..=16 {
        counters.push_str(&format!(
            "[[counters]]\nid = \"{i}\"\nname = \"Loket {i}\"\nstages = [\"berkas\"]\n\n"
        ));
    }
    let text = antrian_hub::config::DEFAULT_CONFIG;
    let start = text.find("[[counters]]").expect("counters");
    let end = text.find("# Bookable arrival slots").expect("slots");
    let text = format!("{}{}{}", &text[..start], counters, &text[end..])
        .replace("walk_in_quota = 10", "walk_in_quota = 1000");
    antrian_hub::config::Config::parse(&text).expect("config")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn sixteen_counters_calling_at_once_call_each_of_400_tickets_exactly_once() {
    let hub = TestHub::start_with(sixteen_counters(), MORNING).await;
    let kiosk = hub.kiosk().await;
    let mut issued = Vec::new();
    for chunk in 0..8 {
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let kiosk = kiosk.clone();
            tasks.push(tokio::spawn(async move { kiosk.walkin("C", None).await.expect("walk-in").id }));
        }
        for task in tasks {
            issued.push(task.await.expect("join"));
        }
        assert_eq!(issued.len(), (chunk + 1) * 50);
    }
    let issued: BTreeSet<String> = issued.into_iter().collect();
    assert_eq!(issued.len(), 400);

    let staff = hub.login_as("loket", Role::Staff).await;
    let barrier = Arc::new(Barrier::new(16));
    let mut counters = Vec::new();
    for counter in 1..=16 {
        let (staff, barrier) = (staff.clone(), barrier.clone());
        counters.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut called = Vec::new();
            while let Some(ticket) = staff.call_next(&counter.to_string(), None).await.expect("call next") {
                assert_eq!(ticket.counter.as_deref(), Some(counter.to_string().as_str()));
                called.push(ticket.id.clone());
                staff.finish(&ticket.id, None).await.expect("finish");
            }
            called
        }));
    }
    let mut all_calls = Vec::new();
    let mut busy_counters = 0;
    for counter in counters {
        let called = counter.await.expect("join");
        if !called.is_empty() {
            busy_counters += 1;
        }
        all_calls.extend(called);
    }
    let unique: BTreeSet<String> = all_calls.iter().cloned().collect();
    assert_eq!(all_calls.len(), 400, "every ticket called, none twice");
    assert_eq!(unique, issued, "the called tickets are exactly the issued ones");
    assert!(busy_counters >= 8, "the counters really raced ({busy_counters} of 16 got tickets)");

    // The stored visits agree: one call per ticket at berkas.
    let calls = count_in_file(
        &hub,
        "SELECT COUNT(*) FROM stage_visits WHERE stage = 'berkas' AND called_at IS NOT NULL",
    )
    .await;
    assert_eq!(calls, 400);
    assert_waiting_counts_consistent(&hub).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_simultaneous_scans_of_one_booking_give_one_ticket() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let booked = book(&admin, "09:00", 1, 1).await.remove(0);
    let kiosks: Vec<Client> = vec![hub.kiosk().await, hub.device("kiosk-2", Role::Kiosk).await];
    let barrier = Arc::new(Barrier::new(50));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (kiosk, barrier, qr) = (kiosks[i % 2].clone(), barrier.clone(), booked.qr.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            kiosk.checkin_qr(&qr).await.expect("check-in")
        }));
    }
    let mut ids = HashSet::new();
    let mut new_tickets = 0;
    for task in tasks {
        let answer = task.await.expect("join");
        ids.insert(answer.ticket.id);
        if !answer.reprint {
            new_tickets += 1;
        }
    }
    assert_eq!(ids.len(), 1, "one ticket");
    assert_eq!(new_tickets, 1, "exactly one answer is the new ticket, the rest are reprints");
    let tickets = count_in_file(&hub, "SELECT COUNT(*) FROM tickets").await;
    assert_eq!(tickets, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_hundred_simultaneous_check_ins_get_two_hundred_numbers_without_gaps() {
    let hub = TestHub::start().await;
    let admin = hub.admin().await;
    let booked = book(&admin, "09:00", 200, 1000).await;
    let kiosks = [
        hub.kiosk().await,
        hub.device("kiosk-2", Role::Kiosk).await,
        hub.device("kiosk-3", Role::Kiosk).await,
    ];
    let barrier = Arc::new(Barrier::new(200));
    let mut tasks = Vec::new();
    for (i, appointment) in booked.into_iter().enumerate() {
        let (kiosk, barrier) = (kiosks[i % 3].clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let answer = kiosk.checkin_qr(&appointment.qr).await.expect("check-in");
            assert!(!answer.reprint);
            answer.ticket.number
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        assert!(numbers.insert(task.await.expect("join")), "a number was given twice");
    }
    let expected: BTreeSet<String> = (1..=200).map(|n| format!("A{n:03}")).collect();
    assert_eq!(numbers, expected, "A001..A200, no gaps, no repeats");
    assert_waiting_counts_consistent(&hub).await;
}
