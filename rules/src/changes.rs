//! What an applicant may do to a booking after making it: cancel it while it is unused (its
//! place returns to the quota), and move it to another date or slot once, before the booked
//! slot begins (DOMAIN.md: "One reschedule, up to the day before" — offices allow it until the
//! slot itself begins, which this follows).

use antrian_proto::AppointmentState;
use chrono::{NaiveDate, NaiveDateTime};

use crate::Refusal;

/// What cancelling does to a booking in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// Cancel it now.
    Cancel,
    /// It was cancelled before: answer as if it were done now (a repeated request).
    AlreadyCancelled,
}

/// Whether a booking in `state` can be cancelled.
pub fn cancel(state: AppointmentState) -> Result<Cancel, Refusal> {
    match state {
        AppointmentState::Booked => Ok(Cancel::Cancel),
        AppointmentState::Cancelled => Ok(Cancel::AlreadyCancelled),
        AppointmentState::CheckedIn => Err(Refusal::CheckedIn),
        AppointmentState::NoShow => Err(Refusal::Passed),
        AppointmentState::Unknown => Err(Refusal::UnknownState),
    }
}

/// A booking as the reschedule rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct Booked<'a> {
    pub state: AppointmentState,
    /// Whether it has been moved before.
    pub rescheduled: bool,
    pub date: NaiveDate,
    pub slot: &'a str,
    /// When the booked slot begins (office time).
    pub starts: NaiveDateTime,
}

/// Whether `booked` may move to `slot` of `date` at `now`: only an unused booking, once,
/// before its slot begins, and not onto the slot it already has. (That the new slot is
/// bookable and has a place is the calendar's and the quota's to say.)
pub fn check_move(
    booked: Booked<'_>,
    now: NaiveDateTime,
    date: NaiveDate,
    slot: &str,
) -> Result<(), Refusal> {
    match booked.state {
        AppointmentState::Booked => {}
        AppointmentState::Cancelled => return Err(Refusal::Cancelled),
        AppointmentState::CheckedIn => return Err(Refusal::CheckedIn),
        AppointmentState::NoShow => return Err(Refusal::Passed),
        AppointmentState::Unknown => return Err(Refusal::UnknownState),
    }
    if booked.rescheduled {
        return Err(Refusal::AlreadyRescheduled);
    }
    if booked.starts <= now {
        return Err(Refusal::SlotBegun);
    }
    if date == booked.date && slot == booked.slot {
        return Err(Refusal::SameSlot);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use antrian_proto::ErrorCode;

    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn only_an_unused_booking_is_cancelled_and_cancelling_twice_is_harmless() {
        assert_eq!(cancel(AppointmentState::Booked), Ok(Cancel::Cancel));
        assert_eq!(cancel(AppointmentState::Cancelled), Ok(Cancel::AlreadyCancelled));
        assert_eq!(
            cancel(AppointmentState::CheckedIn).map_err(|r| r.code()),
            Err(ErrorCode::InvalidTransition)
        );
        assert_eq!(cancel(AppointmentState::NoShow), Err(Refusal::Passed));
    }

    #[test]
    fn a_booking_moves_once_before_its_slot_begins() {
        let date: NaiveDate = "2026-11-26".parse().expect("date");
        let booked = Booked {
            state: AppointmentState::Booked,
            rescheduled: false,
            date,
            slot: "09:00",
            starts: at("2026-11-26 09:00"),
        };
        let before = at("2026-11-25 15:00");
        assert!(check_move(booked, before, date, "10:00").is_ok());
        assert!(check_move(booked, before, date.succ_opt().expect("date"), "09:00").is_ok());
        assert_eq!(check_move(booked, before, date, "09:00"), Err(Refusal::SameSlot));
        assert_eq!(check_move(booked, at("2026-11-26 09:00"), date, "10:00"), Err(Refusal::SlotBegun));
        let moved = Booked { rescheduled: true, ..booked };
        assert_eq!(check_move(moved, before, date, "10:00"), Err(Refusal::AlreadyRescheduled));
        for (state, refusal) in [
            (AppointmentState::Cancelled, Refusal::Cancelled),
            (AppointmentState::CheckedIn, Refusal::CheckedIn),
            (AppointmentState::NoShow, Refusal::Passed),
        ] {
            assert_eq!(check_move(Booked { state, ..booked }, before, date, "10:00"), Err(refusal));
        }
        assert_eq!(Refusal::Cancelled.code(), ErrorCode::Cancelled);
    }
}
