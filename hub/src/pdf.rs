//! The "Bukti Pendaftaran" PDF (booking confirmation), A4, drawn with printpdf: the same
//! content as the confirmation page, with the booking QR drawn as vector squares so it stays
//! sharp at any print size. Uses the PDF's built-in Helvetica, so no font files are needed;
//! text is kept to the characters that font can show.

use printpdf::{
    BuiltinFont, Color, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

use crate::i18n::Texts;
use crate::pages::Confirmation;

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 20.0;

/// Only characters the built-in fonts show reliably.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '–' | '—' => '-',
            '…' => '.',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect()
}

struct Page {
    ops: Vec<Op>,
}

impl Page {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { BuiltinFont::HelveticaBold } else { BuiltinFont::Helvetica };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor { pos: Point::new(Mm(x), Mm(y)) },
            Op::SetFont { font: PdfFontHandle::Builtin(font), size: Pt(size) },
            Op::ShowText { items: vec![TextItem::Text(printable(text))] },
            Op::EndTextSection,
        ]);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let point = |x: f32, y: f32| LinePoint { p: Point::new(Mm(x), Mm(y)), bezier: false };
        self.ops.push(Op::SetFillColor { col: Color::Rgb(color) });
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

    /// Draws `text` as a QR code with its top-left corner at (x, top), `size` mm wide.
    fn qr(&mut self, text: &str, x: f32, top: f32, size: f32) {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) else { return };
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
    }
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The confirmation as PDF bytes.
pub fn confirmation_pdf(c: &Confirmation, t: &Texts) -> Vec<u8> {
    let mut page = Page { ops: Vec::new() };
    let blue = Rgb::new(0.043, 0.239, 0.569, None);
    page.rect(0.0, PAGE_H - 28.0, PAGE_W, 28.0, blue);
    page.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(1.0, 1.0, 1.0, None)) });
    page.text(LEFT, PAGE_H - 14.0, 20.0, true, &t.t("page.confirm_title").to_uppercase());
    page.text(LEFT, PAGE_H - 22.0, 11.0, false, &c.office_name);
    page.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)) });

    page.text(LEFT, PAGE_H - 42.0, 11.0, false, t.t("page.confirm_lead"));
    let qr_top = PAGE_H - 50.0;
    page.qr(&c.qr_text, (PAGE_W - 80.0) / 2.0, qr_top, 80.0);
    page.ops.push(Op::SetFillColor { col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)) });
    page.text(LEFT, qr_top - 90.0, 11.0, false, t.t("page.booking_code"));
    page.text(LEFT + 50.0, qr_top - 90.0, 22.0, true, &c.booking_code);

    let mut y = qr_top - 104.0;
    for (label, value) in [
        (t.t("page.service"), c.service_name.as_str()),
        (t.t("page.date"), c.date.as_str()),
        (t.t("page.slot"), c.slot.as_str()),
        (t.t("page.name_short"), c.name.as_str()),
        (t.t("page.office"), c.office_name.as_str()),
        ("Status", c.state.as_str()),
    ] {
        page.text(LEFT, y, 11.0, false, label);
        page.text(LEFT + 50.0, y, 11.0, true, value);
        y -= 7.0;
        if label == t.t("page.office") {
            for line in wrap(&c.office_address, 70) {
                page.text(LEFT + 50.0, y, 10.0, false, &line);
                y -= 6.0;
            }
        }
    }
    y -= 3.0;
    page.text(LEFT, y, 12.0, true, &c.arrive);
    y -= 12.0;
    page.text(LEFT, y, 12.0, true, t.t("page.documents"));
    y -= 7.0;
    for document in &c.documents {
        page.text(LEFT + 4.0, y, 11.0, false, &format!("- {document}"));
        y -= 6.5;
    }
    let mut doc = PdfDocument::new(&format!("{} {}", t.t("page.confirm_title"), c.booking_code));
    let mut warnings = Vec::new();
    doc.with_pages(vec![PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), page.ops)])
        .save(&PdfSaveOptions::default(), &mut warnings)
}
