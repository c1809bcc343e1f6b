//! A whole office's traffic at once, far beyond any real office, on loopback against one hub:
//! 200 clerks at 200 counters calling, starting and finishing as fast as they are answered,
//! 4 kiosks checking booked applicants in back to back (a scanner's pace with nobody
//! hesitating), and 500 event subscribers (waiting-room screens and applicants' phones).
//! Prints throughput and p50/p99 per operation, the delay from a call to its arrival at the
//! subscribers, and the raw SQLite commit rate measured in the same run.
//!
//! Run: `cargo bench -p antrian-hub --bench office_load` (options: `-- --seconds 20
//! --clerks 200 --kiosks 4 --subscribers 500 --rate N`; `--rate` paces the kiosks to N
//! check-ins per second in all, default back to back).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_proto::{Client, HubEvent, StreamItem};

mod common;
use common::{BenchHub, Figures, arg, percentile, raw_commit_rate, start_hub};

/// Latencies per operation, shared by the workers.
#[derive(Default)]
struct Timings(Mutex<HashMap<&'static str, Vec<Duration>>>);

impl Timings {
    fn add(&self, op: &'static str, took: Duration) {
        if let Ok(mut map) = self.0.lock() {
            map.entry(op).or_default().push(took);
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let (seconds, clerks, kiosks, subscribers) =
        (arg("--seconds", 20), arg("--clerks", 200), arg("--kiosks", 4), arg("--subscribers", 500));
    // Check-ins per second over all kiosks; 0: back to back (saturation).
    let rate = arg("--rate", 0);
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("tempdir");
    println!(
        "office_load: {clerks} clerks, {kiosks} kiosks ({}), {subscribers} subscribers, {seconds} s",
        if rate == 0 { "back to back".to_owned() } else { format!("{rate} check-ins/s in all") }
    );
    let raw = tokio::task::block_in_place(|| raw_commit_rate(dir.path(), 2000));
    println!("raw SQLite   {raw:>8.0} commits/s (one row per transaction, WAL, synchronous=FULL, same disk)");

    let BenchHub { hub, url, admin, kiosk_token, display_token } =
        start_hub(clerks, &dir.path().join("hub")).await;
    // Enough bookings that the kiosks never run out.
    let bookings = common::bookings(&admin, 4000 * seconds.max(1)).await;
    let bookings = Arc::new(Mutex::new(bookings));

    // The subscribers: each records when every call reached it.
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let delays: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let received = Arc::new(AtomicUsize::new(0));
    let connected = Arc::new(AtomicUsize::new(0));
    for _ in 0..subscribers {
        let client = Client::new(&url).with_token(&display_token);
        let (sent, delays, received, connected) =
            (sent.clone(), delays.clone(), received.clone(), connected.clone());
        tokio::spawn(async move {
            let mut events = client.subscribe("kanim-jaksel", None);
            while let Some(item) = events.recv().await {
                match item {
                    StreamItem::Connected => {
                        connected.fetch_add(1, Ordering::SeqCst);
                    }
                    StreamItem::Event(envelope) => {
                        if let HubEvent::Called(call) = envelope.event {
                            let at = sent.lock().ok().and_then(|s| s.get(&call.ticket_id).copied());
                            if let (Some(at), Ok(mut delays)) = (at, delays.lock()) {
                                delays.push(at.elapsed());
                            }
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    StreamItem::Disconnected(_) | StreamItem::Reset { .. } => {}
                }
            }
        });
    }
    while connected.load(Ordering::SeqCst) < subscribers {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let timings = Arc::new(Timings::default());
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..kiosks {
        let kiosk = Client::new(&url).with_token(&kiosk_token);
        let (bookings, timings, stop) = (bookings.clone(), timings.clone(), stop.clone());
        let pause =
            if rate == 0 { Duration::ZERO } else { Duration::from_secs_f64(kiosks as f64 / rate as f64) };
        workers.push(tokio::spawn(async move {
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if !pause.is_zero() {
                    next += pause;
                    tokio::time::sleep_until(next.into()).await;
                }
                let Some(booking) = bookings.lock().ok().and_then(|mut b| b.pop()) else { break };
                let at = Instant::now();
                kiosk.checkin_qr(&booking.qr).await.expect("check-in");
                timings.add("check-in", at.elapsed());
            }
        }));
    }
    for counter in 1..=clerks {
        let staff = admin.clone();
        let (timings, stop, sent, calls) = (timings.clone(), stop.clone(), sent.clone(), calls.clone());
        workers.push(tokio::spawn(async move {
            let counter = counter.to_string();
            while !stop.load(Ordering::Relaxed) {
                let at = Instant::now();
                let called = staff.call_next(&counter, None).await.expect("call-next");
                let Some(ticket) = called else {
                    timings.add("call-next (nobody)", at.elapsed());
                    // A clerk with nobody to call presses again half a second later.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                };
                timings.add("call-next", at.elapsed());
                calls.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut sent) = sent.lock() {
                    sent.insert(ticket.id.clone(), at);
                }
                let at = Instant::now();
                staff.ticket_action(&ticket.id, "start").await.expect("start");
                timings.add("start", at.elapsed());
                let at = Instant::now();
                staff.finish(&ticket.id, None).await.expect("finish");
                timings.add("finish", at.elapsed());
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds as u64)).await;
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await; // the last events reach the subscribers

    let map = timings.0.lock().map(|m| m.clone()).unwrap_or_default();
    let mut total_requests = 0;
    for op in ["check-in", "call-next", "start", "finish", "call-next (nobody)"] {
        let latencies = map.get(op).cloned().unwrap_or_default();
        total_requests += latencies.len();
        let mut figures = Figures { name: op, count: latencies.len(), elapsed, latencies };
        figures.print();
    }
    let calls = calls.load(Ordering::SeqCst);
    let mut delays = delays.lock().map(|d| d.clone()).unwrap_or_default();
    delays.sort_unstable();
    let got = received.load(Ordering::SeqCst);
    println!(
        "all requests {:>8.0}/s; {calls} calls fanned out to {subscribers} subscribers: {got} of {} deliveries{}",
        total_requests as f64 / elapsed.as_secs_f64(),
        calls * subscribers,
        if got == calls * subscribers { " (every one)" } else { " (MISSING SOME)" }
    );
    println!(
        "call to subscriber: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&delays, 0.5).as_secs_f64() * 1e3,
        percentile(&delays, 0.99).as_secs_f64() * 1e3,
        delays.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "for comparison, bcgov/queue-management's published 200-clerk test: 28 requests/s, median 3.4 s, p99 17.9 s"
    );
    hub.store.close();
}
