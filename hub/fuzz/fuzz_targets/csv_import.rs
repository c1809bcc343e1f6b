//! `antrian-hub import FILE`: any file is parsed and imported all or nothing into a real hub
//! database; it must never panic, and a refused file must leave the appointments unchanged.
#![no_main]

use std::sync::{Arc, OnceLock};

use antrian_hub::hub::Hub;
use libfuzzer_sys::fuzz_target;

fn hub() -> &'static Arc<Hub> {
    static HUB: OnceLock<(tempfile::TempDir, Arc<Hub>)> = OnceLock::new();
    &HUB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = antrian_hub::config::Config::parse(antrian_hub::config::DEFAULT_CONFIG).expect("config");
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T07:00:00+07:00").expect("time");
        let clock = antrian_hub::clock::Clock::starting_at(config.office.tz, start);
        let hub = Hub::open(config, dir.path(), clock).expect("hub");
        (dir, hub)
    })
    .1
}

/// Appointments in the hub's database file, read straight from it.
fn count(hub: &Hub) -> i64 {
    let conn = rusqlite::Connection::open(hub.store.path()).expect("open the database");
    conn.query_row("SELECT COUNT(*) FROM appointments", [], |r| r.get(0)).expect("count")
}

fuzz_target!(|data: &[u8]| {
    let hub = hub();
    let Ok(items) = antrian_hub::cli::parse_csv(data, "fuzz.csv") else { return };
    let before = count(hub);
    let expected = items.len() as i64;
    let (office, keys) = (hub.office.clone(), hub.secrets.clone());
    let now = hub.clock.now_ms();
    let result = hub.store.write_blocking(move |tx| {
        antrian_hub::appointments::create(tx, &office, &keys, items, "fuzz", now)
    });
    let after = count(hub);
    match result {
        Ok(created) => assert_eq!(after - before, created.len() as i64),
        Err(_) => assert_eq!(after, before, "a refused import changes nothing"),
    }
    assert!(after - before == 0 || after - before == expected, "all or nothing");
});
