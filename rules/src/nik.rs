//! The NIK (Nomor Induk Kependudukan) and what one NIK may hold.
//!
//! A NIK is 16 digits. Against brokers (calo) who mass-booked places with fake NIKs and sold
//! them (DOMAIN.md), one NIK holds at most one active booking a day, and at most a configured
//! number of active future bookings. Stores keep only a keyed hash of the NIK and its last four
//! digits, which the applicant types to find a booking again.

use chrono::NaiveDate;

use crate::Refusal;

/// Refuses anything but exactly 16 ASCII digits.
pub fn check(nik: &str) -> Result<(), Refusal> {
    if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) { Ok(()) } else { Err(Refusal::InvalidNik) }
}

/// The last four digits, kept beside the hash (the NIK must have passed [`check`]).
pub fn last4(nik: &str) -> &str {
    &nik[nik.len().saturating_sub(4)..]
}

/// Refuses a booking on `date` when the NIK already holds an active one that day; `other`
/// says the applicant is moving a booking (the one being moved is not counted).
pub fn check_one_per_day(date: NaiveDate, holds_one: bool, other: bool) -> Result<(), Refusal> {
    if holds_one { Err(Refusal::DuplicateBooking { date, other }) } else { Ok(()) }
}

/// Refuses a new booking when the NIK already holds `active` future bookings and `limit` is
/// reached.
pub fn check_active_limit(active: u32, limit: u32) -> Result<(), Refusal> {
    if active >= limit { Err(Refusal::BookingLimit { limit }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use antrian_proto::ErrorCode;

    #[test]
    fn a_nik_is_sixteen_digits() {
        assert!(check("3174012345678901").is_ok());
        for bad in [
            "",
            "317401234567890",
            "31740123456789012",
            "31740123456789ab",
            "3174 01234567890",
            "３１７４０１２３４５６７８９０１",
        ] {
            assert_eq!(check(bad).expect_err(bad).code(), ErrorCode::InvalidNik);
        }
        assert_eq!(last4("3174012345678901"), "8901");
    }

    #[test]
    fn one_nik_holds_one_booking_a_day_and_at_most_the_limit() {
        let date: NaiveDate = "2026-11-26".parse().expect("date");
        assert!(check_one_per_day(date, false, false).is_ok());
        let twice = check_one_per_day(date, true, false).expect_err("second booking that day");
        assert_eq!(
            (twice.code(), twice.to_string().as_str()),
            (ErrorCode::DuplicateBooking, "this NIK already holds an active booking on 2026-11-26")
        );
        let moving = check_one_per_day(date, true, true).expect_err("moving onto a booked day");
        assert_eq!(moving.to_string(), "this NIK already holds another booking on 2026-11-26");
        assert!(check_active_limit(1, 2).is_ok());
        assert_eq!(check_active_limit(2, 2).expect_err("limit").code(), ErrorCode::BookingLimit);
    }
}
