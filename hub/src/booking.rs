//! Online booking against the daily quota: which days and slots are bookable and how many
//! places are left, booking, the one reschedule, and marking applicants who never came as
//! no-show. The rules are the shared ones of [`antrian_rules`]; this module loads what they
//! need from the store and stores their answer.
//!
//! Every booking and reschedule runs in one writer transaction that counts the slot's taken
//! places and inserts in the same step, so however many requests race for the last place,
//! the quota is never exceeded.

use antrian_proto::qr::BookingClaim;
use antrian_proto::{
    Appointment, AvailabilityResponse, BookingRequest, CalendarDay, CalendarResponse, NewAppointment,
    RescheduleRequest, SlotAvailability,
};
use antrian_rules::calendar::{label, parse_label};
use antrian_rules::changes::{self, Booked};
use antrian_rules::{nik, quota};
use chrono::{Duration, NaiveDate};

use crate::appointments::{self, booked_service};
use crate::error::{Error, Result};
use crate::office::Office;
use crate::secrets::Secrets;
use crate::store::{Read, Write};

/// The places of `service` on `date`, slot by slot.
pub fn availability(
    read: Read<'_>,
    office: &Office,
    date: NaiveDate,
    service: &str,
) -> Result<AvailabilityResponse> {
    booked_service(office, service)?;
    let calendar = &office.config.calendar;
    let now = office.local(office.clock.now_ms()).naive_local();
    let closed = calendar.check_horizon(now.date(), date).err().map(|c| c.to_string());
    let plan = match calendar.day_plan(date) {
        Ok(plan) => plan,
        Err(reason) => {
            return Ok(AvailabilityResponse {
                date,
                service: service.to_owned(),
                closed: Some(reason.to_string()),
                slots: Vec::new(),
            });
        }
    };
    let mut slots = Vec::new();
    for slot in plan {
        let capacity = slot.capacity_for(service);
        let booked = read.appointments().taken(date, &slot.label(), service)?;
        let remaining = quota::remaining(capacity, booked);
        slots.push(SlotAvailability {
            slot: slot.label(),
            end: label(slot.end),
            capacity,
            booked,
            remaining,
            // Bookable means a booking made now would be taken: open, not begun, a place left.
            bookable: closed.is_none() && !slot.has_begun(date, now) && remaining > 0,
        });
    }
    Ok(AvailabilityResponse { date, service: service.to_owned(), closed, slots })
}

/// Places left per day over the whole booking horizon, for the calendar.
pub fn calendar(read: Read<'_>, office: &Office, service: &str) -> Result<CalendarResponse> {
    booked_service(office, service)?;
    let calendar = &office.config.calendar;
    let now = office.local(office.clock.now_ms()).naive_local();
    let (first, last) = calendar.horizon(now.date());
    let taken = read.appointments().taken_between(service, first, last)?;
    let mut days = Vec::new();
    let mut date = first;
    while date <= last {
        let (remaining, closed) = match calendar.day_plan(date) {
            Err(_) => (0, true),
            Ok(plan) => {
                let remaining = plan
                    .iter()
                    .filter(|s| !s.has_begun(date, now))
                    .map(|s| {
                        let booked = taken.get(&(date, s.label())).copied().unwrap_or(0);
                        quota::remaining(s.capacity_for(service), booked)
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

/// Books a place for an applicant.
pub fn book(
    tx: &mut Write<'_>,
    office: &Office,
    keys: &Secrets,
    now: i64,
    request: BookingRequest,
) -> Result<Appointment> {
    if request.office != office.id() {
        return Err(Error::invalid(format!("office {:?} is not served here", request.office)));
    }
    booked_service(office, &request.service)?;
    nik::check(&request.nik)?;
    let local = office.local(now).naive_local();
    let slot = office.config.calendar.bookable_slot(local, request.date, &request.slot)?;
    let nik_hash = keys.nik_hash(&request.nik);
    let active = tx.read().appointments().booked_from(&nik_hash, local.date(), None)?;
    nik::check_active_limit(active, office.config.booking.max_active_per_nik)?;
    let taken = tx.read().appointments().taken(request.date, &slot.label(), &request.service)?;
    quota::check_place(&request.service, request.date, &slot, taken)?;
    appointments::create_one(
        tx,
        office,
        keys,
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
    tx: &mut Write<'_>,
    office: &Office,
    keys: &Secrets,
    now: i64,
    code: &str,
    request: RescheduleRequest,
) -> Result<Appointment> {
    let mut row = appointments::find(tx.read(), code, &request.nik_last4)?;
    let start = parse_label(&row.slot)
        .ok_or_else(|| Error::internal(format!("stored slot {:?} is not HH:MM", row.slot)))?;
    let local = office.local(now).naive_local();
    let starts = row.date.and_time(start);
    let booked =
        Booked { state: row.state, rescheduled: row.rescheduled, date: row.date, slot: &row.slot, starts };
    changes::check_move(booked, local, request.date, &request.slot)?;
    let slot = office.config.calendar.bookable_slot(local, request.date, &request.slot)?;
    let nik_hash = tx.read().appointments().nik_hash_of(&row.booking_code)?.unwrap_or_default();
    let other = tx.read().appointments().holds_on(&nik_hash, request.date, Some(&row.booking_code))?;
    nik::check_one_per_day(request.date, other, true)?;
    let taken = tx.read().appointments().taken(request.date, &slot.label(), &row.service)?;
    quota::check_place(&row.service, request.date, &slot, taken)?;
    let claim = BookingClaim {
        booking_code: row.booking_code.clone(),
        office: office.id().to_owned(),
        service: row.service.clone(),
        date: request.date,
        slot: slot.start,
    };
    let qr = keys.signer.sign(&claim).map_err(Error::internal)?;
    tx.appointments().reschedule(&row.booking_code, request.date, &slot.label(), &qr, now)?;
    row.date = request.date;
    row.slot = slot.label();
    row.qr = qr;
    row.rescheduled = true;
    Ok(appointments::to_wire(office, &row))
}

/// Marks as no-show every booking whose arrival window ended without a check-in: those of
/// earlier days, and today's whose slot's window is over. Returns how many were marked.
pub fn mark_no_shows(tx: &mut Write<'_>, office: &Office, now: i64) -> Result<usize> {
    let today = office.day_of(now);
    let mut marked = tx.appointments().mark_no_shows_before(today, now)?;
    let (local, window) = (office.local(now), office.window());
    for slot in &office.config.slots {
        let over = office.slot_times(today, &slot.label()).is_some_and(|times| window.is_over(times, local));
        if over {
            marked += tx.appointments().mark_no_shows_in(today, &slot.label(), now)?;
        }
    }
    Ok(marked)
}
