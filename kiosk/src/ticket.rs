//! The queue ticket: a PDF for an 80 mm thermal roll (72 mm printable), as long as its content.
//! Office, the number very large, service and first stage, date and time, people ahead and the
//! estimated wait, a QR code to the ticket's live status page, the footer; "CETAK ULANG" on a
//! reprint.

use antrian_proto::Ticket;
use antrian_proto::pdf::{self, Page};
use chrono::{DateTime, FixedOffset};
use printpdf::Rgb;

/// Paper width of the roll, mm.
pub const WIDTH_MM: f32 = 80.0;
/// What the printer prints of it: 72 mm, centred. Every line is measured against it, in the
/// font it is drawn in, and wrapped (or, for the number, shrunk) to fit.
pub const PRINTABLE_MM: f32 = 72.0;
const CENTRE: f32 = WIDTH_MM / 2.0;

/// What goes on one ticket besides the ticket itself.
#[derive(Debug, Clone)]
pub struct TicketPrint<'a> {
    pub ticket: &'a Ticket,
    /// The office name at the top.
    pub header: &'a str,
    pub footer: &'a str,
    /// A second print of a ticket already issued.
    pub reprint: bool,
    /// When it is printed (shown on a reprint).
    pub printed_at: DateTime<FixedOffset>,
}

/// The ticket as PDF bytes.
pub fn render(print: &TicketPrint<'_>) -> Vec<u8> {
    // Lay out once to learn the length, then for real from the top of a page that long.
    let height = layout(&mut Page::new(), 1000.0, print) + 6.0;
    let mut page = Page::new();
    layout(&mut page, height, print);
    pdf::save(&format!("Tiket {}", print.ticket.number), WIDTH_MM, height, vec![page])
}

/// Draws the ticket from the top of a page `height` mm long; returns how far down it went.
fn layout(page: &mut Page, height: f32, print: &TicketPrint<'_>) -> f32 {
    let ticket = print.ticket;
    let black = || Rgb::new(0.0, 0.0, 0.0, None);
    let mut depth = 8.0;
    let line = |page: &mut Page, depth: &mut f32, size: f32, bold: bool, text: &str| {
        for part in pdf::wrap_to_width(text, PRINTABLE_MM, size, bold) {
            *depth += size * 0.42;
            page.text_centred(CENTRE, height - *depth, size, bold, &part);
            *depth += size * 0.18;
        }
    };
    page.fill(black());
    line(page, &mut depth, 11.0, true, &print.header.to_uppercase());
    depth += 2.0;
    page.rect(4.0, height - depth, WIDTH_MM - 8.0, 0.4, black());
    depth += 4.0;
    line(page, &mut depth, 10.0, false, "NOMOR ANTREAN / QUEUE NUMBER");
    depth += 2.0;
    // The number on one line, as large as fits (a service prefix may have up to 4 letters).
    let number_size = pdf::fit_size(&ticket.number, PRINTABLE_MM, 64.0, 24.0, true);
    line(page, &mut depth, number_size, true, &ticket.number);
    if print.reprint {
        depth += 1.0;
        page.rect(14.0, height - depth - 8.0, WIDTH_MM - 28.0, 8.0, black());
        page.fill(Rgb::new(1.0, 1.0, 1.0, None));
        page.text_centred(CENTRE, height - depth - 5.8, 13.0, true, "CETAK ULANG");
        page.fill(black());
        depth += 10.0;
        line(
            page,
            &mut depth,
            8.0,
            false,
            &format!(
                "Dicetak ulang {}",
                print.printed_at.with_timezone(ticket.checked_in_at.offset()).format("%H:%M")
            ),
        );
    }
    if ticket.priority {
        line(page, &mut depth, 12.0, true, "PRIORITAS");
    }
    depth += 2.0;
    line(page, &mut depth, 11.0, true, &ticket.service_name);
    line(page, &mut depth, 10.0, false, &format!("Tahap pertama: {}", ticket.stage_name));
    let at = ticket.checked_in_at;
    line(
        page,
        &mut depth,
        10.0,
        false,
        &format!("{}  {}", antrian_proto::calendar::tanggal(at.date_naive()), at.format("%H:%M")),
    );
    if let Some(slot) = &ticket.slot {
        line(page, &mut depth, 10.0, false, &format!("Jadwal booking: {slot}"));
    }
    depth += 2.0;
    let ahead = if ticket.people_ahead == 0 {
        "Anda berikutnya / You are next".to_owned()
    } else {
        format!("Di depan Anda / Ahead: {} orang", ticket.people_ahead)
    };
    line(page, &mut depth, 11.0, true, &ahead);
    line(
        page,
        &mut depth,
        10.0,
        false,
        &format!("Perkiraan tunggu / Est. wait: {} menit", ticket.eta_minutes),
    );
    depth += 2.0;
    let qr_size = 40.0;
    if page.qr(&ticket.status_url, CENTRE - qr_size / 2.0, height - depth, qr_size) {
        depth += qr_size;
        page.fill(black());
        line(page, &mut depth, 8.0, false, "Pindai untuk memantau antrean di ponsel");
        line(page, &mut depth, 8.0, false, "Scan to follow the queue on your phone");
    }
    depth += 2.0;
    page.rect(4.0, height - depth, WIDTH_MM - 8.0, 0.4, black());
    depth += 3.0;
    line(page, &mut depth, 8.0, false, print.footer);
    depth
}

/// A sample ticket, for `print-test` and the benchmark.
pub fn sample(now: DateTime<FixedOffset>) -> Ticket {
    Ticket {
        id: "contoh".into(),
        number: "A012".into(),
        office: "kanim-jaksel".into(),
        service: "A".into(),
        service_name: "Paspor Baru".into(),
        stage: "berkas".into(),
        stage_name: "Pemeriksaan Berkas".into(),
        state: antrian_proto::TicketState::Waiting,
        priority: false,
        counter: None,
        counter_name: None,
        booking_code: Some("K7M2P9QX4T".into()),
        slot: Some("09:00".into()),
        people_ahead: 4,
        eta_minutes: 12,
        status_url: "http://192.168.1.10:8080/t/CONTOH-TIKET-UJI-CETAK".into(),
        checked_in_at: now,
        called_at: None,
        recall: 0,
        name: None,
    }
}
