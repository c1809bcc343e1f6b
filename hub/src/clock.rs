//! The hub's clock. Normally the system clock; `serve --clock T` starts it at instant T and
//! lets it run on in real time (demos, training, tests). Tests in-process may move it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Clock {
    /// Milliseconds added to the system clock.
    offset_ms: Arc<AtomicI64>,
    tz: Tz,
}

impl Clock {
    pub fn system(tz: Tz) -> Clock {
        Clock { offset_ms: Arc::new(AtomicI64::new(0)), tz }
    }

    /// A clock that reads `start` now and runs on in real time.
    pub fn starting_at(tz: Tz, start: DateTime<FixedOffset>) -> Clock {
        let clock = Clock::system(tz);
        clock.set(start);
        clock
    }

    /// Moves the clock so that it reads `instant` now.
    pub fn set(&self, instant: DateTime<FixedOffset>) {
        let offset = instant.timestamp_millis() - Utc::now().timestamp_millis();
        self.offset_ms.store(offset, Ordering::SeqCst);
    }

    /// Milliseconds since the Unix epoch, the unit of every stored time.
    pub fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::SeqCst)
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
}
