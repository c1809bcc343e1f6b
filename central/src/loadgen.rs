//! The waiting room's load generator (issue 15): many visitors, written straight into the
//! database (accounts, sessions, one applicant each with its documents), join a room through
//! the real HTTP API of the replicas — challenge, proof of work, join — and poll their status.
//! The waiting-room test runs it with 20,000 visitors and the benchmark
//! (`cargo bench -p antrian-central --bench waiting`) with 200,000. Also the checks both make:
//! positions 1..N with no gap or repeat, the pre-queue's order independent of when they came
//! (Spearman's rank correlation), the late ones in arrival order.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A visitor: the session token of its account, and its applicant.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub account: i64,
    pub token: String,
    pub applicant: i64,
}

/// Writes `n` accounts, each signed in (token `load-<id>`) with one applicant (a distinct NIK)
/// and the documents service A needs.
pub async fn seed(client: &tokio_postgres::Client, n: usize) -> anyhow::Result<Vec<Visitor>> {
    let first: i64 = client.query_one("SELECT COALESCE(max(id), 0) FROM accounts", &[]).await?.get(0);
    client
        .batch_execute(&format!(
            "INSERT INTO accounts (email, created_at) SELECT 'load' || g || '@example.test', now() FROM generate_series({a}, {b}) g;
             INSERT INTO sessions (token_hash, account_id, expires_at)
                 SELECT sha256(('load-' || id)::bytea), id, now() + interval '10 days' FROM accounts WHERE id > {first};
             INSERT INTO applicants (account_id, nik_hash, nik_last4, nik_sealed, name, sex, birth_place, birth_date,
                     mother_name, address, phone, created_at)
                 SELECT id, sha256(('load-nik-' || id)::bytea), '0001', '\\x00', 'Pemohon', 'M', 'Jakarta', '1990-01-01',
                     'Ibu', 'Jl. Merdeka', '081234567890', now() FROM accounts WHERE id > {first};
             INSERT INTO documents (applicant_id, kind, content_type, body, uploaded_at)
                 SELECT p.id, d, 'image/png', '\\x89504e470d0a1a0a', now()
                 FROM applicants p, unnest(ARRAY['ktp', 'kk', 'birth_proof']) d WHERE p.account_id > {first};",
            a = first + 1,
            b = first + n as i64
        ))
        .await?;
    let rows = client
        .query("SELECT account_id, id FROM applicants WHERE account_id > $1 ORDER BY account_id", &[&first])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let account: i64 = r.get(0);
            Visitor { account, token: format!("load-{account}"), applicant: r.get(1) }
        })
        .collect())
}

/// One visitor's join: when it was sent (from the start), how long it took, and the answer.
#[derive(Debug, Clone)]
pub struct Joined {
    pub account: i64,
    pub sent: Duration,
    pub took: Duration,
    pub place: String,
    pub status: Value,
}

/// An HTTP client for many connections at once.
pub fn client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client")
}

/// Every visitor joins `office`'s room, `concurrency` at a time, alternating between
/// `replicas` (their base URLs); `bits` is the proof of work asked. Fails on any refusal.
pub async fn join_all(
    http: &reqwest::Client,
    replicas: &[String],
    office: &str,
    visitors: &[Visitor],
    concurrency: usize,
) -> anyhow::Result<Vec<Joined>> {
    let start = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let visitors = Arc::new(visitors.to_vec());
    let replicas = Arc::new(replicas.to_vec());
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, next, visitors, replicas, office) =
            (http.clone(), next.clone(), visitors.clone(), replicas.clone(), office.to_owned());
        workers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(visitor) = visitors.get(i) else { break };
                let base = &replicas[i % replicas.len()];
                let sent = start.elapsed();
                let joined = join_one(&http, base, &office, visitor).await?;
                done.push(Joined {
                    account: visitor.account,
                    sent,
                    took: start.elapsed() - sent,
                    place: joined.0,
                    status: joined.1,
                });
            }
            anyhow::Ok(done)
        }));
    }
    let mut all = Vec::with_capacity(visitors.len());
    for worker in workers {
        all.extend(worker.await??);
    }
    Ok(all)
}

/// Challenge, proof of work, join: the place and its first status.
pub async fn join_one(
    http: &reqwest::Client,
    base: &str,
    office: &str,
    visitor: &Visitor,
) -> anyhow::Result<(String, Value)> {
    let challenge: Value = http
        .post(format!("{base}/api/v1/offices/{office}/waiting-room/challenge"))
        .bearer_auth(&visitor.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let text = challenge["challenge"].as_str().unwrap_or_default().to_owned();
    let bits = challenge["bits"].as_u64().unwrap_or(0) as u32;
    let nonce = tokio::task::spawn_blocking({
        let text = text.clone();
        move || crate::waiting::solve(&text, bits)
    })
    .await?;
    let answer = http
        .post(format!("{base}/api/v1/offices/{office}/waiting-room/join"))
        .bearer_auth(&visitor.token)
        .json(&json!({"applicant": visitor.applicant, "challenge": text, "nonce": nonce}))
        .send()
        .await?;
    let status = answer.status();
    let body: Value = answer.json().await?;
    anyhow::ensure!(status.as_u16() == 201, "join answered {status}: {body}");
    Ok((body["place"].as_str().unwrap_or_default().to_owned(), body["status"].clone()))
}

/// Every place's status, `concurrency` at a time over `replicas`: (position, the answer).
pub async fn statuses(
    http: &reqwest::Client,
    replicas: &[String],
    places: &[String],
    concurrency: usize,
) -> anyhow::Result<Vec<(Option<i64>, Value, Duration)>> {
    let next = Arc::new(AtomicUsize::new(0));
    let places = Arc::new(places.to_vec());
    let replicas = Arc::new(replicas.to_vec());
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, next, places, replicas) = (http.clone(), next.clone(), places.clone(), replicas.clone());
        workers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(place) = places.get(i) else { break };
                let started = Instant::now();
                let status = poll(&http, &replicas[i % replicas.len()], place).await?;
                done.push((i, status["position"].as_i64(), status, started.elapsed()));
            }
            anyhow::Ok(done)
        }));
    }
    let mut all = Vec::with_capacity(places.len());
    for worker in workers {
        all.extend(worker.await??);
    }
    all.sort_by_key(|(i, ..)| *i);
    Ok(all.into_iter().map(|(_, p, s, d)| (p, s, d)).collect())
}

/// One status poll.
pub async fn poll(http: &reqwest::Client, base: &str, place: &str) -> anyhow::Result<Value> {
    let answer =
        http.get(format!("{base}/api/v1/waiting-room/status")).query(&[("place", place)]).send().await?;
    anyhow::ensure!(answer.status().is_success(), "status answered {}", answer.status());
    Ok(answer.json().await?)
}

/// Spearman's rank correlation of two equally long series (no ties expected).
pub fn spearman(xs: &[f64], ys: &[f64]) -> f64 {
    fn ranks(values: &[f64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
        let mut ranks = vec![0.0; values.len()];
        for (rank, i) in order.into_iter().enumerate() {
            ranks[i] = rank as f64;
        }
        ranks
    }
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = xs.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let (mut cov, mut vx, mut vy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        cov += (a - mean) * (b - mean);
        vx += (a - mean) * (a - mean);
        vy += (b - mean) * (b - mean);
    }
    cov / (vx.sqrt() * vy.sqrt())
}

/// A place as the database holds it: (account, joined_at as µs since 1970, position).
pub type PlaceRow = (i64, i64, Option<i32>);

/// What the database says of a room's places, by position.
pub async fn places_in_db(client: &tokio_postgres::Client, office: &str) -> anyhow::Result<Vec<PlaceRow>> {
    Ok(client
        .query(
            "SELECT account_id, (extract(epoch FROM joined_at) * 1000000)::bigint, position FROM waiting_visitors
             WHERE office_id = $1 ORDER BY position NULLS LAST, joined_at",
            &[&office],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// Checks the room's places: positions 1..N with no gap or repeat; among the pre-queue (joined
/// before `release_us`) the rank correlation of join time and position (returned; the caller
/// bounds it); after it, positions in arrival order.
pub fn check_places(places: &[PlaceRow], release_us: i64) -> anyhow::Result<f64> {
    let positions: Vec<i32> = places.iter().filter_map(|p| p.2).collect();
    anyhow::ensure!(
        positions.len() == places.len(),
        "{} places have no position",
        places.len() - positions.len()
    );
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    for (i, p) in sorted.iter().enumerate() {
        anyhow::ensure!(*p == i as i32 + 1, "positions are not 1..N: {p} at index {i}");
    }
    let (pre, late): (Vec<&PlaceRow>, Vec<&PlaceRow>) = places.iter().partition(|p| p.1 < release_us);
    let xs: Vec<f64> = pre.iter().map(|p| p.1 as f64).collect();
    let ys: Vec<f64> = pre.iter().map(|p| f64::from(p.2.unwrap_or(0))).collect();
    let rho = if pre.len() > 2 { spearman(&xs, &ys) } else { 0.0 };
    let mut late = late;
    late.sort_by_key(|p| p.2);
    for pair in late.windows(2) {
        anyhow::ensure!(
            pair[0].1 <= pair[1].1,
            "late joiners out of arrival order at position {:?}",
            pair[1].2
        );
    }
    if let (Some(max_pre), Some(first_late)) =
        (pre.iter().filter_map(|p| p.2).max(), late.first().and_then(|p| p.2))
    {
        anyhow::ensure!(
            first_late > max_pre,
            "a late joiner ({first_late}) is ahead of the pre-queue ({max_pre})"
        );
    }
    Ok(rho)
}

/// One client committing one-row inserts one after another for `seconds`: commits a second
/// (the raw PostgreSQL commit rate the benchmarks compare with).
pub async fn raw_commit_rate(client: &tokio_postgres::Client, seconds: f64) -> anyhow::Result<f64> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS raw_commits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    let statement = client.prepare("INSERT INTO raw_commits DEFAULT VALUES").await?;
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        client.execute(&statement, &[]).await?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Starts `bin serve --listen 127.0.0.1:0 --clock CLOCK EXTRA…` (killed on drop); its address.
pub async fn spawn_replica(
    bin: &str,
    config: &std::path::Path,
    url: &str,
    clock: &str,
    extra: &[&str],
) -> anyhow::Result<(tokio::process::Child, String)> {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(bin)
        .arg("--config")
        .arg(config)
        .arg("--database-url")
        .arg(url)
        .args(["serve", "--listen", "127.0.0.1:0", "--clock", clock])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let address = loop {
        let line = lines.next_line().await?.ok_or_else(|| anyhow::anyhow!("the replica stopped at start"))?;
        if let Some(address) = line.strip_prefix("listening on ") {
            break address.to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, address))
}

/// The `p` quantile (0..1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1).min(sorted.len() - 1)]
}
