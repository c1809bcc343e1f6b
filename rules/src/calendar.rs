//! Which dates and slots can be booked.
//!
//! An office offers its slots (e.g. hourly 08:00–15:00, DOMAIN.md) on its open weekdays,
//! except on closed dates (holidays); a special date opens only some slots, or with other
//! capacities (an extra Saturday session, a shortened day). A date can be booked from
//! `min_days_ahead` to `max_days_ahead` days after today, and a slot only until it begins.
//! Times are the office's local time.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Deserialize;

use crate::Refusal;

/// A bookable time with its places per service (service id → places).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub start: NaiveTime,
    pub end: NaiveTime,
    #[serde(default)]
    pub capacity: BTreeMap<String, u32>,
}

impl Slot {
    /// Places of `service` in this slot (0 when the slot does not offer it).
    pub fn capacity_for(&self, service: &str) -> u32 {
        self.capacity.get(service).copied().unwrap_or(0)
    }

    /// The slot as the API names it: its start, `HH:MM`.
    pub fn label(&self) -> String {
        label(self.start)
    }

    /// Whether the slot of `date` has begun at `now`.
    pub fn has_begun(&self, date: NaiveDate, now: NaiveDateTime) -> bool {
        date.and_time(self.start) <= now
    }
}

/// `HH:MM`, as slots are named on the wire.
pub fn label(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// A slot's name read back: `HH:MM`.
pub fn parse_label(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

/// A date with its own sessions: only `slots` open (every slot when empty), with `capacity`
/// per service if given, else each slot's own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialDate {
    pub date: NaiveDate,
    #[serde(default)]
    pub slots: Vec<NaiveTime>,
    #[serde(default)]
    pub capacity: Option<BTreeMap<String, u32>>,
}

/// Why a date or slot cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Closed {
    #[error("the office is closed on {0}")]
    Holiday(NaiveDate),
    #[error("there are no sessions on {0}s")]
    NoSessions(Weekday),
    #[error("bookings are open from {first} to {last}")]
    OutsideHorizon { first: NaiveDate, last: NaiveDate },
    #[error("there is no {slot} session on {date}")]
    NoSuchSlot { date: NaiveDate, slot: String },
    #[error("the {slot} session on {date} has begun")]
    Begun { date: NaiveDate, slot: String },
}

/// One office's booking calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Every slot, in order of start.
    pub slots: Vec<Slot>,
    pub open_weekdays: Vec<Weekday>,
    pub closed_dates: Vec<NaiveDate>,
    pub special_dates: Vec<SpecialDate>,
    /// Bookable from this many days after today (0: today's later slots too) ...
    pub min_days_ahead: u32,
    /// ... up to this many.
    pub max_days_ahead: u32,
}

impl Calendar {
    /// The slot starting at `start`, as configured (before any special date's changes).
    pub fn slot(&self, start: NaiveTime) -> Option<&Slot> {
        self.slots.iter().find(|s| s.start == start)
    }

    /// The slots offered on `date`, or why there are none.
    pub fn day_plan(&self, date: NaiveDate) -> Result<Vec<Slot>, Closed> {
        if self.closed_dates.contains(&date) {
            return Err(Closed::Holiday(date));
        }
        if let Some(special) = self.special_dates.iter().find(|d| d.date == date) {
            return Ok(self
                .slots
                .iter()
                .filter(|s| special.slots.is_empty() || special.slots.contains(&s.start))
                .map(|s| Slot {
                    capacity: special.capacity.clone().unwrap_or_else(|| s.capacity.clone()),
                    ..s.clone()
                })
                .collect());
        }
        if !self.open_weekdays.contains(&date.weekday()) {
            return Err(Closed::NoSessions(date.weekday()));
        }
        Ok(self.slots.clone())
    }

    /// The first and last bookable dates as of `today`.
    pub fn horizon(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            today + Duration::days(i64::from(self.min_days_ahead)),
            today + Duration::days(i64::from(self.max_days_ahead)),
        )
    }

    /// Whether `date` is inside the booking horizon as of `today`.
    pub fn check_horizon(&self, today: NaiveDate, date: NaiveDate) -> Result<(), Closed> {
        let (first, last) = self.horizon(today);
        if date < first || date > last {
            return Err(Closed::OutsideHorizon { first, last });
        }
        Ok(())
    }

    /// The slot of `date` named `slot` (`HH:MM`), if it can be booked at `now`: inside the
    /// horizon, on a day with sessions, offered that day, not begun.
    pub fn bookable_slot(&self, now: NaiveDateTime, date: NaiveDate, slot: &str) -> Result<Slot, Refusal> {
        self.check_horizon(now.date(), date)?;
        let plan = self.day_plan(date)?;
        let start = parse_label(slot).ok_or_else(|| Refusal::BadSlot(slot.to_owned()))?;
        let planned = plan
            .into_iter()
            .find(|s| s.start == start)
            .ok_or_else(|| Closed::NoSuchSlot { date, slot: slot.to_owned() })?;
        if planned.has_begun(date, now) {
            return Err(Closed::Begun { date, slot: slot.to_owned() }.into());
        }
        Ok(planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(text: &str) -> NaiveTime {
        parse_label(text).expect("HH:MM")
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn calendar() -> Calendar {
        let slot = |start: &str, end: &str| Slot {
            start: time(start),
            end: time(end),
            capacity: BTreeMap::from([("A".to_owned(), 20), ("B".to_owned(), 10)]),
        };
        Calendar {
            slots: vec![slot("08:00", "09:00"), slot("09:00", "10:00"), slot("13:00", "14:00")],
            open_weekdays: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            closed_dates: vec![date("2026-12-25")],
            special_dates: vec![SpecialDate {
                date: date("2026-11-28"),
                slots: vec![time("09:00")],
                capacity: Some(BTreeMap::from([("A".to_owned(), 5)])),
            }],
            min_days_ahead: 1,
            max_days_ahead: 30,
        }
    }

    #[test]
    fn weekdays_holidays_and_special_dates_decide_the_day() {
        let c = calendar();
        // Wednesday: every slot.
        assert_eq!(c.day_plan(date("2026-11-25")).expect("open").len(), 3);
        // Sunday: none, and the weekday is named.
        assert_eq!(c.day_plan(date("2026-11-29")), Err(Closed::NoSessions(Weekday::Sun)));
        // A holiday on a Friday.
        assert_eq!(c.day_plan(date("2026-12-25")), Err(Closed::Holiday(date("2026-12-25"))));
        // A Saturday session: one slot, its own capacity (B not offered).
        let saturday = c.day_plan(date("2026-11-28")).expect("special");
        assert_eq!(saturday.len(), 1);
        assert_eq!(
            (saturday[0].label(), saturday[0].capacity_for("A"), saturday[0].capacity_for("B")),
            ("09:00".into(), 5, 0)
        );
    }

    #[test]
    fn the_horizon_runs_from_min_to_max_days_ahead() {
        let c = calendar();
        let today = date("2026-11-25");
        assert_eq!(c.horizon(today), (date("2026-11-26"), date("2026-12-25")));
        assert!(c.check_horizon(today, today).is_err(), "min_days_ahead 1: not today");
        assert!(c.check_horizon(today, date("2026-11-26")).is_ok());
        assert!(c.check_horizon(today, date("2026-12-25")).is_ok());
        assert_eq!(
            c.check_horizon(today, date("2026-12-26")),
            Err(Closed::OutsideHorizon { first: date("2026-11-26"), last: date("2026-12-25") })
        );
    }

    #[test]
    fn a_slot_is_bookable_until_it_begins() {
        let mut c = calendar();
        c.min_days_ahead = 0;
        let now = date("2026-11-25").and_time(time("08:59"));
        assert!(c.bookable_slot(now, date("2026-11-25"), "09:00").is_ok());
        let begun = c.bookable_slot(now, date("2026-11-25"), "08:00").expect_err("begun");
        assert_eq!(begun, Refusal::Closed(Closed::Begun { date: date("2026-11-25"), slot: "08:00".into() }));
        assert_eq!(begun.code(), antrian_proto::ErrorCode::Closed);
        let missing = c.bookable_slot(now, date("2026-11-26"), "10:00").expect_err("no such slot");
        assert_eq!(missing.to_string(), "there is no 10:00 session on 2026-11-26");
        let bad = c.bookable_slot(now, date("2026-11-26"), "9 pagi").expect_err("not HH:MM");
        assert_eq!(bad.code(), antrian_proto::ErrorCode::InvalidRequest);
        // A closed day is refused before the slot text is even read.
        let sunday = c.bookable_slot(now, date("2026-11-29"), "9 pagi").expect_err("closed");
        assert_eq!(sunday.code(), antrian_proto::ErrorCode::Closed);
    }
}
