//! What the benchmarks share: latency figures and their printing.
#![allow(dead_code)]

use std::time::Duration;

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
