//! The period's SKM report as a PDF laid out as the published report: the respondents and
//! the least sample, their profile, the table of the nine elements with their means and a
//! chart, the index and its grade overall and per service, and the complaints with what was
//! done about them. A4, the PDF's built-in Helvetica (Indonesian needs no other letters).

use antrian_proto::pdf::{Page, printable, save, wrap_to_width};
use antrian_rules::skm::ELEMENTS;
use printpdf::Rgb;

use super::{SkmReport, decimal};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 20.0;
const WIDTH: f32 = PAGE_W - 2.0 * LEFT;

fn blue() -> Rgb {
    Rgb::new(0.043, 0.239, 0.569, None)
}

fn black() -> Rgb {
    Rgb::new(0.0, 0.0, 0.0, None)
}

fn grey() -> Rgb {
    Rgb::new(0.85, 0.87, 0.9, None)
}

fn heading(page: &mut Page, y: f32, text: &str) -> f32 {
    page.fill(blue());
    page.text(LEFT, y, 12.0, true, text);
    page.fill(black());
    y - 7.0
}

/// Cells at `columns` (mm from the left margin), cut to fit before the next column.
fn row(page: &mut Page, columns: &[f32], y: f32, bold: bool, cells: &[String]) {
    let ends = columns.iter().skip(1).copied().chain(std::iter::once(WIDTH));
    for ((x, end), text) in columns.iter().zip(ends).zip(cells) {
        page.text_fitted(LEFT + x, y, end - x - 2.0, 9.0, 6.0, bold, &printable(text));
    }
}

fn state_words(state: &str) -> &'static str {
    match state {
        "new" => "Baru",
        "in_progress" => "Sedang ditangani",
        "answered" => "Sudah dijawab",
        _ => "-",
    }
}

/// The report as PDF bytes.
pub fn render(report: &SkmReport) -> Vec<u8> {
    let mut first = Page::new();
    first.rect(0.0, PAGE_H - 30.0, PAGE_W, 30.0, blue());
    first.fill(Rgb::new(1.0, 1.0, 1.0, None));
    first.text(LEFT, PAGE_H - 11.0, 15.0, true, "LAPORAN SURVEI KEPUASAN MASYARAKAT (SKM)");
    first.text_fitted(LEFT, PAGE_H - 18.0, WIDTH, 10.0, 6.0, false, &printable(&report.office));
    first.text(
        LEFT,
        PAGE_H - 25.0,
        10.0,
        false,
        &format!(
            "Periode {} ({} s.d. {}) - PermenPAN-RB No. 14 Tahun 2017",
            report.period.words(false),
            report.period.from.format("%d-%m-%Y"),
            report.period.to.format("%d-%m-%Y")
        ),
    );
    first.fill(black());
    let mut y = heading(&mut first, PAGE_H - 40.0, "I. Responden");
    let responses = report.responses();
    let enough = responses > 0 && responses as u64 >= report.minimum_sample;
    first.text(
        LEFT,
        y,
        10.0,
        false,
        &format!(
            "Pengguna layanan (tiket selesai): {}   Sampel minimum (Krejcie-Morgan): {}   Responden: {} ({})",
            report.served,
            report.minimum_sample,
            responses,
            if enough { "memenuhi" } else { "belum memenuhi" }
        ),
    );
    y -= 10.0;
    y = heading(&mut first, y, "II. Profil responden");
    let groups = [
        ("Umur", &report.age),
        ("Jenis kelamin", &report.sex),
        ("Pendidikan", &report.education),
        ("Pekerjaan", &report.occupation),
    ];
    // Two groups side by side, twice.
    for pair in groups.chunks(2) {
        let mut bottom = y;
        for (i, (title, breakdown)) in pair.iter().enumerate() {
            let x = i as f32 * (WIDTH / 2.0);
            let mut line = y;
            first.text(LEFT + x, line, 9.5, true, title);
            for (_, words, count) in breakdown.iter() {
                line -= 4.6;
                let share = if responses > 0 { *count as f64 * 100.0 / responses as f64 } else { 0.0 };
                first.text_fitted(LEFT + x, line, 50.0, 8.5, 6.0, false, &printable(words));
                first.text(
                    LEFT + x + 52.0,
                    line,
                    8.5,
                    false,
                    &format!("{count} ({}%)", decimal(share, 1, true)),
                );
            }
            bottom = bottom.min(line);
        }
        y = bottom - 7.0;
    }
    y = heading(&mut first, y, "III. Nilai per unsur pelayanan");
    let columns = [0.0, 10.0, 90.0, 110.0, 140.0];
    row(
        &mut first,
        &columns,
        y,
        true,
        &["No".into(), "Unsur".into(), "NRR".into(), "NRR x 1/9".into(), "Nilai".into()],
    );
    first.rect(LEFT, y - 1.5, WIDTH, 0.3, black());
    let overall = report.overall.as_ref();
    for (i, element) in ELEMENTS.iter().enumerate() {
        y -= 5.2;
        let nrr = overall.map(|o| o.nrr[i]);
        let bar = nrr.map_or(0.0, |n| (n as f32 / 4.0) * 28.0);
        if overall.is_some_and(|o| o.weakest == element.number) {
            first.rect(LEFT - 1.0, y - 1.4, WIDTH + 2.0, 4.8, grey());
            first.fill(black());
        }
        first.rect(LEFT + 140.0, y - 0.6, bar, 3.0, blue());
        first.fill(black());
        row(
            &mut first,
            &columns,
            y,
            false,
            &[
                format!("U{}", element.number),
                element.name_id.to_owned(),
                nrr.map_or("-".into(), |n| decimal(n, 2, true)),
                nrr.map_or("-".into(), |n| decimal(n / 9.0, 3, true)),
                String::new(),
            ],
        );
    }
    y -= 9.0;
    y = heading(&mut first, y, "IV. Indeks Kepuasan Masyarakat");
    match overall {
        Some(o) => {
            first.text(
                LEFT,
                y,
                14.0,
                true,
                &format!("IKM {}  -  Mutu {} ({})", decimal(o.ikm, 2, true), o.grade, o.grade_name),
            );
            y -= 6.0;
            let weakest = &ELEMENTS[usize::from(o.weakest) - 1];
            first.text(
                LEFT,
                y,
                9.5,
                false,
                &format!(
                    "Unsur terendah: U{} {} (NRR {}), prioritas perbaikan.",
                    weakest.number,
                    weakest.name_id,
                    decimal(o.nrr[usize::from(o.weakest) - 1], 2, true)
                ),
            );
        }
        None => first.text(LEFT, y, 11.0, false, "Belum ada responden pada periode ini."),
    }
    y -= 8.0;
    let columns = [0.0, 60.0, 85.0, 110.0, 135.0];
    row(
        &mut first,
        &columns,
        y,
        true,
        &["Layanan".into(), "Selesai".into(), "Sampel min.".into(), "Responden".into(), "IKM / mutu".into()],
    );
    for (i, s) in report.services.iter().enumerate() {
        y -= 5.2;
        if y < 22.0 {
            let rest = report.services.len() - i;
            first.text(
                LEFT,
                y,
                9.0,
                false,
                &format!("... dan {rest} layanan lagi (lihat CSV / halaman SKM)"),
            );
            break;
        }
        row(
            &mut first,
            &columns,
            y,
            false,
            &[
                s.name.clone(),
                s.served.to_string(),
                s.minimum_sample.to_string(),
                s.index.as_ref().map_or(0, |i| i.responses).to_string(),
                s.index.as_ref().map_or("-".into(), |i| format!("{} {}", decimal(i.ikm, 2, true), i.grade)),
            ],
        );
    }
    first.text(
        LEFT,
        14.0,
        7.5,
        false,
        "IKM = jumlah (NRR x 1/9) x 25. Mutu: A 88,31-100 Sangat Baik; B 76,61-88,30 Baik; C 65,00-76,60 Kurang Baik; D 25,00-64,99 Tidak Baik.",
    );

    let mut pages = vec![first];
    let mut page = Page::new();
    let mut y = heading(&mut page, PAGE_H - 20.0, "V. Pengaduan dan tindak lanjut");
    if report.complaints.is_empty() {
        page.text(LEFT, y, 10.0, false, "Tidak ada pengaduan pada periode ini.");
    }
    // Line by line, a new page whenever one is full: a long complaint and its reply are
    // never cut.
    let mut line = |page: &mut Page, y: &mut f32, size: f32, bold: bool, text: &str| {
        if *y < 20.0 {
            pages.push(std::mem::replace(page, Page::new()));
            *y = PAGE_H - 20.0;
        }
        page.text(LEFT, *y, size, bold, text);
        *y -= 4.6;
    };
    for complaint in &report.complaints {
        let title = printable(&format!(
            "{}  -  layanan {}  -  {}",
            complaint.day.format("%d-%m-%Y"),
            complaint.service,
            state_words(&complaint.state)
        ));
        line(&mut page, &mut y, 9.5, true, &title);
        for text in wrap_to_width(&printable(&format!("Pengaduan: {}", complaint.comment)), WIDTH, 9.0, false)
        {
            line(&mut page, &mut y, 9.0, false, &text);
        }
        let reply =
            if complaint.reply.is_empty() { "(belum ada)".to_owned() } else { complaint.reply.clone() };
        for text in wrap_to_width(&printable(&format!("Tindak lanjut: {reply}")), WIDTH, 9.0, false) {
            line(&mut page, &mut y, 9.0, false, &text);
        }
        y -= 3.0;
    }
    let second = page;
    pages.push(second);
    save(&format!("Laporan SKM {}", report.period.label), PAGE_W, PAGE_H, pages)
}
