//! Check-in at the kiosk, and walk-in tickets.

use antrian_proto::qr::BookingClaim;
use antrian_proto::{AppointmentState, CheckinResponse, ErrorCode, Ticket};
use antrian_rules::code;

use super::views;
use crate::config::Service;
use crate::engine::{Admission, Presented, actions, admission};
use crate::error::{Error, Result};
use crate::office::Office;
use crate::store::Write;
use crate::store::tickets::{NewTicket, TicketRow};

/// How a booking is presented at check-in.
#[derive(Debug, Clone)]
pub enum CheckinTarget {
    /// The signed booking QR code (already verified), with its text when another issuer
    /// (the national service) signed it: such a booking not received yet is taken from the QR.
    Qr(BookingClaim, Option<String>),
    /// The booking code and the last four NIK digits, typed on the keypad.
    Code { code: String, nik_last4: String },
}

/// Checks a booking in: a new ticket, or its ticket again (`reprint`).
pub fn checkin(
    tx: &mut Write<'_>,
    office: &Office,
    now: i64,
    target: CheckinTarget,
) -> Result<CheckinResponse> {
    let appointment = match &target {
        CheckinTarget::Qr(claim, external) => {
            admission::for_this_office(&claim.office, office.id())?;
            if let Some(text) = external
                && !tx.read().appointments().exists(&claim.booking_code)?
            {
                // CENTRAL.md: the details arrive with the next sync.
                tx.central().insert_from_qr(claim, text, now)?;
            }
            tx.read().appointments().get(&claim.booking_code)?
        }
        CheckinTarget::Code { code, nik_last4 } => {
            tx.read().appointments().get(&code::normalize(code))?.filter(|a| &a.nik_last4 == nik_last4)
        }
    };
    let appointment = appointment.ok_or_else(|| {
        Error::refused(ErrorCode::UnknownBooking, "no booking with this code (and NIK digits) at this office")
    })?;
    // A passport ready for pickup: the same QR gives a pickup ticket (CENTRAL.md, Pickup).
    if let Some(pickup_ticket) = tx.read().central().pickup(&appointment.booking_code)? {
        return pickup(tx, office, now, &appointment.booking_code, pickup_ticket);
    }
    // Its ticket of today, if it has one (a ticket of an earlier day is not printed again).
    let existing =
        tx.read().tickets().of_booking(&appointment.booking_code)?.filter(|t| t.day == office.day_of(now));
    let presented = Presented {
        state: appointment.state,
        date: appointment.date,
        slot: &appointment.slot,
        times: office.slot_times(appointment.date, &appointment.slot),
        has_ticket: existing.is_some(),
    };
    match admission::admit(presented, office.local(now), office.window())? {
        Admission::Reprint => {
            let row = existing.ok_or_else(|| Error::internal("a reprint without a ticket"))?;
            Ok(CheckinResponse { ticket: views::ticket(tx.read(), office, &row, false)?, reprint: true })
        }
        Admission::New { effective_at } => {
            let service = office.config.service(&appointment.service).ok_or_else(|| {
                Error::internal(format!("service {} of booking is not configured", appointment.service))
            })?;
            let booking = (appointment.booking_code.clone(), appointment.slot.clone());
            let row = issue(tx, office, now, service, Some(booking), effective_at)?;
            tx.appointments().set_state(&appointment.booking_code, AppointmentState::CheckedIn, now)?;
            Ok(CheckinResponse { ticket: views::ticket(tx.read(), office, &row, false)?, reprint: false })
        }
    }
}

/// A pickup (pengambilan) ticket for a ready passport, or the one already taken today again.
fn pickup(
    tx: &mut Write<'_>,
    office: &Office,
    now: i64,
    booking_code: &str,
    taken: Option<String>,
) -> Result<CheckinResponse> {
    if let Some(id) = taken
        && let Some(row) = tx.read().tickets().get(&id)?
        && row.day == office.day_of(now)
    {
        return Ok(CheckinResponse { ticket: views::ticket(tx.read(), office, &row, false)?, reprint: true });
    }
    let service_id = office.config.central.as_ref().map_or("D", |c| c.pickup_service.as_str());
    let service = office.config.service(service_id).ok_or_else(|| {
        Error::internal(format!(
            "the pickup service {service_id} ([central] pickup_service) is not configured"
        ))
    })?;
    let row = issue(tx, office, now, service, None, now)?;
    tx.central().pickup_ticket(booking_code, &row.id)?;
    Ok(CheckinResponse { ticket: views::ticket(tx.read(), office, &row, false)?, reprint: false })
}

/// Issues a walk-in ticket within the service's daily quota.
pub fn walkin(tx: &mut Write<'_>, office: &Office, now: i64, service_id: &str) -> Result<Ticket> {
    let (service, quota) = admission::walk_in_service(office.config.service(service_id), service_id)?;
    let issued = tx.read().tickets().walk_ins(office.day_of(now), &service.id)?;
    admission::check_walk_in(&service.id, quota, issued)?;
    let row = issue(tx, office, now, service, None, now)?;
    views::ticket(tx.read(), office, &row, false)
}

/// Issues a new ticket for `service`, numbered from 001 per service and day, into the queue of
/// the route's first stage.
fn issue(
    tx: &mut Write<'_>,
    office: &Office,
    now: i64,
    service: &Service,
    booking: Option<(String, String)>,
    effective_at: i64,
) -> Result<TicketRow> {
    let day = office.day_of(now);
    let seq = tx.read().tickets().next_seq(day, &service.id)?;
    let number = actions::ticket_number(&service.id, seq);
    let stage = service.route.first().cloned().ok_or_else(|| Error::internal("service without route"))?;
    let new = NewTicket {
        id: actions::ticket_id(day, &number),
        number,
        seq,
        day,
        service: service.id.clone(),
        priority: service.priority,
        booking,
        stage,
        effective_at,
    };
    Ok(tx.tickets().issue(new, office.stamp(now))?)
}
