//! The daily report as a PDF: the figures and charts (arrivals and calls per hour, the
//! waiting-time distribution per stage, tickets served per counter), A4, drawn with printpdf
//! in the PDF's built-in Helvetica.

use antrian_proto::pdf::{Page, save};
use printpdf::{Color, Op, Rgb};

use super::figures::{WAIT_BINS, service_cells};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 20.0;

/// Where a chart goes on the page: the box whose bottom-left corner is (x, y), in mm.
#[derive(Clone, Copy)]
struct Area {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

/// A simple bar chart: `bars` of (label, values per series), drawn in `area`.
fn bar_chart(page: &mut Page, area: Area, title: &str, legend: &[&str], bars: &[(String, Vec<f32>)]) {
    let Area { x, y, w, h } = area;
    let colors = [
        Rgb::new(0.043, 0.239, 0.569, None),
        Rgb::new(0.949, 0.714, 0.0, None),
        Rgb::new(0.04, 0.49, 0.22, None),
    ];
    let black = || Op::SetFillColor { col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)) };
    page.ops.push(black());
    page.text(x, y + h + 4.0, 11.0, true, title);
    let max = bars.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0f32, f32::max).max(1.0);
    let series = bars.first().map_or(1, |(_, v)| v.len()).max(1);
    let slot = w / bars.len().max(1) as f32;
    let bar = (slot * 0.8) / series as f32;
    page.rect(x, y, w, 0.3, Rgb::new(0.3, 0.3, 0.3, None));
    for (i, (label, values)) in bars.iter().enumerate() {
        for (j, value) in values.iter().enumerate() {
            let height = (value / max) * (h - 8.0);
            let left = x + i as f32 * slot + slot * 0.1 + j as f32 * bar;
            page.rect(left, y, bar * 0.95, height.max(0.0), colors[j % colors.len()].clone());
            if *value > 0.0 {
                page.ops.push(black());
                page.text(left, y + height + 1.0, 6.0, false, &format!("{value}"));
            }
        }
        page.ops.push(black());
        page.text(x + i as f32 * slot + slot * 0.1, y - 4.5, 7.0, false, label);
    }
    for (j, name) in legend.iter().enumerate() {
        let left = x + w - 45.0 + 0.0 * j as f32;
        let top = y + h - j as f32 * 5.0;
        page.rect(left, top, 3.0, 3.0, colors[j % colors.len()].clone());
        page.ops.push(black());
        page.text(left + 5.0, top, 8.0, false, name);
    }
}

/// The daily report as PDF: figures and charts (arrivals and calls per hour, waiting-time
/// distribution per stage, tickets served per counter).
pub fn render(
    report: &antrian_proto::DailyReport,
    office_name: &str,
    waits_per_stage: &[(String, [u32; 6])],
) -> Vec<u8> {
    let mut first = Page::new();
    let blue = Rgb::new(0.043, 0.239, 0.569, None);
    first.rect(0.0, PAGE_H - 24.0, PAGE_W, 24.0, blue);
    first.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(1.0, 1.0, 1.0, None)) });
    first.text(
        LEFT,
        PAGE_H - 12.0,
        16.0,
        true,
        &format!("LAPORAN HARIAN {}", report.date.format("%d-%m-%Y")),
    );
    first.text_fitted(LEFT, PAGE_H - 19.0, PAGE_W - 2.0 * LEFT, 10.0, 6.0, false, office_name);
    first.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)) });
    let a = &report.appointments;
    let mut y = PAGE_H - 34.0;
    first.text(
        LEFT,
        y,
        10.0,
        false,
        &format!(
            "Booking: {} terdaftar, {} hadir, {} tidak hadir, {} batal",
            a.booked, a.checked_in, a.no_show, a.cancelled
        ),
    );
    y -= 9.0;
    let service_columns =
        [LEFT, LEFT + 55.0, LEFT + 72.0, LEFT + 89.0, LEFT + 106.0, LEFT + 123.0, LEFT + 140.0, LEFT + 155.0];
    let header = ["Layanan", "Nomor", "Walk-in", "Booking", "Selesai", "T.hadir", "Batal", "Ditutup"];
    table_row(&mut first, &service_columns, y, true, header.map(String::from));
    for s in &report.services {
        y -= 5.5;
        table_row(
            &mut first,
            &service_columns,
            y,
            false,
            std::iter::once(s.name.clone()).chain(service_cells(s)),
        );
    }
    y -= 10.0;
    let stage_columns = [LEFT, LEFT + 45.0, LEFT + 62.0, LEFT + 79.0, LEFT + 125.0];
    let header =
        ["Tahap", "Dilayani", "T.hadir", "Tunggu rata / p50 / p90 / maks", "Layanan rata / p90 (menit)"];
    table_row(&mut first, &stage_columns, y, true, header.map(String::from));
    for s in &report.stages {
        y -= 5.5;
        let cells = [
            s.name.clone(),
            s.served.to_string(),
            s.no_shows.to_string(),
            format!(
                "{:.1} / {:.1} / {:.1} / {:.1}",
                s.waiting.mean, s.waiting.p50, s.waiting.p90, s.waiting.max
            ),
            format!("{:.1} / {:.1}", s.service_time.mean, s.service_time.p90),
        ];
        table_row(&mut first, &stage_columns, y, false, cells);
    }
    let hours: Vec<(String, Vec<f32>)> = report
        .hours
        .iter()
        .map(|h| (format!("{:02}", h.hour), vec![h.arrivals as f32, h.calls as f32]))
        .collect();
    bar_chart(
        &mut first,
        Area { x: LEFT, y: 95.0, w: PAGE_W - 2.0 * LEFT, h: 60.0 },
        "Kedatangan dan panggilan per jam",
        &["kedatangan", "panggilan"],
        &hours,
    );
    let counters: Vec<(String, Vec<f32>)> =
        report.counters.iter().map(|c| (c.counter.clone(), vec![c.served as f32])).collect();
    bar_chart(
        &mut first,
        Area { x: LEFT, y: 20.0, w: PAGE_W - 2.0 * LEFT, h: 55.0 },
        "Dilayani per loket",
        &["dilayani"],
        &counters,
    );

    let mut second = Page::new();
    for (i, (name, counts)) in waits_per_stage.iter().enumerate() {
        let bars: Vec<(String, Vec<f32>)> =
            WAIT_BINS.iter().zip(counts).map(|(b, c)| (b.to_string(), vec![*c as f32])).collect();
        let top = PAGE_H - 30.0 - i as f32 * 85.0;
        bar_chart(
            &mut second,
            Area { x: LEFT, y: top - 60.0, w: PAGE_W - 2.0 * LEFT, h: 55.0 },
            &format!("Waktu tunggu (menit): {name}"),
            &["tiket"],
            &bars,
        );
    }
    save(&format!("Laporan harian {}", report.date), PAGE_W, PAGE_H, vec![first, second])
}

/// One row of a table whose columns start at `columns` (mm): each cell at 9 pt, shrunk (to
/// 6 pt) or cut to end 2 mm before the next column, so neighbouring cells never run together.
fn table_row(page: &mut Page, columns: &[f32], y: f32, bold: bool, cells: impl IntoIterator<Item = String>) {
    let ends = columns.iter().skip(1).copied().chain(std::iter::once(PAGE_W - LEFT));
    for ((x, end), text) in columns.iter().zip(ends).zip(cells) {
        page.text_fitted(*x, y, end - x - 2.0, 9.0, 6.0, bold, &text);
    }
}
