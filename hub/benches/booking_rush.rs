//! The quota-release rush: 5,000 booking requests racing on loopback for 300 places of one
//! session, the moment new dates open. Checks that exactly 300 succeed and prints throughput
//! and latency.
//!
//! Run: `cargo bench -p antrian-hub --bench booking_rush` (options: `-- --requests 5000
//! --places 300 --clients 500`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use antrian_hub::Hub;
use antrian_hub::clock::Clock;
use antrian_hub::config::{Config, DEFAULT_CONFIG};
use antrian_proto::{BookingRequest, Client};
use chrono::{DateTime, NaiveDate};

mod common;
use common::{Figures, arg};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(rush(arg("--requests", 5000), arg("--places", 300), arg("--clients", 500)));
}

async fn rush(requests: usize, places: usize, clients: usize) {
    let text = DEFAULT_CONFIG.replace("rate_limit_per_minute = 10", "rate_limit_per_minute = 0").replacen(
        "capacity = { A = 20, B = 10 }",
        &format!("capacity = {{ A = {places}, B = 10 }}"),
        1,
    );
    let config = Config::parse(&text).expect("config");
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("tempdir");
    let clock = Clock::starting_at(
        config.office.tz,
        DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time"),
    );
    let hub = tokio::task::block_in_place(|| Hub::open(config, dir.path(), clock)).expect("hub");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let served = hub.clone();
    tokio::spawn(async move { antrian_hub::serve(listener, served, std::future::pending()).await });
    println!("booking_rush: {requests} requests from {clients} clients for {places} places (08:00 tomorrow)");

    let client = Client::new(&url);
    let next = Arc::new(AtomicUsize::new(0));
    let (booked, full) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let date = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, next, booked, full) = (client.clone(), next.clone(), booked.clone(), full.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= requests {
                    return latencies;
                }
                let request = BookingRequest {
                    office: "kanim-jaksel".into(),
                    service: "A".into(),
                    date,
                    slot: "08:00".into(),
                    name: format!("Pemohon {n}"),
                    nik: format!("3174{n:012}"),
                };
                let t = Instant::now();
                match client.book(&request).await {
                    Ok(_) => booked.fetch_add(1, Ordering::SeqCst),
                    Err(error) if error.code() == Some("quota_full") => full.fetch_add(1, Ordering::SeqCst),
                    Err(error) => panic!("unexpected answer: {error}"),
                };
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(requests);
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    let mut figures = Figures { name: "booking", count: requests, elapsed: started.elapsed(), latencies };
    figures.print();
    let (booked, full) = (booked.load(Ordering::SeqCst), full.load(Ordering::SeqCst));
    println!("booked {booked}, quota_full {full} (expected {places} and {})", requests - places);
    assert_eq!(booked, places, "the quota was not kept");
    assert_eq!(full, requests - places);
    hub.store.close();
}
