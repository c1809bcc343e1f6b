//! Drawing helpers for the PDFs of the hub (booking confirmation, reports) and the kiosk
//! (queue tickets), on printpdf with the PDF's built-in Helvetica: no font files to ship,
//! text kept to the characters that font shows. QR codes are drawn as vector squares, so they
//! stay sharp on any printer.

use printpdf::{
    BuiltinFont, Color, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Only characters the built-in fonts show reliably.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '–' | '—' => '-',
            '…' => '.',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect()
}

/// Widths in Helvetica of A–Z and a–z, regular and bold, in 1/1000 em (Adobe's AFM files).
const UPPER: [u16; 26] = [
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611,
];
const UPPER_BOLD: [u16; 26] = [
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611,
];
const LOWER: [u16; 26] = [
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556,
    500, 722, 500, 500, 500,
];
const LOWER_BOLD: [u16; 26] = [
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611,
    556, 778, 556, 556, 500,
];

/// Width of one character in Helvetica, in 1/1000 em.
fn advance(c: char, bold: bool) -> u32 {
    let width = match c {
        'A'..='Z' => (if bold { UPPER_BOLD } else { UPPER })[(c as u8 - b'A') as usize],
        'a'..='z' => (if bold { LOWER_BOLD } else { LOWER })[(c as u8 - b'a') as usize],
        '0'..='9' => 556,
        ' ' | '.' | ',' | ':' | ';' | '/' | '\'' => 278,
        '-' | '(' | ')' => 333,
        _ => 584,
    };
    u32::from(width)
}

/// The width of `text` in mm at `size` points.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = printable(text).chars().map(|c| advance(c, bold)).sum();
    units as f32 / 1000.0 * size / PT_PER_MM
}

/// One page being drawn; coordinates in mm from the bottom-left corner.
#[derive(Debug, Default)]
pub struct Page {
    pub ops: Vec<Op>,
}

impl Page {
    pub fn new() -> Self {
        Page::default()
    }

    /// Text with its baseline starting at (x, y).
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { BuiltinFont::HelveticaBold } else { BuiltinFont::Helvetica };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor { pos: Point::new(Mm(x), Mm(y)) },
            Op::SetFont { font: PdfFontHandle::Builtin(font), size: Pt(size) },
            Op::ShowText { items: vec![TextItem::Text(printable(text))] },
            Op::EndTextSection,
        ]);
    }

    /// `text` from its first baseline at (x, y) downward, in lines that fit `width` mm,
    /// `leading` mm apart; returns the baseline after the last line.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        size: f32,
        bold: bool,
        leading: f32,
        text: &str,
    ) -> f32 {
        let mut y = y;
        for line in wrap_to_width(text, width, size, bold) {
            self.text(x, y, size, bold, &line);
            y -= leading;
        }
        y
    }

    /// One line of `text` at (x, y), at `size` or smaller (down to `min`) so that it fits
    /// `width` mm.
    #[allow(clippy::too_many_arguments)]
    pub fn text_fitted(&mut self, x: f32, y: f32, width: f32, size: f32, min: f32, bold: bool, text: &str) {
        let size = fit_size(text, width, size, min, bold);
        let shown = truncate_to_width(text, width, size, bold);
        self.text(x, y, size, bold, &shown);
    }

    /// Text centred on `centre`.
    pub fn text_centred(&mut self, centre: f32, y: f32, size: f32, bold: bool, text: &str) {
        let x = centre - text_width(text, size, bold) / 2.0;
        self.text(x.max(0.0), y, size, bold, text);
    }

    /// Sets the colour of what is filled next (text and rectangles).
    pub fn fill(&mut self, color: Rgb) {
        self.ops.push(Op::SetFillColor { col: Color::Rgb(color) });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let point = |x: f32, y: f32| LinePoint { p: Point::new(Mm(x), Mm(y)), bezier: false };
        self.fill(color);
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing {
                    points: vec![point(x, y), point(x + w, y), point(x + w, y + h), point(x, y + h)],
                }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
    }

    /// Draws `text` as a QR code (with its quiet zone) whose top-left corner is at (x, top),
    /// `size` mm wide. Returns false when the text does not fit in a QR code.
    pub fn qr(&mut self, text: &str, x: f32, top: f32, size: f32) -> bool {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) else {
            return false;
        };
        let width = code.width();
        let quiet = 4;
        let module = size / (width + 2 * quiet) as f32;
        let colors = code.to_colors();
        let black = Rgb::new(0.0, 0.0, 0.0, None);
        for row in 0..width {
            let mut column = 0;
            while column < width {
                if colors[row * width + column] == qrcode::Color::Dark {
                    let start = column;
                    while column < width && colors[row * width + column] == qrcode::Color::Dark {
                        column += 1;
                    }
                    let left = x + (quiet + start) as f32 * module;
                    let bottom = top - (quiet + row + 1) as f32 * module;
                    self.rect(left, bottom, (column - start) as f32 * module, module, black.clone());
                } else {
                    column += 1;
                }
            }
        }
        true
    }
}

/// Splits `text` into lines that each fit `width` mm at `size` points, measured in the font
/// they are drawn in; at spaces where it can, and between characters for a word too long for
/// a line of its own.
pub fn wrap_to_width(text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    let fits = |line: &str| text_width(line, size, bold) <= width;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in printable(text).split_whitespace() {
        let joined = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if fits(&joined) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if fits(word) {
            line = word.to_owned();
        } else {
            // A word wider than the line: broken where it has to be.
            for c in word.chars() {
                let longer = format!("{line}{c}");
                if !line.is_empty() && !fits(&longer) {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The largest size from `size` down to `min` (in half points) at which `text` fits `width`
/// mm on one line; `min` if it fits at none.
pub fn fit_size(text: &str, width: f32, size: f32, min: f32, bold: bool) -> f32 {
    let mut size = size;
    while size > min && text_width(text, size, bold) > width {
        size -= 0.5;
    }
    size.max(min)
}

/// `text` cut short (with a final ".") so that it fits `width` mm at `size` points.
pub fn truncate_to_width(text: &str, width: f32, size: f32, bold: bool) -> String {
    let text = printable(text);
    if text_width(&text, size, bold) <= width {
        return text;
    }
    let mut shown = String::new();
    for c in text.chars() {
        if text_width(&format!("{shown}{c}."), size, bold) > width {
            break;
        }
        shown.push(c);
    }
    format!("{}.", shown.trim_end())
}

/// The document's bytes: `pages` of `width` × `height` mm.
pub fn save(title: &str, width: f32, height: f32, pages: Vec<Page>) -> Vec<u8> {
    let mut doc = PdfDocument::new(&printable(title));
    let mut warnings = Vec::new();
    doc.with_pages(pages.into_iter().map(|page| PdfPage::new(Mm(width), Mm(height), page.ops)).collect())
        .save(&PdfSaveOptions::default(), &mut warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_helvetica() {
        // "A001" in bold at 72 pt: A = 722, digits 556 each → 2.39 em → 60.7 mm.
        let width = text_width("A001", 72.0, true);
        assert!((width - 2.39 * 25.4).abs() < 0.5, "{width}");
        assert!(text_width("WWW", 10.0, false) > text_width("iii", 10.0, false) * 3.0);
    }

    #[test]
    fn lines_are_measured_in_their_font_and_never_wider_than_the_paper() {
        let office = "KANTOR IMIGRASI KELAS I KHUSUS TPI JAKARTA SELATAN";
        let lines = wrap_to_width(office, 72.0, 11.0, true);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), office, "every word is kept, in order");
        for line in &lines {
            assert!(text_width(line, 11.0, true) <= 72.0, "{line:?} is wider than 72 mm");
        }
        // A word too long for any line is broken, not left to run off the paper.
        let long = "PENGAMBILANPASPORELEKTRONIKPOLIKARBONATLAYANANPERCEPATAN";
        for line in wrap_to_width(long, 72.0, 11.0, true) {
            assert!(text_width(&line, 11.0, true) <= 72.0, "{line:?}");
        }
        assert_eq!(wrap_to_width("", 72.0, 11.0, true), vec![String::new()]);
        // One line that must stay one line shrinks instead.
        let size = fit_size("ABCD0123", 72.0, 64.0, 24.0, true);
        assert!(size < 64.0 && text_width("ABCD0123", size, true) <= 72.0, "{size}");
        assert_eq!(fit_size("A001", 72.0, 64.0, 24.0, true), 64.0, "what fits keeps its size");
    }

    #[test]
    fn only_helvetica_characters_reach_the_page() {
        assert_eq!(printable("A–B … Ç"), "A-B . ?");
    }
}

/// A QR code as an SVG image for a web page (error correction M, quiet zone, at least 280 px);
/// empty when the text cannot be one.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) {
        Ok(code) => {
            code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(280, 280).quiet_zone(true).build()
        }
        Err(_) => String::new(),
    }
}

// --- The booking confirmation ("Bukti Pendaftaran") -------------------------------------------

mod confirmation {
    //! The booking confirmation as an A4 PDF: the booking QR as vector squares so it stays
    //! sharp at any print size, the booking's facts, the arrival window and what to bring. Its
    //! labels come from the `page.*` texts of the caller's catalogue (`confirm_title`,
    //! `confirm_lead`, `booking_code`, `service`, `date`, `slot`, `name_short`, `office`,
    //! `documents`); the hub and the national service both draw their confirmations here.

    use printpdf::{Color, Op, Rgb};

    use super::{Page, save};
    use crate::i18n::Texts;

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

    /// The confirmation as PDF bytes.
    pub fn confirmation_pdf(c: &Confirmation, t: &Texts) -> Vec<u8> {
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
            y = page.paragraph(LEFT + 4.0, y, FULL_WIDTH - 4.0, 11.0, false, 5.0, &format!("- {document}"))
                - 1.5;
        }
        save(&format!("{} {}", t.t("page.confirm_title"), c.booking_code), PAGE_W, PAGE_H, vec![page])
    }
}

pub use confirmation::{Confirmation, confirmation_pdf};
