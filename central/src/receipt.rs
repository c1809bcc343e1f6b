//! The *Bukti Pendaftaran* (booking confirmation) PDF of a booked application: the booking QR,
//! the booking's facts, when to arrive and what to bring — drawn by the same code as the hub's
//! ([`antrian_proto::pdf::confirmation_pdf`]), with the labels of this service's catalogue.

use antrian_proto::pdf::{Confirmation, confirmation_pdf};

use crate::Central;
use crate::booking::Record;
use crate::i18n::{Texts, fill};

/// What the confirmation page and the PDF show of `record` (booked: it has a QR).
pub fn confirmation(central: &Central, record: &Record, t: &Texts) -> Confirmation {
    let f = crate::letters::facts(central, record, t);
    Confirmation {
        booking_code: record.booking_code.clone().unwrap_or_default(),
        name: record.name.clone(),
        qr_text: record.qr.clone().unwrap_or_default(),
        office_name: f.office_name.clone(),
        office_address: f.office_address.clone(),
        service_name: format!("{} ({})", f.service_name, f.passport_name),
        date: f.date.clone(),
        slot: format!("{} {}", f.slot, f.zone),
        arrive: fill(t.t("page.arrive"), &[("from", &f.arrive_from), ("to", &f.arrive_to)]),
        state: t.t(&format!("state.{}", record.state)).to_owned(),
        documents: crate::pages::documents_to_bring(t, &record.service),
    }
}

/// The PDF's bytes.
pub fn pdf(central: &Central, record: &Record, t: &Texts) -> Vec<u8> {
    confirmation_pdf(&confirmation(central, record, t), t)
}
