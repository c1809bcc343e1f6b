//! Who gets a ticket, and when (ARCHITECTURE.md, "Rules that protect applicants").
//!
//! A booking checks in at its own office, on its date, inside the arrival window of its slot
//! (from `checkin.early_minutes` before the slot's start to `checkin.late_minutes` after its
//! end). Showing it again gives the same ticket (a reprint), never a second number. Its place
//! in the queue counts from the later of arrival and the slot's start, so arriving early for a
//! later slot does not pass those booked earlier. A walk-in service issues tickets up to its
//! daily quota. Times here are the office's local time.

use antrian_proto::AppointmentState;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};

use crate::config::Service;

/// How long before a slot starts, and after it ends, check-in is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalWindow {
    pub early_minutes: u32,
    pub late_minutes: u32,
}

/// A slot of one date, in the office's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTimes {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

impl ArrivalWindow {
    /// When check-in for `slot` opens.
    pub fn opens(self, slot: SlotTimes) -> DateTime<FixedOffset> {
        slot.start - Duration::minutes(i64::from(self.early_minutes))
    }

    /// When check-in for `slot` closes.
    pub fn closes(self, slot: SlotTimes) -> DateTime<FixedOffset> {
        slot.end + Duration::minutes(i64::from(self.late_minutes))
    }

    /// Whether check-in for `slot` has closed by `now` (an applicant who has not come by then
    /// is a no-show).
    pub fn is_over(self, slot: SlotTimes, now: DateTime<FixedOffset>) -> bool {
        self.closes(slot) < now
    }
}

/// A booking presented at the kiosk.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub state: AppointmentState,
    pub date: NaiveDate,
    pub slot: &'a str,
    /// The booked slot on its date; `None` when the slot is no longer configured.
    pub times: Option<SlotTimes>,
    /// Whether the booking already has its ticket.
    pub has_ticket: bool,
}

/// What a check-in gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The booking's ticket again (the same number, printed again).
    Reprint,
    /// A new ticket, in the queue as of `effective_at` (ms).
    New { effective_at: i64 },
}

/// Why a check-in was refused; each has its API error code (`API.md`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckinRefusal {
    /// `wrong_office`.
    #[error("this booking is for office {office}, not {here}")]
    WrongOffice { office: String, here: String },
    /// `cancelled`.
    #[error("this booking was cancelled")]
    Cancelled,
    /// `too_late`: the date has passed, or the applicant was marked no-show.
    #[error("this booking was for {date}")]
    Passed { date: NaiveDate, slot: String },
    /// `wrong_date`: a later date.
    #[error("this booking is for {date}, not today")]
    WrongDate { date: NaiveDate, slot: String },
    /// `too_early`: today, before the window opens.
    #[error("check-in for the {slot} slot opens at {}", from.format("%H:%M"))]
    TooEarly { from: DateTime<FixedOffset>, slot: String },
    /// `too_late`: today, after the window closed.
    #[error("check-in for the {slot} slot closed at {}", closed.format("%H:%M"))]
    TooLate { closed: DateTime<FixedOffset>, date: NaiveDate, slot: String },
    /// The booking's slot is not configured any more: the office's fault, not the applicant's.
    #[error("slot {0} of this booking is not configured")]
    UnknownSlot(String),
}

/// A signed booking is for the office it names.
pub fn for_this_office(office: &str, here: &str) -> Result<(), CheckinRefusal> {
    if office == here {
        Ok(())
    } else {
        Err(CheckinRefusal::WrongOffice { office: office.to_owned(), here: here.to_owned() })
    }
}

/// Whether the booking checks in at `now`, and as of when it queues.
pub fn admit(
    booking: Presented<'_>,
    now: DateTime<FixedOffset>,
    window: ArrivalWindow,
) -> Result<Admission, CheckinRefusal> {
    if booking.state == AppointmentState::Cancelled {
        return Err(CheckinRefusal::Cancelled);
    }
    // Before any date check: the ticket can be printed again all day.
    if booking.has_ticket {
        return Ok(Admission::Reprint);
    }
    let today = now.date_naive();
    let slot = booking.slot.to_owned();
    if booking.state == AppointmentState::NoShow || booking.date < today {
        return Err(CheckinRefusal::Passed { date: booking.date, slot });
    }
    if booking.date != today {
        return Err(CheckinRefusal::WrongDate { date: booking.date, slot });
    }
    let times = booking.times.ok_or(CheckinRefusal::UnknownSlot(slot.clone()))?;
    if now < window.opens(times) {
        return Err(CheckinRefusal::TooEarly { from: window.opens(times), slot });
    }
    if now > window.closes(times) {
        return Err(CheckinRefusal::TooLate { closed: window.closes(times), date: booking.date, slot });
    }
    Ok(Admission::New {
        effective_at: effective_at(now.timestamp_millis(), Some(times.start.timestamp_millis())),
    })
}

/// A ticket's place in time: the later of entering the queue and its booked slot's start.
pub fn effective_at(entered_ms: i64, slot_start_ms: Option<i64>) -> i64 {
    slot_start_ms.map_or(entered_ms, |start| entered_ms.max(start))
}

/// Why a walk-in ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkInRefusal {
    /// `not_walk_in`.
    #[error("unknown service {0:?}")]
    UnknownService(String),
    /// `not_walk_in`.
    #[error("service {0} is by appointment only")]
    ByAppointment(String),
    /// `quota_full`.
    #[error("today's {quota} places for service {service} are taken")]
    QuotaFull { service: String, quota: u32 },
}

/// The service asked for by `id` and its daily walk-in quota, if it takes walk-ins.
pub fn walk_in_service<'a>(
    service: Option<&'a Service>,
    id: &str,
) -> Result<(&'a Service, u32), WalkInRefusal> {
    let service = service.ok_or_else(|| WalkInRefusal::UnknownService(id.to_owned()))?;
    let quota = service.walk_in_quota.ok_or_else(|| WalkInRefusal::ByAppointment(service.id.clone()))?;
    Ok((service, quota))
}

/// Refuses a walk-in ticket once `issued` walk-in tickets fill the day's `quota`.
pub fn check_walk_in(service: &str, quota: u32, issued: u32) -> Result<(), WalkInRefusal> {
    if issued >= quota {
        Err(WalkInRefusal::QuotaFull { service: service.to_owned(), quota })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    const WINDOW: ArrivalWindow = ArrivalWindow { early_minutes: 60, late_minutes: 0 };

    fn booking(state: AppointmentState, date: &str) -> Presented<'static> {
        Presented {
            state,
            date: date.parse().expect("date"),
            slot: "10:00",
            times: Some(SlotTimes {
                start: at(&format!("{date}T10:00:00+07:00")),
                end: at(&format!("{date}T11:00:00+07:00")),
            }),
            has_ticket: false,
        }
    }

    #[test]
    fn inside_the_window_a_booking_queues_from_its_slot_start() {
        let b = booking(AppointmentState::Booked, "2026-11-25");
        // 09:10, 50 minutes early: queued as of 10:00.
        assert_eq!(
            admit(b, at("2026-11-25T09:10:00+07:00"), WINDOW),
            Ok(Admission::New { effective_at: at("2026-11-25T10:00:00+07:00").timestamp_millis() })
        );
        // 10:30, late in the slot: queued as of arrival.
        let now = at("2026-11-25T10:30:00+07:00");
        assert_eq!(admit(b, now, WINDOW), Ok(Admission::New { effective_at: now.timestamp_millis() }));
        // The edges are inside.
        assert!(admit(b, at("2026-11-25T09:00:00+07:00"), WINDOW).is_ok());
        assert!(admit(b, at("2026-11-25T11:00:00+07:00"), WINDOW).is_ok());
    }

    #[test]
    fn each_check_in_refusal() {
        let b = booking(AppointmentState::Booked, "2026-11-25");
        let early = admit(b, at("2026-11-25T08:59:00+07:00"), WINDOW).expect_err("too early");
        assert_eq!(
            early,
            CheckinRefusal::TooEarly { from: at("2026-11-25T09:00:00+07:00"), slot: "10:00".into() }
        );
        assert_eq!(early.to_string(), "check-in for the 10:00 slot opens at 09:00");
        let late = admit(b, at("2026-11-25T11:01:00+07:00"), WINDOW).expect_err("too late");
        assert_eq!(late.to_string(), "check-in for the 10:00 slot closed at 11:00");
        assert!(matches!(late, CheckinRefusal::TooLate { .. }));
        let tomorrow = booking(AppointmentState::Booked, "2026-11-26");
        assert!(matches!(
            admit(tomorrow, at("2026-11-25T10:00:00+07:00"), WINDOW),
            Err(CheckinRefusal::WrongDate { .. })
        ));
        let yesterday = booking(AppointmentState::Booked, "2026-11-24");
        assert!(matches!(
            admit(yesterday, at("2026-11-25T10:00:00+07:00"), WINDOW),
            Err(CheckinRefusal::Passed { .. })
        ));
        let missed = booking(AppointmentState::NoShow, "2026-11-25");
        assert!(matches!(
            admit(missed, at("2026-11-25T10:00:00+07:00"), WINDOW),
            Err(CheckinRefusal::Passed { .. })
        ));
        let cancelled = booking(AppointmentState::Cancelled, "2026-11-25");
        assert_eq!(admit(cancelled, at("2026-11-25T10:00:00+07:00"), WINDOW), Err(CheckinRefusal::Cancelled));
        let unknown = Presented { times: None, ..b };
        assert_eq!(
            admit(unknown, at("2026-11-25T10:00:00+07:00"), WINDOW),
            Err(CheckinRefusal::UnknownSlot("10:00".into()))
        );
        assert_eq!(
            for_this_office("kanim-bandung", "kanim-jaksel"),
            Err(CheckinRefusal::WrongOffice { office: "kanim-bandung".into(), here: "kanim-jaksel".into() })
        );
        assert_eq!(for_this_office("kanim-jaksel", "kanim-jaksel"), Ok(()));
    }

    #[test]
    fn a_reprint_is_given_all_day_but_never_for_a_cancelled_booking() {
        let printed = Presented { has_ticket: true, ..booking(AppointmentState::CheckedIn, "2026-11-25") };
        assert_eq!(admit(printed, at("2026-11-25T16:00:00+07:00"), WINDOW), Ok(Admission::Reprint));
        let cancelled = Presented { has_ticket: true, ..booking(AppointmentState::Cancelled, "2026-11-25") };
        assert_eq!(admit(cancelled, at("2026-11-25T10:00:00+07:00"), WINDOW), Err(CheckinRefusal::Cancelled));
    }

    #[test]
    fn the_window_is_over_after_the_slot_end_plus_the_late_minutes() {
        let slot = booking(AppointmentState::Booked, "2026-11-25").times.expect("times");
        let window = ArrivalWindow { early_minutes: 60, late_minutes: 15 };
        assert!(!window.is_over(slot, at("2026-11-25T11:15:00+07:00")));
        assert!(window.is_over(slot, at("2026-11-25T11:15:01+07:00")));
        assert_eq!(effective_at(5, None), 5);
        assert_eq!((effective_at(5, Some(9)), effective_at(9, Some(5))), (9, 9));
    }

    #[test]
    fn walk_ins_need_a_walk_in_service_and_a_free_place() {
        let config = crate::config::Config::demo();
        assert_eq!(
            walk_in_service(config.service("C"), "C").map(|(s, q)| (s.id.as_str(), q > 0)),
            Ok(("C", true))
        );
        assert_eq!(
            walk_in_service(config.service("A"), "A").err(),
            Some(WalkInRefusal::ByAppointment("A".into()))
        );
        assert_eq!(walk_in_service(None, "Z").err(), Some(WalkInRefusal::UnknownService("Z".into())));
        assert!(check_walk_in("C", 2, 1).is_ok());
        let full = check_walk_in("C", 2, 2).expect_err("full");
        assert_eq!(full.to_string(), "today's 2 places for service C are taken");
    }
}
