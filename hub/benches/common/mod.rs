//! What the benchmarks share: latency figures and their printing.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use antrian_hub::config::{Config, DEFAULT_CONFIG};
use antrian_hub::store::schema;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

pub struct Figures {
    pub name: &'static str,
    pub count: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Figures {
    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }

    pub fn print(&mut self) {
        self.latencies.sort_unstable();
        println!(
            "{:<12} {:>6} requests in {:>6.2} s = {:>8.0}/s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>7.2} ms",
            self.name,
            self.count,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            percentile(&self.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&self.latencies, 0.99).as_secs_f64() * 1e3,
            self.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }
}

/// The demo office with `counters` counters at the document check.
pub fn config(counters: usize) -> Config {
    let mut text = String::new();
    for i in 1..=counters {
        text.push_str(&format!(
            "[[counters]]\nid = \"{i}\"\nname = \"Loket {i}\"\nstages = [\"berkas\"]\n\n"
        ));
    }
    let start = DEFAULT_CONFIG.find("[[counters]]").expect("counters");
    let end = DEFAULT_CONFIG.find("# Bookable arrival slots").expect("slots");
    Config::parse(&format!("{}{}{}", &DEFAULT_CONFIG[..start], text, &DEFAULT_CONFIG[end..])).expect("config")
}

/// Sequential single-row commits with the hub's durability settings, in `dir`.
pub fn raw_commit_rate(dir: &std::path::Path, commits: usize) -> f64 {
    let conn = schema::open_connection(&dir.join("raw.db"), false).expect("open");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").expect("table");
    let started = Instant::now();
    for i in 0..commits {
        conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("row {i}")]).expect("insert");
    }
    commits as f64 / started.elapsed().as_secs_f64()
}

/// The value after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A hub serving the demo office with `counters` counters at the document check, on
/// 127.0.0.1, its clock at 09:05, with an admin (logged in) and a kiosk and a display token.
pub struct BenchHub {
    pub hub: std::sync::Arc<antrian_hub::Hub>,
    pub url: String,
    pub admin: antrian_proto::Client,
    pub kiosk_token: String,
    pub display_token: String,
}

pub async fn start_hub(counters: usize, dir: &std::path::Path) -> BenchHub {
    use antrian_hub::auth;
    use antrian_proto::Role;
    let config = config(counters);
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
    let clock = antrian_hub::clock::Clock::starting_at(config.office.tz, start);
    let hub = tokio::task::block_in_place(|| antrian_hub::Hub::open(config, dir, clock)).expect("hub");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let served = hub.clone();
    tokio::spawn(async move { antrian_hub::serve(listener, served, std::future::pending()).await });
    let now = hub.clock.now_ms();
    let hash = auth::hash_password("bench-password").expect("hash");
    let (kiosk_token, display_token) = hub
        .store
        .write(move |tx| {
            auth::add_user(tx, "admin", &hash, Role::Admin, now)?;
            Ok::<_, antrian_hub::error::Error>((
                auth::add_device(tx, "kiosk", Role::Kiosk, now)?,
                auth::add_device(tx, "tv", Role::Display, now)?,
            ))
        })
        .await
        .expect("users");
    let (admin, _) = antrian_proto::Client::new(&url).login("admin", "bench-password").await.expect("login");
    BenchHub { hub, url, admin, kiosk_token, display_token }
}

/// `total` bookings of service A at 09:00 today (the admin import takes no quota).
pub async fn bookings(admin: &antrian_proto::Client, total: usize) -> Vec<antrian_proto::Appointment> {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let mut bookings = Vec::new();
    for chunk in 0..total.div_ceil(1000) {
        let items = (chunk * 1000..((chunk + 1) * 1000).min(total))
            .map(|i| antrian_proto::NewAppointment {
                office: "kanim-jaksel".into(),
                service: "A".into(),
                date,
                slot: "09:00".into(),
                name: format!("Pemohon {i}"),
                nik: format!("3174{i:012}"),
                booking_code: None,
            })
            .collect();
        bookings.extend(admin.create_appointments(items).await.expect("appointments"));
    }
    bookings
}
