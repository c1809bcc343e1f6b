//! The daily report of a day with 5,000 tickets (10,000 stage visits): how long building the
//! report takes, as JSON, CSV and PDF. Goal: under 200 ms.
//!
//! Run: `cargo bench -p antrian-hub --bench report_day` (option: `-- --tickets 5000`).

use std::time::{Duration, Instant};

use antrian_hub::Hub;
use antrian_hub::clock::Clock;
use antrian_hub::config::{Config, DEFAULT_CONFIG};
use antrian_hub::engine::TicketOp;
use antrian_hub::queue;
use antrian_hub::report::{self, Format};
use chrono::DateTime;

fn main() {
    let tickets: usize = std::env::args()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "--tickets")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(5000);
    let text = DEFAULT_CONFIG.replace("walk_in_quota = 300", &format!("walk_in_quota = {}", tickets + 10));
    let config = Config::parse(&text).expect("config");
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("tempdir");
    let start = DateTime::parse_from_rfc3339("2026-11-25T08:00:00+07:00").expect("time");
    let clock = Clock::starting_at(config.office.tz, start);
    let hub = Hub::open(config, dir.path(), clock).expect("hub");

    // A day of pickups: each ticket issued, called at counter 8 and finished, spread over the
    // day by moving the clock 5 s per ticket; every tenth is a no-show.
    let filled = Instant::now();
    for i in 0..tickets {
        hub.clock.set(start + chrono::Duration::seconds(5 * i as i64));
        let office = hub.office.clone();
        hub.store
            .write_blocking(move |tx| {
                let now = office.clock.now_ms();
                let ticket = queue::walkin(tx, &office, now, "D")?;
                queue::call_next(tx, &office, now + 60_000, "8")?;
                let op = if i % 10 == 0 { TicketOp::NoShow } else { TicketOp::Finish { next_stage: None } };
                queue::ticket_op(tx, &office, now + 180_000, &ticket.id, op)?;
                Ok::<_, antrian_hub::error::Error>(())
            })
            .expect("ticket");
    }
    println!("report_day: {tickets} tickets written in {:.1} s", filled.elapsed().as_secs_f64());
    let date = start.date_naive();
    for format in [Format::Json, Format::Csv, Format::Pdf] {
        let mut times: Vec<Duration> = Vec::new();
        let mut size = 0;
        for _ in 0..7 {
            let t = Instant::now();
            let bytes =
                hub.store.read_blocking(|r| report::export(r, &hub.office, date, format)).expect("report");
            times.push(t.elapsed());
            size = bytes.len();
        }
        times.sort_unstable();
        println!(
            "report {:<4} median {:>7.1} ms   max {:>7.1} ms   ({} bytes)",
            format.extension(),
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
            size
        );
    }
    hub.store.close();
}
