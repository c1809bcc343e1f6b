//! Appointments (bookings): who booked which slot of which date, in what state. The NIK is
//! kept only as a keyed hash (removed after the retention period) and its last four digits.

use std::collections::HashMap;

use antrian_proto::AppointmentState;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, StoreResult, date_text, parse_date};

/// An appointment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRow {
    pub booking_code: String,
    pub service: String,
    pub date: NaiveDate,
    /// `HH:MM`.
    pub slot: String,
    /// Removed after the retention period.
    pub name: Option<String>,
    pub nik_last4: String,
    pub state: AppointmentState,
    /// The signed text of the booking QR code.
    pub qr: String,
    /// Moved to another date or slot once already.
    pub rescheduled: bool,
}

type RawAppointment = (String, String, String, String, Option<String>, String, String, String, bool);

fn appointment_row(raw: RawAppointment) -> StoreResult<AppointmentRow> {
    let (booking_code, service, date, slot, name, nik_last4, state, qr, rescheduled) = raw;
    Ok(AppointmentRow {
        booking_code,
        service,
        date: parse_date(&date)?,
        slot,
        name,
        nik_last4,
        state: AppointmentState::parse(&state)
            .ok_or_else(|| StoreError::bad_value("appointment state", state))?,
        qr,
        rescheduled,
    })
}

/// Reads of appointments.
#[derive(Clone, Copy)]
pub struct Appointments<'a> {
    conn: &'a Connection,
}

impl<'a> Appointments<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Appointments { conn }
    }

    pub fn get(&self, code: &str) -> StoreResult<Option<AppointmentRow>> {
        self.conn
            .prepare_cached(
                "SELECT booking_code, service, date, slot, name, nik_last4, state, qr, rescheduled
                 FROM appointments WHERE booking_code = ?1",
            )?
            .query_row(params![code], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .optional()?
            .map(appointment_row)
            .transpose()
    }

    pub fn exists(&self, code: &str) -> StoreResult<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM appointments WHERE booking_code = ?1")?
            .query_row(params![code], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The applicant's name on a booking, while it is kept.
    pub fn name_of(&self, code: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM appointments WHERE booking_code = ?1")?
            .query_row(params![code], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    }

    /// The NIK hash a booking was made with (gone after the retention period).
    pub fn nik_hash_of(&self, code: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT nik_hash FROM appointments WHERE booking_code = ?1")?
            .query_row(params![code], |r| r.get::<_, Option<Vec<u8>>>(0))
            .optional()?
            .flatten())
    }

    /// Whether the NIK holds an active booking (booked or checked in) on `date`, other than
    /// `except`.
    pub fn holds_on(&self, nik_hash: &[u8], date: NaiveDate, except: Option<&str>) -> StoreResult<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM appointments WHERE nik_hash = ?1 AND date = ?2 AND state IN ('booked', 'checked_in')
                 AND booking_code != ?3 LIMIT 1",
            )?
            .query_row(params![nik_hash, date_text(date), except.unwrap_or("")], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Bookings (state booked) the NIK holds from `today` on, other than `except`.
    pub fn booked_from(&self, nik_hash: &[u8], today: NaiveDate, except: Option<&str>) -> StoreResult<u32> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM appointments WHERE nik_hash = ?1 AND state = 'booked' AND date >= ?2
                 AND booking_code != ?3",
            )?
            .query_row(params![nik_hash, date_text(today), except.unwrap_or("")], |r| r.get(0))?)
    }

    /// Places of `service` taken in `slot` of `date` (every booking not cancelled).
    pub fn taken(&self, date: NaiveDate, slot: &str, service: &str) -> StoreResult<u32> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM appointments WHERE date = ?1 AND slot = ?2 AND service = ?3
                 AND state != 'cancelled'",
            )?
            .query_row(params![date_text(date), slot, service], |r| r.get(0))?)
    }

    /// Places of `service` taken per (date, slot) from `first` to `last`.
    pub fn taken_between(
        &self,
        service: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> StoreResult<HashMap<(NaiveDate, String), u32>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT date, slot, COUNT(*) FROM appointments WHERE service = ?1 AND date BETWEEN ?2 AND ?3
             AND state != 'cancelled' GROUP BY date, slot",
        )?;
        let rows = statement.query_map(params![service, date_text(first), date_text(last)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?))
        })?;
        let mut taken = HashMap::new();
        for row in rows {
            let (date, slot, count) = row?;
            taken.insert((parse_date(&date)?, slot), count);
        }
        Ok(taken)
    }
}

/// A new appointment.
#[derive(Debug, Clone)]
pub struct NewAppointmentRow {
    pub booking_code: String,
    pub service: String,
    pub date: NaiveDate,
    pub slot: String,
    pub name: String,
    pub nik_hash: Vec<u8>,
    pub nik_last4: String,
    pub qr: String,
    /// Where it came from: `api`, `import`, `booking`, `demo`.
    pub source: String,
}

/// Writes of appointments.
pub struct AppointmentsMut<'a> {
    read: Appointments<'a>,
}

reads_through!(AppointmentsMut => Appointments);

impl<'a> AppointmentsMut<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        AppointmentsMut { read: Appointments::new(conn) }
    }

    fn conn(&self) -> &'a Connection {
        self.read.conn
    }

    /// Stores a new booking, in state booked.
    pub fn insert(&mut self, new: &NewAppointmentRow, now_ms: i64) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO appointments (booking_code, service, date, slot, name, nik_hash, nik_last4, state, qr,
                    source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'booked', ?8, ?9, ?10, ?10)",
            )?
            .execute(params![
                new.booking_code,
                new.service,
                date_text(new.date),
                new.slot,
                new.name,
                new.nik_hash,
                new.nik_last4,
                new.qr,
                new.source,
                now_ms
            ])?;
        Ok(())
    }

    /// Sets a booking's state; a check-in of a booking from the national service is queued to
    /// be reported to it.
    pub fn set_state(&mut self, code: &str, state: AppointmentState, now_ms: i64) -> StoreResult<()> {
        self.conn()
            .prepare_cached("UPDATE appointments SET state = ?2, updated_at = ?3 WHERE booking_code = ?1")?
            .execute(params![code, state.as_str(), now_ms])?;
        match state {
            AppointmentState::CheckedIn => super::central::enqueue(self.conn(), code, "checked_in", now_ms)?,
            AppointmentState::NoShow => super::central::enqueue(self.conn(), code, "no_show", now_ms)?,
            _ => {}
        }
        Ok(())
    }

    /// Queues `no_show` reports for the central bookings a no-show sweep is about to mark.
    fn report_no_shows(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> StoreResult<()> {
        let sql = format!(
            "INSERT OR IGNORE INTO central_outbox (id, booking_code, kind, at)
             SELECT booking_code || ':no_show:' || ?1, booking_code, 'no_show', ?1 FROM appointments
             WHERE state = 'booked' AND source IN ('central', 'central-qr') AND {filter}"
        );
        self.conn().prepare_cached(&sql)?.execute(args)?;
        Ok(())
    }

    /// Moves a booking to `slot` of `date` with its newly signed `qr`, and marks it as moved.
    pub fn reschedule(
        &mut self,
        code: &str,
        date: NaiveDate,
        slot: &str,
        qr: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "UPDATE appointments SET date = ?2, slot = ?3, qr = ?4, rescheduled = 1, updated_at = ?5
                 WHERE booking_code = ?1",
            )?
            .execute(params![code, date_text(date), slot, qr, now_ms])?;
        Ok(())
    }

    /// Marks as no-show the bookings still booked for a date before `date`; how many.
    pub fn mark_no_shows_before(&mut self, date: NaiveDate, now_ms: i64) -> StoreResult<usize> {
        self.report_no_shows("date < ?2", &[&now_ms, &date_text(date)])?;
        Ok(self
            .conn()
            .prepare_cached("UPDATE appointments SET state = 'no_show', updated_at = ?2 WHERE state = 'booked' AND date < ?1")?
            .execute(params![date_text(date), now_ms])?)
    }

    /// Marks as no-show the bookings still booked for `slot` of `date`; how many.
    pub fn mark_no_shows_in(&mut self, date: NaiveDate, slot: &str, now_ms: i64) -> StoreResult<usize> {
        self.report_no_shows("date = ?2 AND slot = ?3", &[&now_ms, &date_text(date), &slot])?;
        Ok(self
            .conn()
            .prepare_cached(
                "UPDATE appointments SET state = 'no_show', updated_at = ?3 WHERE state = 'booked' AND date = ?1 AND slot = ?2",
            )?
            .execute(params![date_text(date), slot, now_ms])?)
    }

    /// Removes the names and NIK hashes of bookings for dates before `date`; how many.
    pub fn clear_personal_data(&mut self, before: NaiveDate) -> StoreResult<usize> {
        Ok(self.conn().execute(
            "UPDATE appointments SET name = NULL, nik_hash = NULL WHERE date < ?1 AND (name IS NOT NULL OR nik_hash IS NOT NULL)",
            params![date_text(before)],
        )?)
    }
}
