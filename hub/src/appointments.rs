//! Appointments: created by admins (API or CSV import) or by the booking page, each with a
//! booking code that is unguessable yet easy to type on a keypad, and a booking QR signed
//! with the hub's key. The NIK is kept only as a keyed hash plus its last four digits.

use antrian_proto::qr::BookingClaim;
use antrian_proto::{Appointment, AppointmentState, ErrorCode, NewAppointment};
use chrono::NaiveDate;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;

/// Booking-code characters: digits and capitals without the look-alikes 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 10 characters of 31: 49.5 random bits.
pub const CODE_LEN: usize = 10;

pub fn new_booking_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char).collect()
}

/// What a NIK must look like: 16 digits.
pub fn check_nik(nik: &str) -> Result<(), ApiError> {
    if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidNik, "NIK must be exactly 16 digits"))
    }
}

/// Normalizes a typed booking code: upper case, no spaces or dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

fn valid_code(code: &str) -> bool {
    (4..=16).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[derive(Debug, Clone)]
pub struct AppointmentRow {
    pub booking_code: String,
    pub office: String,
    pub service: String,
    pub date: NaiveDate,
    pub slot: String,
    pub name: Option<String>,
    pub nik_last4: String,
    pub state: AppointmentState,
    pub qr: String,
}

impl AppointmentRow {
    pub fn to_wire(&self) -> Appointment {
        Appointment {
            booking_code: self.booking_code.clone(),
            office: self.office.clone(),
            service: self.service.clone(),
            date: self.date,
            slot: self.slot.clone(),
            name: self.name.clone().unwrap_or_default(),
            nik_last4: self.nik_last4.clone(),
            state: self.state,
            qr: self.qr.clone(),
        }
    }
}

pub fn load(conn: &Connection, code: &str) -> ApiResult<Option<AppointmentRow>> {
    let row = conn
        .prepare_cached(
            "SELECT booking_code, office, service, date, slot, name, nik_last4, state, qr
             FROM appointments WHERE booking_code = ?1",
        )?
        .query_row(params![code], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })
        .optional()?;
    let Some((booking_code, office, service, date, slot, name, nik_last4, state, qr)) = row else {
        return Ok(None);
    };
    Ok(Some(AppointmentRow {
        booking_code,
        office,
        service,
        date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(ApiError::internal)?,
        slot,
        name,
        nik_last4,
        state: AppointmentState::parse(&state).ok_or_else(|| ApiError::internal("bad appointment state"))?,
        qr,
    }))
}

/// Creates appointments, all or nothing. A bad entry fails the whole batch with
/// `invalid_request` naming it (`detail.index`, from 0).
pub fn create(
    tx: &mut Tx<'_>,
    hub: &Hub,
    items: Vec<NewAppointment>,
    source: &str,
    now: i64,
) -> ApiResult<Vec<Appointment>> {
    if items.is_empty() {
        return Err(ApiError::invalid("no appointments given"));
    }
    let mut created = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let appointment = create_one(tx, hub, item, source, now).map_err(|e| {
            let code = if e.code == ErrorCode::InvalidNik { ErrorCode::InvalidRequest } else { e.code };
            ApiError::new(code, format!("appointment {}: {}", index + 1, e.message))
                .with_detail(serde_json::json!({ "index": index }))
        })?;
        created.push(appointment);
    }
    Ok(created)
}

pub(crate) fn create_one(
    tx: &mut Tx<'_>,
    hub: &Hub,
    item: NewAppointment,
    source: &str,
    now: i64,
) -> ApiResult<Appointment> {
    let config = &hub.config;
    if item.office != config.office.id {
        return Err(ApiError::invalid(format!(
            "office {:?} is not this hub's office ({})",
            item.office, config.office.id
        )));
    }
    let service = config
        .service(&item.service)
        .ok_or_else(|| ApiError::invalid(format!("unknown service {:?}", item.service)))?;
    if !service.booked {
        return Err(ApiError::invalid(format!("service {} is walk-in only, not booked", service.id)));
    }
    let slot = config.slot(&item.slot).ok_or_else(|| {
        ApiError::invalid(format!("unknown slot {:?} (use HH:MM of a configured slot)", item.slot))
    })?;
    let slot_text = slot.start.format("%H:%M").to_string();
    let name = item.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid("name must be 1-100 characters without control characters"));
    }
    check_nik(&item.nik)?;
    let nik_hash = hub.secrets.nik_hash(&item.nik);
    let date_text = item.date.format("%Y-%m-%d").to_string();
    let same_day: Option<String> = tx
        .conn
        .query_row(
            "SELECT booking_code FROM appointments
             WHERE nik_hash = ?1 AND date = ?2 AND state IN ('booked', 'checked_in')",
            params![nik_hash, date_text],
            |r| r.get(0),
        )
        .optional()?;
    if same_day.is_some() {
        return Err(ApiError::new(
            ErrorCode::DuplicateBooking,
            format!("this NIK already holds an active booking on {date_text}"),
        ));
    }
    let booking_code = match item.booking_code {
        Some(code) => {
            let code = normalize_code(&code);
            if !valid_code(&code) {
                return Err(ApiError::invalid("booking_code must be 4-16 of A-Z, 0-9"));
            }
            if load(tx.conn, &code)?.is_some() {
                return Err(ApiError::invalid(format!("booking code {code} already exists")));
            }
            code
        }
        None => loop {
            let code = new_booking_code();
            if load(tx.conn, &code)?.is_none() {
                break code;
            }
        },
    };
    let claim = BookingClaim {
        booking_code: booking_code.clone(),
        office: config.office.id.clone(),
        service: service.id.clone(),
        date: item.date,
        slot: slot.start,
    };
    let qr = hub.secrets.signer.sign(&claim).map_err(ApiError::internal)?;
    let nik_last4 = item.nik[12..].to_owned();
    tx.conn
        .prepare_cached(
            "INSERT INTO appointments (booking_code, office, service, date, slot, name, nik_hash,
                nik_last4, state, qr, source, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'booked', ?9, ?10, ?11, ?11)",
        )?
        .execute(params![
            booking_code,
            config.office.id,
            service.id,
            date_text,
            slot_text,
            name,
            nik_hash,
            nik_last4,
            qr,
            source,
            now
        ])?;
    Ok(Appointment {
        booking_code,
        office: config.office.id.clone(),
        service: service.id.clone(),
        date: item.date,
        slot: slot_text,
        name: name.to_owned(),
        nik_last4,
        state: AppointmentState::Booked,
        qr,
    })
}

/// Finds a booking by code and the last four NIK digits; both must match.
pub fn find(conn: &Connection, code: &str, nik_last4: &str) -> ApiResult<AppointmentRow> {
    let code = normalize_code(code);
    match load(conn, &code)? {
        Some(row) if row.nik_last4 == nik_last4 => Ok(row),
        _ => Err(ApiError::not_found("booking with that code and NIK")),
    }
}

/// Cancels a booking that has not been used; its place returns to the quota.
pub fn cancel(tx: &mut Tx<'_>, code: &str, nik_last4: &str, now: i64) -> ApiResult<Appointment> {
    let mut row = find(tx.conn, code, nik_last4)?;
    match row.state {
        AppointmentState::Cancelled => return Ok(row.to_wire()),
        AppointmentState::CheckedIn => {
            return Err(ApiError::transition("this booking has already checked in"));
        }
        AppointmentState::NoShow => {
            return Err(ApiError::transition("this booking's date has passed"));
        }
        AppointmentState::Booked => {}
    }
    tx.conn.execute(
        "UPDATE appointments SET state = 'cancelled', updated_at = ?2 WHERE booking_code = ?1",
        params![row.booking_code, now],
    )?;
    row.state = AppointmentState::Cancelled;
    Ok(row.to_wire())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_codes_avoid_look_alikes_and_are_random() {
        let codes: std::collections::HashSet<String> = (0..2000).map(|_| new_booking_code()).collect();
        assert_eq!(codes.len(), 2000);
        for code in &codes {
            assert_eq!(code.len(), CODE_LEN);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        let bits = (CODE_ALPHABET.len() as f64).log2() * CODE_LEN as f64;
        assert!(bits >= 40.0, "{bits} bits");
    }

    #[test]
    fn typed_codes_are_normalized() {
        assert_eq!(normalize_code(" k7pq-3m9x wz "), "K7PQ3M9XWZ");
    }

    #[test]
    fn nik_must_be_sixteen_digits() {
        assert!(check_nik("3174012345678901").is_ok());
        for bad in ["", "317401234567890", "31740123456789012", "31740123456789ab", "3174 01234567890"] {
            assert_eq!(check_nik(bad).expect_err(bad).code, ErrorCode::InvalidNik);
        }
    }
}
