//! Online booking against the daily quota (issue 3): which days and slots are bookable, how
//! many places are left, booking, a one-time reschedule, the limits against brokers (calo),
//! and marking applicants who never came as no-show.
//!
//! Every booking and reschedule runs in one writer transaction that counts the slot's taken
//! places and inserts in the same step, so however many requests race for the last place,
//! the quota is never exceeded.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;

use antrian_proto::qr::BookingClaim;
use antrian_proto::{
    Appointment, AppointmentState, AvailabilityResponse, BookingRequest, CalendarDay, CalendarResponse,
    ErrorCode, NewAppointment, RescheduleRequest, SlotAvailability,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use rusqlite::{Connection, OptionalExtension, params};

use crate::appointments::{self, check_nik};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;

/// A slot as it is offered on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSlot {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub capacity: BTreeMap<String, u32>,
}

/// The slots offered on `date`, or why there are none (holiday, no sessions that weekday).
pub fn day_plan(hub: &Hub, date: NaiveDate) -> Result<Vec<PlannedSlot>, String> {
    let booking = &hub.config.booking;
    if booking.closed_dates.contains(&date) {
        return Err(format!("the office is closed on {date}"));
    }
    let all = hub.config.slots.iter().map(|s| PlannedSlot {
        start: s.start,
        end: s.end,
        capacity: s.capacity.clone(),
    });
    if let Some(special) = booking.special_dates.iter().find(|d| d.date == date) {
        return Ok(all
            .filter(|s| special.slots.is_empty() || special.slots.contains(&s.start))
            .map(|mut s| {
                if let Some(capacity) = &special.capacity {
                    s.capacity = capacity.clone();
                }
                s
            })
            .collect());
    }
    if !booking.open_weekdays.contains(&date.weekday()) {
        return Err(format!("there are no sessions on {}s", date.weekday()));
    }
    Ok(all.collect())
}

/// Whether `date` is inside the booking horizon as of today.
fn check_horizon(hub: &Hub, date: NaiveDate) -> Result<(), String> {
    let today = hub.clock.today();
    let first = today + Duration::days(i64::from(hub.config.booking.min_days_ahead));
    let last = today + Duration::days(i64::from(hub.config.booking.max_days_ahead));
    if date < first || date > last {
        return Err(format!("bookings are open from {first} to {last}"));
    }
    Ok(())
}

fn slot_text(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

fn taken(conn: &Connection, office: &str, date: NaiveDate, slot: &str, service: &str) -> ApiResult<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM appointments WHERE office = ?1 AND date = ?2 AND slot = ?3 AND service = ?4
             AND state != 'cancelled'",
        )?
        .query_row(params![office, date.format("%Y-%m-%d").to_string(), slot, service], |r| r.get(0))?)
}

fn booked_service(hub: &Hub, service: &str) -> ApiResult<()> {
    match hub.config.service(service) {
        Some(s) if s.booked => Ok(()),
        Some(_) => Err(ApiError::invalid(format!("service {service} is walk-in only, not booked"))),
        None => Err(ApiError::invalid(format!("unknown service {service:?}"))),
    }
}

/// The places of `service` on `date`, slot by slot.
pub fn availability(
    conn: &Connection,
    hub: &Hub,
    date: NaiveDate,
    service: &str,
) -> ApiResult<AvailabilityResponse> {
    booked_service(hub, service)?;
    let office = &hub.config.office.id;
    let closed = check_horizon(hub, date).err();
    let plan = match day_plan(hub, date) {
        Ok(plan) => plan,
        Err(reason) => {
            return Ok(AvailabilityResponse {
                date,
                service: service.to_owned(),
                closed: Some(reason),
                slots: Vec::new(),
            });
        }
    };
    let now = hub.clock.now_ms();
    let mut slots = Vec::new();
    for slot in plan {
        let capacity = slot.capacity.get(service).copied().unwrap_or(0);
        let start = slot_text(slot.start);
        let booked = taken(conn, office, date, &start, service)?;
        let started = hub.clock.local_ms(date, slot.start) <= now;
        slots.push(SlotAvailability {
            slot: start,
            end: slot_text(slot.end),
            capacity,
            booked,
            remaining: capacity.saturating_sub(booked),
            bookable: closed.is_none() && !started && capacity > 0,
        });
    }
    Ok(AvailabilityResponse { date, service: service.to_owned(), closed, slots })
}

/// Places left per day over the whole booking horizon, for the calendar.
pub fn calendar(conn: &Connection, hub: &Hub, service: &str) -> ApiResult<CalendarResponse> {
    booked_service(hub, service)?;
    let today = hub.clock.today();
    let first = today + Duration::days(i64::from(hub.config.booking.min_days_ahead));
    let last = today + Duration::days(i64::from(hub.config.booking.max_days_ahead));
    let mut counts: HashMap<(String, String), u32> = HashMap::new();
    let mut statement = conn.prepare_cached(
        "SELECT date, slot, COUNT(*) FROM appointments WHERE office = ?1 AND service = ?2 AND date BETWEEN ?3 AND ?4
         AND state != 'cancelled' GROUP BY date, slot",
    )?;
    let rows = statement.query_map(
        params![
            hub.config.office.id,
            service,
            first.format("%Y-%m-%d").to_string(),
            last.format("%Y-%m-%d").to_string()
        ],
        |r| Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), r.get::<_, u32>(2)?)),
    )?;
    for row in rows {
        let (key, count) = row?;
        counts.insert(key, count);
    }
    let now = hub.clock.now_ms();
    let mut days = Vec::new();
    let mut date = first;
    while date <= last {
        let day = date.format("%Y-%m-%d").to_string();
        let (remaining, closed) = match day_plan(hub, date) {
            Err(_) => (0, true),
            Ok(plan) => {
                let remaining = plan
                    .iter()
                    .filter(|s| hub.clock.local_ms(date, s.start) > now)
                    .map(|s| {
                        let capacity = s.capacity.get(service).copied().unwrap_or(0);
                        capacity.saturating_sub(
                            counts.get(&(day.clone(), slot_text(s.start))).copied().unwrap_or(0),
                        )
                    })
                    .sum();
                (remaining, plan.is_empty())
            }
        };
        days.push(CalendarDay { date, remaining, closed });
        date += Duration::days(1);
    }
    Ok(CalendarResponse { service: service.to_owned(), days })
}

/// The slot of `date` starting at `slot`, if it can be booked now.
fn bookable_slot(hub: &Hub, date: NaiveDate, slot: &str, now: i64) -> ApiResult<PlannedSlot> {
    let closed = |message: String| ApiError::new(ErrorCode::Closed, message);
    check_horizon(hub, date).map_err(closed)?;
    let plan = day_plan(hub, date).map_err(closed)?;
    let start = NaiveTime::parse_from_str(slot, "%H:%M")
        .map_err(|_| ApiError::invalid(format!("slot {slot:?} is not HH:MM")))?;
    let planned = plan
        .into_iter()
        .find(|s| s.start == start)
        .ok_or_else(|| ApiError::new(ErrorCode::Closed, format!("there is no {slot} session on {date}")))?;
    if hub.clock.local_ms(date, planned.start) <= now {
        return Err(ApiError::new(ErrorCode::Closed, format!("the {slot} session on {date} has begun")));
    }
    Ok(planned)
}

fn check_quota(tx: &Tx<'_>, hub: &Hub, date: NaiveDate, slot: &PlannedSlot, service: &str) -> ApiResult<()> {
    let capacity = slot.capacity.get(service).copied().unwrap_or(0);
    let start = slot_text(slot.start);
    if taken(tx.conn, &hub.config.office.id, date, &start, service)? >= capacity {
        return Err(ApiError::new(
            ErrorCode::QuotaFull,
            format!("no places left for service {service} at {start} on {date}"),
        ));
    }
    Ok(())
}

/// Active bookings (booked, from today on) held under a NIK hash, except `except`.
fn active_future(tx: &Tx<'_>, hub: &Hub, nik_hash: &[u8], except: Option<&str>) -> ApiResult<u32> {
    Ok(tx
        .conn
        .prepare_cached(
            "SELECT COUNT(*) FROM appointments WHERE nik_hash = ?1 AND state = 'booked' AND date >= ?2
             AND booking_code != ?3",
        )?
        .query_row(
            params![nik_hash, hub.clock.today().format("%Y-%m-%d").to_string(), except.unwrap_or("")],
            |r| r.get(0),
        )?)
}

/// Books a place for an applicant.
pub fn book(tx: &mut Tx<'_>, hub: &Hub, now: i64, request: BookingRequest) -> ApiResult<Appointment> {
    if request.office != hub.config.office.id {
        return Err(ApiError::invalid(format!("office {:?} is not served here", request.office)));
    }
    booked_service(hub, &request.service)?;
    check_nik(&request.nik)?;
    let slot = bookable_slot(hub, request.date, &request.slot, now)?;
    let nik_hash = hub.secrets.nik_hash(&request.nik);
    let limit = hub.config.booking.max_active_per_nik;
    if active_future(tx, hub, &nik_hash, None)? >= limit {
        return Err(ApiError::new(
            ErrorCode::BookingLimit,
            format!("this NIK already holds {limit} active bookings; cancel one first"),
        ));
    }
    check_quota(tx, hub, request.date, &slot, &request.service)?;
    appointments::create_one(
        tx,
        hub,
        NewAppointment {
            office: request.office,
            service: request.service,
            date: request.date,
            slot: request.slot,
            name: request.name,
            nik: request.nik,
            booking_code: None,
        },
        "booking",
        now,
    )
}

/// Moves a booking to another date or slot, once, before its slot begins; atomically, so the
/// old place is freed and the new one taken in the same step.
pub fn reschedule(
    tx: &mut Tx<'_>,
    hub: &Hub,
    now: i64,
    code: &str,
    request: RescheduleRequest,
) -> ApiResult<Appointment> {
    let mut row = appointments::find(tx.conn, code, &request.nik_last4)?;
    match row.state {
        AppointmentState::Booked => {}
        AppointmentState::Cancelled => {
            return Err(ApiError::new(ErrorCode::Cancelled, "this booking was cancelled"));
        }
        AppointmentState::CheckedIn => {
            return Err(ApiError::transition("this booking has already checked in"));
        }
        AppointmentState::NoShow => return Err(ApiError::transition("this booking's date has passed")),
    }
    let (rescheduled, nik_hash): (bool, Vec<u8>) = tx
        .conn
        .prepare_cached("SELECT rescheduled, nik_hash FROM appointments WHERE booking_code = ?1")?
        .query_row(params![row.booking_code], |r| {
            Ok((r.get(0)?, r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default()))
        })?;
    if rescheduled {
        return Err(ApiError::transition("a booking can be rescheduled only once"));
    }
    let old_start = NaiveTime::parse_from_str(&row.slot, "%H:%M").map_err(ApiError::internal)?;
    if hub.clock.local_ms(row.date, old_start) <= now {
        return Err(ApiError::transition("the booked slot has begun; it can no longer be moved"));
    }
    if request.date == row.date && request.slot == row.slot {
        return Err(ApiError::invalid("that is the slot already booked"));
    }
    let slot = bookable_slot(hub, request.date, &request.slot, now)?;
    let other_that_day: Option<String> = tx
        .conn
        .prepare_cached(
            "SELECT booking_code FROM appointments WHERE nik_hash = ?1 AND date = ?2 AND state IN ('booked', 'checked_in')
             AND booking_code != ?3",
        )?
        .query_row(params![nik_hash, request.date.format("%Y-%m-%d").to_string(), row.booking_code], |r| r.get(0))
        .optional()?;
    if other_that_day.is_some() {
        return Err(ApiError::new(
            ErrorCode::DuplicateBooking,
            format!("this NIK already holds another booking on {}", request.date),
        ));
    }
    check_quota(tx, hub, request.date, &slot, &row.service)?;
    let claim = BookingClaim {
        booking_code: row.booking_code.clone(),
        office: row.office.clone(),
        service: row.service.clone(),
        date: request.date,
        slot: slot.start,
    };
    let qr = hub.secrets.signer.sign(&claim).map_err(ApiError::internal)?;
    let new_slot = slot_text(slot.start);
    tx.conn
        .prepare_cached(
            "UPDATE appointments SET date = ?2, slot = ?3, qr = ?4, rescheduled = 1, updated_at = ?5 WHERE booking_code = ?1",
        )?
        .execute(params![row.booking_code, request.date.format("%Y-%m-%d").to_string(), new_slot, qr, now])?;
    row.date = request.date;
    row.slot = new_slot;
    row.qr = qr;
    Ok(row.to_wire())
}

/// Marks as no-show every booking whose arrival window ended without a check-in. Returns how
/// many were marked.
pub fn mark_no_shows(tx: &mut Tx<'_>, hub: &Hub, now: i64) -> ApiResult<usize> {
    let today = hub.clock.to_local(now).date_naive();
    let office = &hub.config.office.id;
    let mut marked = tx
        .conn
        .prepare_cached(
            "UPDATE appointments SET state = 'no_show', updated_at = ?3 WHERE office = ?1 AND state = 'booked' AND date < ?2",
        )?
        .execute(params![office, today.format("%Y-%m-%d").to_string(), now])?;
    let late = i64::from(hub.config.checkin.late_minutes) * 60_000;
    for slot in &hub.config.slots {
        if hub.clock.local_ms(today, slot.end) + late < now {
            marked += tx
                .conn
                .prepare_cached(
                    "UPDATE appointments SET state = 'no_show', updated_at = ?4
                     WHERE office = ?1 AND state = 'booked' AND date = ?2 AND slot = ?3",
                )?
                .execute(params![office, today.format("%Y-%m-%d").to_string(), slot_text(slot.start), now])?;
        }
    }
    Ok(marked)
}

/// Booking requests per client address per minute (fixed one-minute windows), in memory.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl RateLimiter {
    /// Counts one request from `client`; refuses it past `per_minute` (0: no limit).
    pub fn check(&self, client: Option<IpAddr>, per_minute: u32, now_ms: i64) -> ApiResult<()> {
        let Some(client) = client else { return Ok(()) };
        if per_minute == 0 {
            return Ok(());
        }
        let minute = now_ms.div_euclid(60_000);
        let mut windows = self.windows.lock().map_err(|_| ApiError::internal("rate limiter lock"))?;
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(client).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        if entry.1 > per_minute {
            let seconds = 60 - (now_ms.div_euclid(1000) % 60);
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                format!("too many booking requests from this address; try again in {seconds} s"),
            )
            .with_detail(serde_json::json!({ "retry_after_seconds": seconds })));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_per_address_and_minute() {
        let limiter = RateLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        for _ in 0..3 {
            assert!(limiter.check(Some(a), 3, 60_000).is_ok());
        }
        assert_eq!(limiter.check(Some(a), 3, 60_500).expect_err("fourth").code, ErrorCode::RateLimited);
        assert!(limiter.check(Some(b), 3, 60_500).is_ok(), "another address has its own count");
        assert!(limiter.check(Some(a), 3, 120_000).is_ok(), "a new minute starts afresh");
        assert!(limiter.check(Some(a), 0, 120_000).is_ok());
        for _ in 0..10 {
            assert!(limiter.check(Some(a), 0, 120_000).is_ok(), "0 turns the limit off");
        }
    }
}
