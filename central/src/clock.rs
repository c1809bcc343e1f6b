//! The service's clock: the system clock, or (`serve --clock T`, for demos and tests) one that
//! reads `T` at start and runs on — in real time, or (`--clock-speed N`, tests of what takes
//! minutes) N times faster. Every replica is given its time; the database's `now()` is never
//! used for a rule, so replicas started with the same `--clock` agree.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// What the clock read when the system clock read `real_start`.
    start: DateTime<Utc>,
    real_start: DateTime<Utc>,
    /// How many seconds pass on this clock in one real second.
    speed: f64,
}

impl Clock {
    pub fn system() -> Clock {
        let now = Utc::now();
        Clock { start: now, real_start: now, speed: 1.0 }
    }

    /// A clock that reads `start` now and runs on.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock::running(start, 1.0)
    }

    /// A clock that reads `start` now and runs `speed` times faster than real time.
    pub fn running(start: DateTime<Utc>, speed: f64) -> Clock {
        Clock { start, real_start: Utc::now(), speed: if speed > 0.0 { speed } else { 1.0 } }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let real = (Utc::now() - self.real_start).num_microseconds().unwrap_or(i64::MAX);
        self.start + chrono::Duration::microseconds((real as f64 * self.speed) as i64)
    }

    /// How long `service` seconds of this clock take in real time.
    pub fn real(&self, service: std::time::Duration) -> std::time::Duration {
        service.div_f64(self.speed)
    }
}
