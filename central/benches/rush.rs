//! The quota-release rush (issue 13, acceptance 6): 20,000 applications from 1,000 concurrent
//! clients over two `antrian-central` replicas, for the 1,000 places of 10 offices (100 each,
//! one slot). Prints the throughput, the p50/p99 latency, and beside it the raw PostgreSQL
//! commit rate measured in the same run on the same server (one client committing one-row
//! inserts one after another); exits non-zero unless exactly 1,000 places are held.
//!
//! `cargo bench -p antrian-central --bench rush` (needs PostgreSQL's server package; the
//! cluster is a throwaway one in a temp dir, with fsync on).
//!
//! Applicants, their documents and sessions are written straight into the database before the
//! rush (what is measured is the application, not the sign-up); the rush itself goes through
//! the HTTP API of the real binary.

use std::sync::Arc;
use std::time::Instant;

use antrian_central::loadgen;
use antrian_central::pgtest::Cluster;

const OFFICES: usize = 10;
const PLACES: usize = 100;
const CLIENTS: usize = 1_000;
const EACH: usize = 20;
const CLOCK: &str = "2026-12-01T08:00:00+07:00";
const DATE: &str = "2026-12-03";

fn config(mail: &std::path::Path) -> String {
    let mut text = antrian_central::config::DEFAULT
        .replace("transport = \"file:mail\"", &format!("transport = \"file:{}\"", mail.display()))
        .replace("pool_size = 16", "pool_size = 24");
    let first = text.find("[[offices]]").expect("offices");
    text.truncate(first);
    for n in 1..=OFFICES {
        text.push_str(&format!(
            "[[offices]]\nid = \"bench-{n}\"\nname = \"Kantor {n}\"\ntimezone = \"Asia/Jakarta\"\n\
             weekdays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n\
             release = {{ kind = \"rolling\", days_ahead = 30, min_days_ahead = 1, at = \"00:00\" }}\n\
             [[offices.services]]\nid = \"A\"\nname = \"Paspor Baru\"\n\
             [[offices.slots]]\nstart = \"09:00\"\nend = \"10:00\"\ncapacity = {{ A = {PLACES} }}\n\n"
        ));
    }
    text
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

/// 20,000 applicants in 4,000 accounts, each with its session token and three documents.
async fn seed(url: &str) -> Vec<(String, i64)> {
    let client = connect(url).await;
    let accounts = CLIENTS * EACH / 5;
    let mut applicants = Vec::with_capacity(CLIENTS * EACH);
    client
        .batch_execute(&format!(
            "INSERT INTO accounts (email, created_at) SELECT 'rush' || g || '@example.test', now() FROM generate_series(1, {accounts}) g;
             INSERT INTO sessions (token_hash, account_id, expires_at)
                 SELECT sha256(('token-' || id)::bytea), id, now() + interval '10 days' FROM accounts;
             INSERT INTO applicants (account_id, nik_hash, nik_last4, nik_sealed, name, sex, birth_place, birth_date,
                     mother_name, address, phone, created_at)
                 SELECT a.id, sha256(('nik-' || a.id || '-' || k)::bytea), lpad(k::text, 4, '0'), '\\x00', 'Pemohon', 'M',
                     'Jakarta', '1990-01-01', 'Ibu', 'Jl. Merdeka', '081234567890', now()
                 FROM accounts a, generate_series(1, 5) k;
             INSERT INTO documents (applicant_id, kind, content_type, body, uploaded_at)
                 SELECT p.id, d, 'image/png', '\\x89504e470d0a1a0a', now()
                 FROM applicants p, unnest(ARRAY['ktp', 'kk', 'birth_proof']) d;"
        ))
        .await
        .expect("seed");
    for row in client
        .query("SELECT 'token-' || account_id, id FROM applicants ORDER BY id", &[])
        .await
        .expect("applicants")
    {
        applicants.push((row.get(0), row.get(1)));
    }
    applicants
}

#[tokio::main]
async fn main() {
    if antrian_central::pgtest::server_bin().is_none() {
        eprintln!(
            "rush: PostgreSQL's server is not installed ({}); nothing measured",
            antrian_central::pgtest::INSTALL
        );
        std::process::exit(2);
    }
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(true)).await.expect("task").expect("cluster");
    let url = cluster.create_database("rush").await.expect("database");
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
    let (_a, a) = loadgen::spawn_replica(bin, &config_path, &url, CLOCK, &[]).await.expect("replica");
    let (_b, b) = loadgen::spawn_replica(bin, &config_path, &url, CLOCK, &[]).await.expect("replica");
    let applicants = seed(&url).await;

    let raw = loadgen::raw_commit_rate(&connect(&url).await, 5.0).await.expect("raw commit rate");

    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("http");
    let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS + 1));
    let applicants = Arc::new(applicants);
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, barrier, applicants) = (http.clone(), barrier.clone(), applicants.clone());
        let base = if c % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut answers = Vec::with_capacity(EACH);
            for k in 0..EACH {
                let i = c * EACH + k;
                let (token, applicant) = &applicants[i];
                let office = format!("bench-{}", 1 + (i * 7919) % OFFICES);
                let body = serde_json::json!({"applicant": applicant, "office": office, "service": "A",
                    "passport_type": "ordinary", "date": DATE, "slot": "09:00"});
                let start = Instant::now();
                let response = http
                    .post(format!("{base}/api/v1/applications"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await;
                let status = match response {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                answers.push((status, start.elapsed()));
            }
            answers
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(CLIENTS * EACH);
    let (mut held, mut full, mut other) = (0, 0, 0);
    for task in tasks {
        for (status, latency) in task.await.expect("client") {
            match status {
                201 => held += 1,
                409 => full += 1,
                _ => other += 1,
            }
            latencies.push(latency);
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let rate = (CLIENTS * EACH) as f64 / elapsed;
    let client = connect(&url).await;
    let in_db: i64 = client
        .query_one("SELECT count(*) FROM applications WHERE state = 'awaiting_payment'", &[])
        .await
        .expect("count")
        .get(0);
    println!(
        "rush: {} applications from {CLIENTS} clients over 2 replicas, {OFFICES} offices × {PLACES} places",
        CLIENTS * EACH
    );
    println!("  held {held} (in the database: {in_db}), quota_full {full}, other {other}");
    println!("  throughput        {rate:>8.0} applications/s ({elapsed:.2} s)");
    println!(
        "  latency           p50 {:?}, p99 {:?}",
        loadgen::percentile(&latencies, 0.50),
        loadgen::percentile(&latencies, 0.99)
    );
    println!("  raw commit rate   {raw:>8.0} commits/s (one client, one-row inserts, same server)");
    println!("  ratio             {:.2} × the raw commit rate (goal ≥ 0.5)", rate / raw);
    if held != OFFICES * PLACES || in_db != (OFFICES * PLACES) as i64 || other != 0 {
        eprintln!("rush: FAILED — expected exactly {} held and no other answers", OFFICES * PLACES);
        std::process::exit(1);
    }
}
