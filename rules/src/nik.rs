//! The NIK (Nomor Induk Kependudukan) and what one NIK may hold.
//!
//! A NIK is 16 digits. Against brokers (calo) who mass-booked places with fake NIKs and sold
//! them (DOMAIN.md), one NIK holds at most one active booking a day, and at most a configured
//! number of active future bookings. Stores keep only a keyed hash of the NIK and its last four
//! digits, which the applicant types to find a booking again.

use chrono::{Datelike, NaiveDate};

use crate::Refusal;

/// Refuses anything but exactly 16 ASCII digits.
pub fn check(nik: &str) -> Result<(), Refusal> {
    if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) { Ok(()) } else { Err(Refusal::InvalidNik) }
}

/// Sex as the NIK encodes it (and as the application form asks it: `M` or `F`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// What a NIK says of its holder: digits 7–12 are the birth date as `DDMMYY`, with 40 added to
/// the day for women (Permendagri 72/2019 on the NIK's structure; CENTRAL.md, Applicant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedded {
    pub day: u32,
    pub month: u32,
    /// The year's last two digits (a NIK does not say the century).
    pub year2: u32,
    pub sex: Sex,
}

/// Reads the birth date and sex out of a NIK; `invalid_nik` when it is not 16 digits, its
/// region (digits 1–2, the province) is `00`, its serial (digits 13–16) is `0000`, or its
/// embedded date cannot be a day of any year (day 00, 32–40, over 71; month 00 or over 12).
pub fn embedded(nik: &str) -> Result<Embedded, Refusal> {
    check(nik)?;
    let number = |from: usize| -> u32 { nik[from..from + 2].parse().unwrap_or(0) };
    let (day, month, year2) = (number(6), number(8), number(10));
    let (day, sex) = if day > 40 { (day - 40, Sex::Female) } else { (day, Sex::Male) };
    if number(0) == 0 || &nik[12..] == "0000" || !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return Err(Refusal::InvalidNik);
    }
    // The day must exist in that month of some year (29 February: only when 20YY is a leap year, as 19YY then is too or YY is 00).
    let any_year = if month == 2 && day == 29 { 2000 + year2 } else { 2001 };
    if NaiveDate::from_ymd_opt(any_year as i32, month, day).is_none() {
        return Err(Refusal::InvalidNik);
    }
    Ok(Embedded { day, month, year2, sex })
}

/// Checks a NIK against the birth date and sex on the form: `invalid_nik` for a NIK that
/// cannot be one ([`embedded`]), `nik_mismatch` when its date or sex disagrees — the random
/// fake NIKs brokers mass-registered fail here (CENTRAL.md).
pub fn check_identity(nik: &str, birth_date: NaiveDate, sex: Sex) -> Result<(), Refusal> {
    let found = embedded(nik)?;
    let year2 = birth_date.year().rem_euclid(100) as u32;
    if found.sex != sex
        || found.day != birth_date.day()
        || found.month != birth_date.month()
        || found.year2 != year2
    {
        return Err(Refusal::NikMismatch);
    }
    Ok(())
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

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn the_birth_date_and_sex_in_a_nik_must_match_the_form() {
        // A man born 17 August 1985 in South Jakarta (31 74 ..): day as is.
        assert_eq!(check_identity("3174011708850003", date("1985-08-17"), Sex::Male), Ok(()));
        // A woman born the same day: 17 + 40 = 57.
        assert_eq!(check_identity("3174015708850003", date("1985-08-17"), Sex::Female), Ok(()));
        // A woman born 1 January 2004: 41 01 04.
        assert_eq!(check_identity("3275034101040012", date("2004-01-01"), Sex::Female), Ok(()));
        // 29 February of a leap year.
        assert_eq!(check_identity("3174012902000001", date("2000-02-29"), Sex::Male), Ok(()));
        assert_eq!(embedded("3174015708850003").map(|e| (e.day, e.month, e.year2)), Ok((17, 8, 85)));

        for (nik, born, sex, why) in [
            ("3174011708850003", "1985-08-17", Sex::Female, "a man's NIK on a woman's form"),
            ("3174015708850003", "1985-08-17", Sex::Male, "a woman's NIK on a man's form"),
            ("3174011808850003", "1985-08-17", Sex::Male, "another day"),
            ("3174011709850003", "1985-08-17", Sex::Male, "another month"),
            ("3174011708860003", "1985-08-17", Sex::Male, "another year"),
            (
                "3174011708850003",
                "2085-08-17",
                Sex::Male,
                "right digits, but the form's year is not one a NIK holder has",
            ),
        ] {
            // (The last one matches: a NIK cannot tell 1985 from 2085; the form's own checks
            // refuse a birth date in the future.)
            let result = check_identity(nik, date(born), sex);
            if why.starts_with("right digits") {
                assert_eq!(result, Ok(()), "{why}");
            } else {
                assert_eq!(result, Err(Refusal::NikMismatch), "{why}");
                assert_eq!(Refusal::NikMismatch.code(), ErrorCode::NikMismatch);
            }
        }
    }

    #[test]
    fn a_nik_that_cannot_exist_is_invalid() {
        for (nik, why) in [
            ("3174013208850003", "day 32"),
            ("3174017208850003", "day 72 (a woman's 32)"),
            ("3174010008850003", "day 00"),
            ("3174014008850003", "day 40 (a woman's 00)"),
            ("3174011713850003", "month 13"),
            ("3174011700850003", "month 00"),
            ("3174013102850003", "31 February"),
            ("3174012902010003", "29 February 2001"),
            ("0074011708850003", "province 00"),
            ("3174011708850000", "serial 0000"),
            ("317401170885000", "15 digits"),
            ("31740117O8850003", "a letter O"),
        ] {
            assert_eq!(embedded(nik), Err(Refusal::InvalidNik), "{why}");
            assert_eq!(
                check_identity(nik, date("1985-08-17"), Sex::Male).map_err(|r| r.code()),
                Err(ErrorCode::InvalidNik),
                "{why}"
            );
        }
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
