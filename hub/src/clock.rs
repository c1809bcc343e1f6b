//! The hub's clock. Normally the system clock; `serve --clock T` starts it at instant T and
//! lets it run on in real time (demos, training, tests), `--clock-speed N` N times as fast
//! (the day simulator). Tests in-process may move it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Clock {
    /// (system ms, clock ms) at the last setting: the clock reads `clock ms` plus the system
    /// time passed since, times `speed`.
    anchor: Arc<Mutex<(i64, i64)>>,
    speed: f64,
    tz: Tz,
}

impl Clock {
    pub fn system(tz: Tz) -> Clock {
        let now = Utc::now().timestamp_millis();
        Clock { anchor: Arc::new(Mutex::new((now, now))), speed: 1.0, tz }
    }

    /// The same clock running `speed` times as fast from now on (1: real time).
    pub fn with_speed(self, speed: f64) -> Clock {
        let now = self.now_ms();
        let clock = Clock { speed: speed.max(0.0), ..self };
        clock.set_ms(now);
        clock
    }

    /// A clock that reads `start` now and runs on in real time.
    pub fn starting_at(tz: Tz, start: DateTime<FixedOffset>) -> Clock {
        let clock = Clock::system(tz);
        clock.set(start);
        clock
    }

    /// Moves the clock so that it reads `instant` now.
    pub fn set(&self, instant: DateTime<FixedOffset>) {
        self.set_ms(instant.timestamp_millis());
    }

    fn set_ms(&self, ms: i64) {
        let mut anchor = self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        *anchor = (Utc::now().timestamp_millis(), ms);
    }

    /// Milliseconds since the Unix epoch, the unit of every stored time.
    pub fn now_ms(&self) -> i64 {
        let (system, clock) = *self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        let passed = Utc::now().timestamp_millis() - system;
        // Exact for speed 1: a millisecond count fits an f64's 53-bit mantissa.
        clock + (passed as f64 * self.speed) as i64
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        self.to_local(self.now_ms())
    }

    /// Today at the office.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// A stored time (ms) in the office's time zone.
    pub fn to_local(&self, ms: i64) -> DateTime<FixedOffset> {
        let utc = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
        utc.with_timezone(&self.tz).fixed_offset()
    }

    /// The instant (ms) of a local date and time at the office.
    pub fn local_ms(&self, date: NaiveDate, time: chrono::NaiveTime) -> i64 {
        self.tz
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_clock_runs_on_from_its_start() {
        let start = DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
        let clock = Clock::starting_at(chrono_tz::Asia::Jakarta, start);
        let drift = clock.now_ms() - start.timestamp_millis();
        assert!((0..5_000).contains(&drift), "{drift}");
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"));
        assert_eq!(clock.now().offset().local_minus_utc(), 7 * 3600);
    }

    #[test]
    fn a_fast_clock_runs_that_many_times_as_fast() {
        let start = DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
        let clock = Clock::starting_at(chrono_tz::Asia::Jakarta, start).with_speed(600.0);
        std::thread::sleep(std::time::Duration::from_millis(100));
        let passed = clock.now_ms() - start.timestamp_millis();
        // 100 ms of real time is a minute of clock time (and a little more, never less).
        assert!((60_000..120_000).contains(&passed), "{passed}");
    }
}
