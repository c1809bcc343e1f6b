//! # antrian-rules
//!
//! The booking rules that the office hub (`antrian-hub`) and the national service
//! (`antrian-central`) both apply, written once (CENTRAL.md: "rules that both apply live once,
//! in pure code both call"). Nothing here reads a clock, a file or a database (only a new
//! booking code draws on the operating system's random generator): the caller loads what a
//! decision needs (today's date, the places already taken, the applicant's other bookings),
//! asks, and stores the answer in the same transaction.
//!
//! ## Layout
//! - [`calendar`]: which dates and slots can be booked — the office's week, closed and special
//!   dates, the booking horizon, slots that have begun.
//! - [`quota`]: places per slot and service: remaining places, and the refusal of a full slot.
//! - [`nik`]: the NIK's shape, and the limits one NIK is held to (one active booking a day, at
//!   most N active future bookings).
//! - [`changes`]: what an applicant may do to a booking afterwards — cancel it, and move it
//!   once, before its slot begins.
//! - [`code`]: booking codes — an alphabet without look-alikes, generation, and the cleaning
//!   of a code typed on a keypad.
//! - [`skm`]: the satisfaction survey the regulation asks of every public service (Survei
//!   Kepuasan Masyarakat): its nine elements, the index (IKM), its grades and the least number
//!   of responses. Only the hub uses it; it is here because it is a rule, from a regulation.
//!
//! Every rule that says no returns a [`Refusal`], whose [`Refusal::code`] is the API error
//! code of `API.md` and whose text says what is wrong.

pub mod calendar;
pub mod changes;
pub mod code;
pub mod nik;
pub mod quota;
pub mod skm;

use antrian_proto::ErrorCode;
use chrono::NaiveDate;

pub use calendar::{Calendar, Closed, Slot, SpecialDate};

/// Why a booking rule said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The date or slot cannot be booked (holiday, no sessions, outside the horizon, begun).
    #[error("{0}")]
    Closed(#[from] Closed),
    /// The slot text is not `HH:MM`.
    #[error("slot {0:?} is not HH:MM")]
    BadSlot(String),
    /// Every place of the slot is taken.
    #[error("no places left for service {service} at {slot} on {date}")]
    QuotaFull { service: String, slot: String, date: NaiveDate },
    /// The NIK is not 16 digits.
    #[error("NIK must be exactly 16 digits")]
    InvalidNik,
    /// The NIK's embedded birth date or sex disagrees with the form.
    #[error("the NIK does not match the birth date and sex given: check both against the KTP")]
    NikMismatch,
    /// The NIK already holds an active booking on that date.
    #[error("this NIK already holds {} booking on {date}", if *.other { "another" } else { "an active" })]
    DuplicateBooking { date: NaiveDate, other: bool },
    /// The NIK already holds as many active future bookings as allowed.
    #[error("this NIK already holds {limit} active bookings; cancel one first")]
    BookingLimit { limit: u32 },
    /// The booking was cancelled.
    #[error("this booking was cancelled")]
    Cancelled,
    /// The applicant has already checked in with this booking.
    #[error("this booking has already checked in")]
    CheckedIn,
    /// The booking's date has passed without a check-in.
    #[error("this booking's date has passed")]
    Passed,
    /// The booking has been moved once already.
    #[error("a booking can be rescheduled only once")]
    AlreadyRescheduled,
    /// The booked slot has begun.
    #[error("the booked slot has begun; it can no longer be moved")]
    SlotBegun,
    /// The new slot is the one already booked.
    #[error("that is the slot already booked")]
    SameSlot,
    /// The booking is in a state this build does not know: nothing is changed.
    #[error("this booking is in a state this version does not know; nothing was changed")]
    UnknownState,
}

impl Refusal {
    /// The API error code (`API.md`, `CENTRAL.md`).
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::Closed(_) => ErrorCode::Closed,
            Refusal::BadSlot(_) | Refusal::SameSlot => ErrorCode::InvalidRequest,
            Refusal::QuotaFull { .. } => ErrorCode::QuotaFull,
            Refusal::InvalidNik => ErrorCode::InvalidNik,
            Refusal::NikMismatch => ErrorCode::NikMismatch,
            Refusal::DuplicateBooking { .. } => ErrorCode::DuplicateBooking,
            Refusal::BookingLimit { .. } => ErrorCode::BookingLimit,
            Refusal::Cancelled => ErrorCode::Cancelled,
            Refusal::CheckedIn
            | Refusal::Passed
            | Refusal::AlreadyRescheduled
            | Refusal::SlotBegun
            | Refusal::UnknownState => ErrorCode::InvalidTransition,
        }
    }
}
