//! Appointments made by admins — through the API, a CSV import or the demo — each with a
//! booking code that is unguessable yet easy to type on a keypad and a booking QR signed with
//! the hub's key. The NIK is kept only as a keyed hash plus its last four digits. (Bookings
//! the applicants make themselves are the `booking` module.)

use antrian_proto::qr::BookingClaim;
use antrian_proto::{Appointment, AppointmentState, ErrorCode, NewAppointment, RefusalDetail};
use antrian_rules::{changes, code, nik};

use crate::config::Service;
use crate::error::{Error, Refusal, Result};
use crate::office::Office;
use crate::secrets::Secrets;
use crate::store::appointments::{AppointmentRow, NewAppointmentRow};
use crate::store::{Read, Write};

/// The API's view of a stored appointment.
pub fn to_wire(office: &Office, row: &AppointmentRow) -> Appointment {
    Appointment {
        booking_code: row.booking_code.clone(),
        office: office.id().to_owned(),
        service: row.service.clone(),
        date: row.date,
        slot: row.slot.clone(),
        name: row.name.clone().unwrap_or_default(),
        nik_last4: row.nik_last4.clone(),
        state: row.state,
        qr: row.qr.clone(),
    }
}

/// The service `id`, if it is booked (not walk-in only).
pub(crate) fn booked_service<'a>(office: &'a Office, id: &str) -> Result<&'a Service> {
    match office.config.service(id) {
        Some(service) if service.booked => Ok(service),
        Some(_) => Err(Error::invalid(format!("service {id} is walk-in only, not booked"))),
        None => Err(Error::invalid(format!("unknown service {id:?}"))),
    }
}

/// Creates appointments, all or nothing. A bad entry fails the whole batch with
/// `invalid_request` naming it (`detail.index`, from 0).
pub fn create(
    tx: &mut Write<'_>,
    office: &Office,
    keys: &Secrets,
    items: Vec<NewAppointment>,
    source: &str,
    now: i64,
) -> Result<Vec<Appointment>> {
    if items.is_empty() {
        return Err(Error::invalid("no appointments given"));
    }
    let mut created = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let appointment = create_one(tx, office, keys, item, source, now).map_err(|error| match error {
            Error::Refused(refusal) => {
                let code = if refusal.code == ErrorCode::InvalidNik {
                    ErrorCode::InvalidRequest
                } else {
                    refusal.code
                };
                Error::Refused(Refusal {
                    code,
                    message: format!("appointment {}: {}", index + 1, refusal.message),
                    detail: Some(RefusalDetail { index: Some(index), ..RefusalDetail::default() }),
                })
            }
            other => other,
        })?;
        created.push(appointment);
    }
    Ok(created)
}

/// Creates one appointment: a known booked service and slot, a name, a well-formed NIK that
/// holds no other active booking that day, and a free (or new) booking code.
pub(crate) fn create_one(
    tx: &mut Write<'_>,
    office: &Office,
    keys: &Secrets,
    item: NewAppointment,
    source: &str,
    now: i64,
) -> Result<Appointment> {
    if item.office != office.id() {
        return Err(Error::invalid(format!(
            "office {:?} is not this hub's office ({})",
            item.office,
            office.id()
        )));
    }
    let service = booked_service(office, &item.service)?;
    let slot = office.config.slot(&item.slot).ok_or_else(|| {
        Error::invalid(format!("unknown slot {:?} (use HH:MM of a configured slot)", item.slot))
    })?;
    let name = item.name.trim();
    if name.is_empty() || item.name.chars().count() > 100 || item.name.chars().any(char::is_control) {
        return Err(Error::invalid("name must be 1-100 characters without control characters"));
    }
    nik::check(&item.nik)?;
    let nik_hash = keys.nik_hash(&item.nik);
    nik::check_one_per_day(item.date, tx.read().appointments().holds_on(&nik_hash, item.date, None)?, false)?;
    let booking_code = match item.booking_code {
        Some(given) => {
            // As the API description's pattern says: letters, digits, spaces and dashes.
            if !given.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
                return Err(Error::invalid(
                    "booking_code must be 4-16 of A-Z, 0-9 (spaces and dashes between them are left out)",
                ));
            }
            let given = code::normalize(&given);
            if !code::is_valid(&given) {
                return Err(Error::invalid(
                    "booking_code must be 4-16 of A-Z, 0-9 (spaces and dashes between them are left out)",
                ));
            }
            if tx.read().appointments().exists(&given)? {
                return Err(Error::refused(
                    ErrorCode::DuplicateBooking,
                    format!("booking code {given} already exists"),
                ));
            }
            given
        }
        None => loop {
            let fresh = code::generate();
            if !tx.read().appointments().exists(&fresh)? {
                break fresh;
            }
        },
    };
    let claim = BookingClaim {
        booking_code: booking_code.clone(),
        office: office.id().to_owned(),
        service: service.id.clone(),
        date: item.date,
        slot: slot.start,
    };
    let row = NewAppointmentRow {
        qr: keys.signer.sign(&claim).map_err(Error::internal)?,
        booking_code,
        service: service.id.clone(),
        date: item.date,
        slot: slot.label(),
        name: name.to_owned(),
        nik_hash,
        nik_last4: nik::last4(&item.nik).to_owned(),
        source: source.to_owned(),
    };
    tx.appointments().insert(&row, now)?;
    Ok(Appointment {
        booking_code: row.booking_code,
        office: office.id().to_owned(),
        service: row.service,
        date: row.date,
        slot: row.slot,
        name: row.name,
        nik_last4: row.nik_last4,
        state: AppointmentState::Booked,
        qr: row.qr,
    })
}

/// Finds a booking by code and the last four NIK digits; both must match.
pub fn find(read: Read<'_>, code: &str, nik_last4: &str) -> Result<AppointmentRow> {
    match read.appointments().get(&code::normalize(code))? {
        Some(row) if row.nik_last4 == nik_last4 => Ok(row),
        _ => Err(Error::not_found("booking with that code and NIK")),
    }
}

/// Cancels a booking that has not been used; its place returns to the quota. Cancelling it
/// again answers the same.
pub fn cancel(tx: &mut Write<'_>, code: &str, nik_last4: &str, now: i64) -> Result<AppointmentRow> {
    let mut row = find(tx.read(), code, nik_last4)?;
    if changes::cancel(row.state)? == changes::Cancel::Cancel {
        tx.appointments().set_state(&row.booking_code, AppointmentState::Cancelled, now)?;
        row.state = AppointmentState::Cancelled;
    }
    Ok(row)
}
