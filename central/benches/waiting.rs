//! The waiting room under a national rush (issue 15, acceptance 1 and 4): `VISITORS` visitors
//! (default 200,000) join one release's room through two `antrian-central` replicas — half
//! before the release (the pre-queue), half after — then status polls hammer both replicas.
//! Prints joins a second and polls a second with p50/p99, beside, from the same run on the same
//! server, the raw PostgreSQL commit rate (one client committing one-row inserts one after
//! another) and a trivial reference (the replicas' `/api/v1/health`). Fails unless every
//! visitor has one position, 1..N with no gap, the pre-queue's rank correlation with join time
//! is under 0.05 and the late ones are in arrival order.
//!
//! `cargo bench -p antrian-central --bench waiting` (`VISITORS=20000` for a shorter run; needs
//! PostgreSQL's server package; the cluster is a throwaway one, fsync on).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use antrian_central::loadgen;
use antrian_central::pgtest::Cluster;

/// Before the release of 1 December 2026 00:00 WIB (the room opens at 23:30), and after it.
const BEFORE: &str = "2026-11-30T23:40:00+07:00";
const AFTER: &str = "2026-12-01T00:00:05+07:00";
const RELEASE_US: i64 = 1_796_058_000_000_000;
const CONNECTIONS: usize = 256;

fn config(mail: &std::path::Path) -> String {
    let text = antrian_central::config::DEFAULT
        .replace("transport = \"file:mail\"", &format!("transport = \"file:{}\"", mail.display()))
        .replace("pool_size = 16", "pool_size = 24");
    let at = text.find("release = { kind = \"rolling\"").expect("release");
    let end = at + text[at..].find('\n').expect("line") + 1;
    format!(
        "{}waiting_room = {{ prequeue_minutes = 30, open_minutes = 120, rate_per_minute = 1000, max_active = 0, admission_minutes = 10, pow_bits = 1 }}\n{}",
        &text[..end],
        &text[end..]
    )
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

/// `CONNECTIONS` clients sending `request` for `seconds`: (requests a second, sorted latencies).
async fn hammer<F, Fut>(seconds: f64, request: F) -> (f64, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CONNECTIONS {
        let (request, stop) = (request.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut k = c;
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                assert!(request(k).await, "a request failed");
                latencies.push(sent.elapsed());
                k += CONNECTIONS;
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    (all.len() as f64 / elapsed, all)
}

fn line(name: &str, rate: f64, latencies: &[Duration]) {
    println!(
        "  {name:<22} {rate:>8.0}/s   p50 {:>7.1} ms   p99 {:>7.1} ms",
        loadgen::percentile(latencies, 0.50).as_secs_f64() * 1000.0,
        loadgen::percentile(latencies, 0.99).as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    if antrian_central::pgtest::server_bin().is_none() {
        eprintln!(
            "waiting: PostgreSQL's server is not installed ({}); nothing measured",
            antrian_central::pgtest::INSTALL
        );
        std::process::exit(2);
    }
    let visitors: usize = std::env::var("VISITORS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(true)).await.expect("task").expect("cluster");
    let url = cluster.create_database("waiting").await.expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    let config_path = dir.path().join("central.toml");
    std::fs::write(&config_path, config(&dir.path().join("mail"))).expect("config");
    let bin = env!("CARGO_BIN_EXE_antrian-central");
    let status = std::process::Command::new(bin)
        .arg("--config")
        .arg(&config_path)
        .arg("--database-url")
        .arg(&url)
        .arg("keygen")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("keygen");
    assert!(status.success());
    let db = connect(&url).await;
    let seeded = loadgen::seed(&db, visitors).await.expect("seed");
    let raw = loadgen::raw_commit_rate(&connect(&url).await, 5.0).await.expect("raw commit rate");
    let http = loadgen::client(CONNECTIONS);

    // The pre-queue, through two replicas twenty minutes before the release.
    let (a, a_url) = loadgen::spawn_replica(bin, &config_path, &url, BEFORE, &[]).await.expect("replica");
    let (b, b_url) = loadgen::spawn_replica(bin, &config_path, &url, BEFORE, &[]).await.expect("replica");
    let replicas = vec![a_url, b_url];
    let (health, health_latencies) = {
        let (http, replicas) = (http.clone(), replicas.clone());
        hammer(5.0, move |k| {
            let (http, base) = (http.clone(), replicas[k % 2].clone());
            async move {
                http.get(format!("{base}/api/v1/health")).send().await.is_ok_and(|r| r.status().is_success())
            }
        })
        .await
    };
    let start = Instant::now();
    let early = loadgen::join_all(&http, &replicas, "kanim-jaksel", &seeded[..visitors / 2], CONNECTIONS)
        .await
        .expect("pre-queue joins");
    let early_time = start.elapsed().as_secs_f64();
    let early_rate = early.len() as f64 / early_time;
    drop((a, b));

    // The rest, through two replicas after the release (the first of them draws).
    let (_a, a_url) = loadgen::spawn_replica(bin, &config_path, &url, AFTER, &[]).await.expect("replica");
    let (_b, b_url) = loadgen::spawn_replica(bin, &config_path, &url, AFTER, &[]).await.expect("replica");
    let replicas = vec![a_url, b_url];
    let start = Instant::now();
    let late = loadgen::join_all(&http, &replicas, "kanim-jaksel", &seeded[visitors / 2..], CONNECTIONS)
        .await
        .expect("late joins");
    let late_time = start.elapsed().as_secs_f64();
    let late_rate = late.len() as f64 / late_time;
    let mut join_latencies: Vec<Duration> = early.iter().chain(&late).map(|j| j.took).collect();
    join_latencies.sort_unstable();

    // The late places are numbered within seconds (the admitter, in arrival order).
    loop {
        let unnumbered: i64 = db
            .query_one("SELECT count(*) FROM waiting_visitors WHERE position IS NULL", &[])
            .await
            .expect("count")
            .get(0);
        if unnumbered == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Status polls, spread over every place, on both replicas.
    let places: Arc<Vec<String>> = Arc::new(early.iter().chain(&late).map(|j| j.place.clone()).collect());
    let (polls, poll_latencies) = {
        let (http, replicas, places) = (http.clone(), replicas.clone(), places.clone());
        hammer(10.0, move |k| {
            let (http, base) = (http.clone(), replicas[k % 2].clone());
            let place = places[(k * 7919) % places.len()].clone();
            async move { loadgen::poll(&http, &base, &place).await.is_ok() }
        })
        .await
    };

    let in_db = loadgen::places_in_db(&db, "kanim-jaksel").await.expect("places");
    assert_eq!(in_db.len(), visitors, "one place per visitor");
    let rho = loadgen::check_places(&in_db, RELEASE_US).expect("fair positions");
    assert!(rho.abs() < 0.05, "rank correlation {rho}");

    println!("waiting room: {visitors} visitors over 2 replicas ({CONNECTIONS} connections), one release");
    println!(
        "  positions 1..{visitors}, no gap or repeat; pre-queue rank correlation with join time {rho:+.4}"
    );
    let (mut pre, mut post): (Vec<Duration>, Vec<Duration>) =
        (early.iter().map(|j| j.took).collect(), late.iter().map(|j| j.took).collect());
    pre.sort_unstable();
    post.sort_unstable();
    line("joins, pre-queue", early_rate, &pre);
    line("joins, after release", late_rate, &post);
    line("joins, all", visitors as f64 / (early_time + late_time), &join_latencies);
    line("status polls", polls, &poll_latencies);
    line("reference: /health", health, &health_latencies);
    println!("  raw commit rate        {raw:>8.0}/s   (one client, one-row inserts, same server)");
    println!(
        "  joins / raw commit rate: pre-queue {:.2}, after release {:.2} (goal ≥ 0.5); polls {:.0}/s (goal ≥ 20,000, p99 < 50 ms)",
        early_rate / raw,
        late_rate / raw,
        polls
    );
}
