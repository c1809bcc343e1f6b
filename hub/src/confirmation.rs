//! The booking confirmation ("Bukti Pendaftaran"): what its page and its PDF show, built from
//! an appointment. The PDF itself is drawn by [`antrian_proto::pdf::confirmation_pdf`], which
//! the national service uses for its own bookings too.

use antrian_proto::AppointmentState;
pub use antrian_proto::pdf::{Confirmation, confirmation_pdf as pdf};
use chrono::Duration;

use crate::i18n::{Lang, Texts};
use crate::office::Office;
use crate::store::appointments::AppointmentRow;

pub fn confirmation(office: &Office, row: &AppointmentRow, t: &Texts) -> Confirmation {
    let config = &office.config;
    let service = config.service(&row.service);
    let service_name = service
        .map(|s| if t.lang == Lang::En && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() })
        .unwrap_or_else(|| row.service.clone());
    let (slot, arrive) = match config.slot(&row.slot) {
        Some(slot) => {
            let from = slot.start - Duration::minutes(i64::from(config.checkin.early_minutes));
            let to = slot.end + Duration::minutes(i64::from(config.checkin.late_minutes));
            (
                format!("{}–{}", slot.start.format("%H:%M"), slot.end.format("%H:%M")),
                t.t("page.arrive")
                    .replace("{from}", &from.format("%H:%M").to_string())
                    .replace("{to}", &to.format("%H:%M").to_string()),
            )
        }
        None => (row.slot.clone(), String::new()),
    };
    let mut documents: Vec<String> =
        ["page.doc_ktp", "page.doc_kk", "page.doc_birth"].iter().map(|k| t.t(k).to_owned()).collect();
    if row.service == "B" {
        documents.push(t.t("page.doc_old").to_owned());
    }
    let state_key = match row.state {
        AppointmentState::Booked => "page.state_booked",
        AppointmentState::CheckedIn => "page.state_checked_in",
        AppointmentState::Cancelled => "page.state_cancelled",
        AppointmentState::NoShow => "page.state_no_show",
        AppointmentState::Unknown => "page.state_unknown",
    };
    Confirmation {
        booking_code: row.booking_code.clone(),
        name: row.name.clone().unwrap_or_default(),
        qr_text: row.qr.clone(),
        office_name: config.office.name.clone(),
        office_address: config.office.address.clone(),
        service_name,
        date: t.long_date(row.date),
        slot,
        arrive,
        state: t.t(state_key).to_owned(),
        documents,
    }
}
