//! The booking confirmation ("Bukti Pendaftaran"): what its page and its PDF show, built from
//! an appointment, and the PDF itself — A4, drawn with printpdf, the booking QR as vector
//! squares so it stays sharp at any print size. The PDF uses its built-in Helvetica, so no
//! font files are needed; text is kept to the characters that font can show.

use antrian_proto::AppointmentState;
use antrian_proto::pdf::{Page, save};
use chrono::Duration;
use printpdf::{Color, Op, Rgb};

use crate::i18n::{Lang, Texts};
use crate::office::Office;
use crate::store::appointments::AppointmentRow;

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 20.0;
/// Where the values start, beside their labels.
const VALUES: f32 = LEFT + 50.0;
/// Lines are measured against these widths, in the font they are drawn in.
const FULL_WIDTH: f32 = PAGE_W - 2.0 * LEFT;
const LABEL_WIDTH: f32 = VALUES - LEFT - 3.0;
const VALUE_WIDTH: f32 = PAGE_W - LEFT - VALUES;

/// What the confirmation page and its PDF show.
pub struct Confirmation {
    pub booking_code: String,
    pub name: String,
    pub qr_text: String,
    pub office_name: String,
    pub office_address: String,
    pub service_name: String,
    pub date: String,
    pub slot: String,
    pub arrive: String,
    pub state: String,
    pub documents: Vec<String>,
}

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

/// The confirmation as PDF bytes.
pub fn pdf(c: &Confirmation, t: &Texts) -> Vec<u8> {
    let mut page = Page::new();
    let blue = Rgb::new(0.043, 0.239, 0.569, None);
    page.rect(0.0, PAGE_H - 28.0, PAGE_W, 28.0, blue);
    page.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(1.0, 1.0, 1.0, None)) });
    page.text_fitted(
        LEFT,
        PAGE_H - 14.0,
        FULL_WIDTH,
        20.0,
        12.0,
        true,
        &t.t("page.confirm_title").to_uppercase(),
    );
    page.text_fitted(LEFT, PAGE_H - 22.0, FULL_WIDTH, 11.0, 7.0, false, &c.office_name);
    page.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)) });

    page.paragraph(LEFT, PAGE_H - 38.0, FULL_WIDTH, 11.0, false, 5.0, t.t("page.confirm_lead"));
    let qr_top = PAGE_H - 50.0;
    page.qr(&c.qr_text, (PAGE_W - 80.0) / 2.0, qr_top, 80.0);
    page.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)) });
    page.paragraph(LEFT, qr_top - 90.0, LABEL_WIDTH, 11.0, false, 5.0, t.t("page.booking_code"));
    page.text_fitted(VALUES, qr_top - 90.0, VALUE_WIDTH, 22.0, 11.0, true, &c.booking_code);

    let mut y = qr_top - 104.0;
    for (label, value) in [
        (t.t("page.service"), c.service_name.as_str()),
        (t.t("page.date"), c.date.as_str()),
        (t.t("page.slot"), c.slot.as_str()),
        (t.t("page.name_short"), c.name.as_str()),
        (t.t("page.office"), c.office_name.as_str()),
        ("Status", c.state.as_str()),
    ] {
        let label_end = page.paragraph(LEFT, y, LABEL_WIDTH, 11.0, false, 5.0, label);
        let mut value_end = page.paragraph(VALUES, y, VALUE_WIDTH, 11.0, true, 5.0, value);
        if label == t.t("page.office") {
            value_end =
                page.paragraph(VALUES, value_end - 1.0, VALUE_WIDTH, 10.0, false, 5.0, &c.office_address);
        }
        y = label_end.min(value_end) - 2.0;
    }
    y -= 3.0;
    y = page.paragraph(LEFT, y, FULL_WIDTH, 12.0, true, 5.5, &c.arrive) - 6.5;
    y = page.paragraph(LEFT, y, FULL_WIDTH, 12.0, true, 5.5, t.t("page.documents")) - 1.5;
    for document in &c.documents {
        y = page.paragraph(LEFT + 4.0, y, FULL_WIDTH - 4.0, 11.0, false, 5.0, &format!("- {document}")) - 1.5;
    }
    save(&format!("{} {}", t.t("page.confirm_title"), c.booking_code), PAGE_W, PAGE_H, vec![page])
}
