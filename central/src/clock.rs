//! The service's clock: the system clock, or (`serve --clock T`, for demos and tests) one that
//! reads `T` at start and runs on in real time. Every replica is given its time; the database's
//! `now()` is never used for a rule, so replicas started with the same `--clock` agree.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Added to the system clock, in milliseconds.
    offset_ms: i64,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { offset_ms: 0 }
    }

    /// A clock that reads `start` now and runs on.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock { offset_ms: start.timestamp_millis() - Utc::now().timestamp_millis() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms)
    }
}
