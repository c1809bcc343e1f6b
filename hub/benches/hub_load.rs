//! Check-in and call-next over HTTP on loopback at 200 concurrent clients, beside the raw
//! SQLite commit rate with the same durability (WAL, synchronous=FULL) on the same disk.
//!
//! Run: `cargo bench -p antrian-hub --bench hub_load`
//! (options: `-- --clients 200 --tickets 4000 --rate 2000`).
//!
//! Three runs: check-in saturated (every client sends its next request as soon as the last is
//! answered: the maximum throughput, and latency that is mostly queueing), check-in paced at
//! `--rate` per second in all (open loop), and call-next + finish saturated.
//! Prints throughput and p50/p99 per operation and the ratio to the raw commit rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_proto::{Appointment, Client};

mod common;
use common::{BenchHub, Figures, percentile, raw_commit_rate, start_hub};

struct Options {
    clients: usize,
    tickets: usize,
    /// Offered check-ins per second for the paced (open-loop) run.
    rate: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        clients: value("--clients", 200),
        tickets: value("--tickets", 4000),
        rate: value("--rate", 2000),
    }
}

async fn run_concurrently<T, F, Fut>(name: &'static str, clients: usize, work: Vec<T>, op: F) -> Figures
where
    T: Send + 'static,
    F: Fn(usize, T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let count = work.len();
    let queue = Arc::new(Mutex::new(work));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let op = Arc::new(op);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (queue, latencies, op) = (queue.clone(), latencies.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(item) = queue.lock().expect("lock").pop() else { return };
                let t = Instant::now();
                op(client, item).await;
                latencies.lock().expect("lock").push(t.elapsed());
            }
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    let elapsed = started.elapsed();
    let latencies = std::mem::take(&mut *latencies.lock().expect("lock"));
    Figures { name, count, elapsed, latencies }
}

/// Open loop: each client sends on a fixed schedule, so that together they offer `rate`
/// requests per second; latency counts from the scheduled moment (no coordinated omission).
async fn run_paced<T, F, Fut>(name: &'static str, clients: usize, rate: usize, work: Vec<T>, op: F) -> Figures
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let count = work.len();
    let interval = Duration::from_secs_f64(clients as f64 / rate as f64);
    let mut per_client: Vec<Vec<T>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, item) in work.into_iter().enumerate() {
        per_client[i % clients].push(item);
    }
    let op = Arc::new(op);
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for (client, items) in per_client.into_iter().enumerate() {
        let op = op.clone();
        let offset = interval.mul_f64(client as f64 / clients as f64);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(items.len());
            for (k, item) in items.into_iter().enumerate() {
                let scheduled = started + offset + interval * k as u32;
                tokio::time::sleep_until(scheduled).await;
                op(item).await;
                latencies.push(scheduled.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    Figures { name, count, elapsed: started.elapsed(), latencies }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(bench(options));
}

async fn bench(options: Options) {
    // Data on the same disk as the build, not a RAM-backed /tmp.
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("tempdir");
    println!(
        "hub_load: {} clients, {} tickets, data in {}",
        options.clients,
        options.tickets,
        dir.path().display()
    );

    let raw = tokio::task::block_in_place(|| raw_commit_rate(dir.path(), 2000));
    println!("raw SQLite   {raw:>8.0} commits/s (one row per transaction, WAL, synchronous=FULL)");

    let BenchHub { hub, url, admin, kiosk_token, .. } =
        start_hub(options.clients, &dir.path().join("hub")).await;
    let mut bookings = common::bookings(&admin, options.tickets * 2).await;

    let paced_bookings = bookings.split_off(options.tickets);
    let kiosk = Client::new(&url).with_token(kiosk_token);
    let kiosk_for_paced = kiosk.clone();
    let mut checkins =
        run_concurrently("check-in", options.clients, bookings, move |_, booking: Appointment| {
            let kiosk = kiosk.clone();
            async move {
                let answer = kiosk.checkin_qr(&booking.qr).await.expect("check-in");
                assert!(!answer.reprint);
            }
        })
        .await;
    checkins.print();
    let paced_kiosk = kiosk_for_paced.clone();
    let mut paced =
        run_paced("check-in@", options.clients, options.rate, paced_bookings, move |booking: Appointment| {
            let kiosk = paced_kiosk.clone();
            async move {
                kiosk.checkin_qr(&booking.qr).await.expect("check-in");
            }
        })
        .await;
    print!("paced {}/s: ", options.rate);
    paced.print();

    let staff = admin.clone();
    let calls: Vec<()> = vec![(); options.tickets * 2];
    let mut call_next = run_concurrently("call-next", options.clients, calls, move |client, ()| {
        let staff = staff.clone();
        async move {
            let counter = (client + 1).to_string();
            let ticket = staff.call_next(&counter, None).await.expect("call-next").expect("a waiting ticket");
            // Free the counter for its next call (not timed separately).
            staff.finish(&ticket.id, None).await.expect("finish");
        }
    })
    .await;
    call_next.name = "call+finish";
    call_next.print();

    println!(
        "check-in throughput / raw commit rate = {:.2} (goal >= 0.5); check-in p99 {:.2} ms saturated, {:.2} ms at {}/s offered (goal < 20 ms)",
        checkins.per_second() / raw,
        percentile(&checkins.latencies, 0.99).as_secs_f64() * 1e3,
        percentile(&paced.latencies, 0.99).as_secs_f64() * 1e3,
        options.rate
    );
    hub.store.close();
}
