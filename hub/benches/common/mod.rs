//! What the benchmarks share: latency figures and their printing.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use antrian_hub::config::{Config, DEFAULT_CONFIG};
use antrian_hub::db;

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
    let conn = db::open_connection(&dir.join("raw.db"), false).expect("open");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").expect("table");
    let started = Instant::now();
    for i in 0..commits {
        conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("row {i}")]).expect("insert");
    }
    commits as f64 / started.elapsed().as_secs_f64()
}
