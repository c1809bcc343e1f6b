//! Drawing the kiosk from [`KioskState`]. Touch only: big buttons, an on-screen keypad, no
//! text field. Each screen draws the state it is given and returns what was touched as
//! [`Action`]s; it changes nothing itself, and never waits for anything.

use antrian_proto::fonts::bold;
use antrian_proto::{ErrorCode, RefusalDetail, Ticket};
use eframe::egui::{self, Align, Color32, CornerRadius, Layout, RichText, Stroke, Ui, Vec2};

use crate::state::{Action, Field, KioskState, Notice, PrintState, Screen, ready_to_submit};
use crate::texts::{Lang, Texts, error_sentence};

const BLUE: Color32 = Color32::from_rgb(11, 61, 145);
const BLUE_DARK: Color32 = Color32::from_rgb(6, 36, 92);
const YELLOW: Color32 = Color32::from_rgb(255, 204, 0);
const GREEN: Color32 = Color32::from_rgb(10, 125, 56);
const RED: Color32 = Color32::from_rgb(176, 0, 32);
const INK: Color32 = Color32::from_rgb(20, 24, 32);
const MUTED: Color32 = Color32::from_rgb(80, 88, 104);
pub const PAPER: Color32 = Color32::from_rgb(245, 247, 250);

/// Draws the whole screen; `hub_url` is shown in small print for the officer when the hub
/// is away. Returns what the applicant touched.
pub fn draw(ui: &mut Ui, state: &KioskState, hub_url: &str) -> Vec<Action> {
    fit_to_screen(ui.ctx());
    let mut actions = Vec::new();
    let t = state.lang.texts();
    top_bar(ui, state, &mut actions);
    ui.add_space(16.0);
    if let Some(Notice::PartialScan) = state.notice {
        ui.vertical_centered(|ui| {
            egui::Frame::new().fill(YELLOW).inner_margin(16.0).corner_radius(10.0).show(ui, |ui| {
                ui.label(bold(t.partial_scan, 32.0).color(INK));
            });
        });
        ui.add_space(12.0);
    }
    match &state.screen {
        Screen::Working { .. } => centred_message(ui, t.working, BLUE),
        Screen::Unreachable { reason } => offline(ui, t, hub_url, reason),
        Screen::Welcome | Screen::Manual { .. } | Screen::WalkIn if state.offline() => {
            offline(ui, t, hub_url, &state.hub.reason)
        }
        Screen::Welcome if state.hub.online.is_none() => centred_message(ui, t.working, BLUE),
        Screen::Welcome => welcome(ui, t, &mut actions),
        Screen::Manual { code, nik, field } => manual(ui, t, code, nik, *field, &mut actions),
        Screen::WalkIn => walk_in(ui, state, &mut actions),
        Screen::Result { ticket, reprint, print, .. } => result(ui, t, ticket, *reprint, print, &mut actions),
        Screen::Refused { code, detail, back } => {
            refused(ui, state.lang, *code, detail.as_ref(), back, &mut actions)
        }
    }
    actions
}

/// The screens are laid out for at least [`DESIGN_HEIGHT`] points of height; on a lower screen
/// (a 1280×720 or 1366×768 kiosk) everything is scaled down to fit, so the walk-in and
/// booking-code buttons at the bottom of the welcome screen stay on it — never below half
/// size, where the buttons are still 60 px high. A narrower screen needs no scaling: the
/// layouts stack instead.
fn fit_to_screen(ctx: &egui::Context) {
    let zoom = ctx.zoom_factor();
    // The screen's height at zoom 1, whatever zoom is in effect now.
    let height = ctx.content_rect().height() * zoom;
    let wanted = (height / DESIGN_HEIGHT).clamp(0.5, 1.0);
    if (wanted - zoom).abs() > 0.005 {
        ctx.set_zoom_factor(wanted);
    }
}

/// The height, in points, the kiosk's screens are laid out for.
const DESIGN_HEIGHT: f32 = 1000.0;

fn top_bar(ui: &mut Ui, state: &KioskState, actions: &mut Vec<Action>) {
    let name = state.hub.office.as_ref().map_or("Kantor Imigrasi", |o| o.name.as_str()).to_owned();
    ui.horizontal(|ui| {
        // The name wraps beside the language button on a narrow (portrait) screen.
        let name_width = (ui.available_width() - 300.0).max(200.0);
        ui.allocate_ui(Vec2::new(name_width, 80.0), |ui| {
            ui.add(egui::Label::new(bold(name, 30.0).color(BLUE_DARK)).wrap());
        });
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let label = state.lang.texts().switch_language;
            if big_button(ui, label, 24.0, Vec2::new(260.0, 64.0), Color32::WHITE, BLUE).clicked() {
                actions.push(Action::SwitchLanguage);
            }
        });
    });
}

fn welcome(ui: &mut Ui, t: &Texts, actions: &mut Vec<Action>) {
    let width = ui.available_width();
    ui.vertical_centered(|ui| {
        ui.add_space(30.0);
        ui.label(bold(t.welcome_title, 72.0).color(BLUE_DARK));
        ui.add_space(24.0);
        ui.label(bold(t.welcome_scan, 44.0).color(INK));
        ui.add_space(24.0);
        scan_picture(ui, 220.0);
        ui.add_space(12.0);
        ui.label(RichText::new(t.welcome_scan_hint).size(30.0).color(MUTED));
        ui.add_space(48.0);
        // Side by side on a landscape screen, one above the other on a portrait one.
        let stacked = width < 1200.0;
        let size =
            if stacked { Vec2::new(width * 0.8, 130.0) } else { Vec2::new((width * 0.42).min(620.0), 120.0) };
        let mut layout = |ui: &mut Ui| {
            if big_button(ui, t.button_manual, 34.0, size, BLUE, Color32::WHITE).clicked() {
                actions.push(Action::OpenKeypad);
            }
            ui.add_space(30.0);
            if big_button(ui, t.button_walk_in, 34.0, size, BLUE, Color32::WHITE).clicked() {
                actions.push(Action::OpenWalkIn);
            }
        };
        if stacked {
            layout(ui);
        } else {
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - 2.0 * size.x - 30.0) / 2.0).max(0.0));
                layout(ui);
            });
        }
    });
}

fn manual(ui: &mut Ui, t: &Texts, code: &str, nik: &str, field: Field, actions: &mut Vec<Action>) {
    ui.vertical_centered(|ui| {
        ui.label(bold(t.manual_title, 40.0).color(INK));
        ui.add_space(8.0);
        ui.label(RichText::new(t.manual_hint).size(24.0).color(MUTED));
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - 1000.0) / 2.0).max(0.0));
            if entry_box(ui, t.manual_code, code, field == Field::Code, 600.0).clicked() {
                actions.push(Action::SelectField(Field::Code));
            }
            ui.add_space(20.0);
            if entry_box(ui, t.manual_nik, nik, field == Field::Nik, 380.0).clicked() {
                actions.push(Action::SelectField(Field::Nik));
            }
        });
        ui.add_space(20.0);
        let rows: &[&str] = if field == Field::Code {
            &["1234567890", "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ"]
        } else {
            &["123", "456", "789", "0"]
        };
        for row in rows {
            ui.horizontal(|ui| {
                let keys = row.chars().count() as f32;
                ui.add_space(((ui.available_width() - keys * 104.0) / 2.0).max(0.0));
                for key in row.chars() {
                    if big_button(ui, &key.to_string(), 40.0, Vec2::splat(96.0), Color32::WHITE, INK)
                        .clicked()
                    {
                        actions.push(Action::Key(key));
                    }
                }
                if *row == "0" || *row == "UVWXYZ" {
                    ui.add_space(16.0);
                    if big_button(ui, t.key_delete, 30.0, Vec2::new(180.0, 96.0), Color32::WHITE, RED)
                        .clicked()
                    {
                        actions.push(Action::Delete);
                    }
                    if big_button(ui, t.key_clear, 30.0, Vec2::new(220.0, 96.0), Color32::WHITE, RED)
                        .clicked()
                    {
                        actions.push(Action::Clear);
                    }
                }
            });
        }
        ui.add_space(24.0);
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - 900.0) / 2.0).max(0.0));
            if big_button(ui, t.button_back, 34.0, Vec2::new(300.0, 110.0), Color32::WHITE, BLUE).clicked() {
                actions.push(Action::Back);
            }
            ui.add_space(30.0);
            let button = ui.add_enabled_ui(ready_to_submit(code, nik), |ui| {
                big_button(ui, t.button_submit, 34.0, Vec2::new(570.0, 110.0), GREEN, Color32::WHITE)
            });
            if button.inner.clicked() {
                actions.push(Action::Submit);
            }
        });
    });
}

fn walk_in(ui: &mut Ui, state: &KioskState, actions: &mut Vec<Action>) {
    let t = state.lang.texts();
    let services = state.walk_in_services();
    ui.vertical_centered(|ui| {
        ui.label(bold(t.walk_in_title, 52.0).color(INK));
        ui.label(RichText::new(t.walk_in_hint).size(28.0).color(MUTED));
        ui.add_space(30.0);
        if services.is_empty() {
            ui.label(RichText::new(t.walk_in_none).size(32.0).color(INK));
        }
        let width = (ui.available_width() * 0.8).min(1100.0);
        for service in &services {
            let name = if state.lang == Lang::En { &service.name_en } else { &service.name };
            let label = if service.priority {
                format!("{}  {name}\n{}", service.id, t.walk_in_priority_hint)
            } else {
                format!("{}  {name}", service.id)
            };
            let fill = if service.priority { YELLOW } else { BLUE };
            let text = if service.priority { INK } else { Color32::WHITE };
            if big_button(ui, &label, 38.0, Vec2::new(width, 130.0), fill, text).clicked() {
                actions.push(Action::ChooseService(service.id.clone()));
            }
            ui.add_space(20.0);
        }
        ui.add_space(20.0);
        if big_button(ui, t.button_back, 34.0, Vec2::new(300.0, 100.0), Color32::WHITE, BLUE).clicked() {
            actions.push(Action::Back);
        }
    });
}

fn result(
    ui: &mut Ui,
    t: &Texts,
    ticket: &Ticket,
    reprint: bool,
    print: &PrintState,
    actions: &mut Vec<Action>,
) {
    let height = ui.available_height();
    ui.vertical_centered(|ui| {
        if reprint {
            egui::Frame::new().fill(YELLOW).inner_margin(12.0).corner_radius(8.0).show(ui, |ui| {
                ui.label(bold(t.result_reprint, 30.0).color(INK));
            });
        }
        ui.label(RichText::new(t.result_title).size(44.0).color(INK));
        ui.label(bold(&ticket.number, (height * 0.25).clamp(120.0, 300.0)).color(BLUE_DARK));
        ui.label(
            RichText::new(format!("{} - {}", ticket.service_name, ticket.stage_name)).size(36.0).color(INK),
        );
        ui.add_space(10.0);
        ui.label(RichText::new(t.result_wait_at).size(30.0).color(INK));
        ui.add_space(16.0);
        let ahead = if ticket.people_ahead == 0 {
            t.result_first.to_owned()
        } else {
            format!("{}: {} {}", t.result_ahead, ticket.people_ahead, t.result_people)
        };
        ui.label(bold(ahead, 40.0).color(INK));
        if ticket.people_ahead > 0 {
            ui.label(
                RichText::new(format!("{}: {} {}", t.result_eta, ticket.eta_minutes, t.result_minutes))
                    .size(34.0)
                    .color(INK),
            );
        }
        ui.add_space(20.0);
        let (text, color) = match print {
            PrintState::Printing => (t.printing.to_owned(), BLUE),
            PrintState::Printed => (format!("{}. {}", t.printed, t.result_phone), GREEN),
            PrintState::Failed(_) => (t.print_failed.to_owned(), RED),
            PrintState::NoPrinter => (t.no_printer.to_owned(), INK),
        };
        ui.label(bold(text, 32.0).color(color));
        ui.add_space(30.0);
        if big_button(ui, t.button_done, 36.0, Vec2::new(360.0, 110.0), BLUE, Color32::WHITE).clicked() {
            actions.push(Action::Done);
        }
    });
}

fn refused(
    ui: &mut Ui,
    lang: Lang,
    code: ErrorCode,
    detail: Option<&RefusalDetail>,
    back: &Screen,
    actions: &mut Vec<Action>,
) {
    let t = lang.texts();
    let sentence = error_sentence(lang, code, detail);
    ui.vertical_centered(|ui| {
        ui.add_space(40.0);
        warning_sign(ui, 120.0);
        ui.label(bold(t.error_title, 56.0).color(RED));
        ui.add_space(20.0);
        ui.label(bold(&sentence.what, 42.0).color(INK));
        ui.add_space(16.0);
        ui.label(RichText::new(&sentence.next).size(34.0).color(INK));
        ui.add_space(50.0);
        ui.horizontal(|ui| {
            let retry = matches!(back, Screen::Manual { .. } | Screen::WalkIn);
            let width = if retry { 760.0 } else { 360.0 };
            ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
            if retry {
                if big_button(ui, t.button_retry, 34.0, Vec2::new(360.0, 110.0), BLUE, Color32::WHITE)
                    .clicked()
                {
                    actions.push(Action::Retry);
                }
                ui.add_space(40.0);
            }
            if big_button(ui, t.button_back, 34.0, Vec2::new(360.0, 110.0), Color32::WHITE, BLUE).clicked() {
                actions.push(Action::Back);
            }
        });
    });
}

fn offline(ui: &mut Ui, t: &Texts, hub_url: &str, reason: &str) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        warning_sign(ui, 140.0);
        ui.label(bold(t.offline_title, 52.0).color(RED));
        ui.add_space(24.0);
        ui.label(bold(t.offline_body, 40.0).color(INK));
        ui.add_space(16.0);
        ui.label(RichText::new(t.offline_retrying).size(30.0).color(MUTED));
        ui.add_space(60.0);
        // For the officer who comes over.
        ui.label(RichText::new(format!("Hub: {hub_url}  ({reason})")).size(18.0).color(MUTED));
    });
}

/// A big touch button: `fill` background, `text` colour.
fn big_button(
    ui: &mut Ui,
    label: &str,
    size: f32,
    min: Vec2,
    fill: Color32,
    text: Color32,
) -> egui::Response {
    let stroke = if fill == Color32::WHITE { Stroke::new(3.0, text) } else { Stroke::NONE };
    ui.add(
        egui::Button::new(bold(label, size).color(text))
            .fill(fill)
            .stroke(stroke)
            .corner_radius(CornerRadius::same(14))
            .min_size(min),
    )
}

/// A box showing what was typed on the keypad; touching it selects it.
fn entry_box(ui: &mut Ui, label: &str, value: &str, selected: bool, width: f32) -> egui::Response {
    let stroke = if selected { Stroke::new(5.0, BLUE) } else { Stroke::new(2.0, MUTED) };
    let inner =
        egui::Frame::new().fill(Color32::WHITE).stroke(stroke).corner_radius(10.0).inner_margin(14.0).show(
            ui,
            |ui| {
                ui.set_width(width);
                ui.label(RichText::new(label).size(24.0).color(MUTED));
                let shown = if value.is_empty() { " ".to_owned() } else { value.to_owned() };
                ui.label(bold(shown, 56.0).monospace().color(INK));
            },
        );
    inner.response.interact(egui::Sense::click())
}

fn centred_message(ui: &mut Ui, text: &str, color: Color32) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.35);
        ui.label(bold(text, 52.0).color(color));
        ui.add(egui::Spinner::new().size(80.0).color(color));
    });
}

/// A QR code above a downward arrow: "hold it under the scanner".
fn scan_picture(ui: &mut Ui, size: f32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(size, size * 1.3), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let qr = egui::Rect::from_min_size(rect.min + Vec2::new(size * 0.2, 0.0), Vec2::splat(size * 0.6));
    painter.rect_filled(qr, 6.0, Color32::WHITE);
    painter.rect_stroke(qr, 6.0, Stroke::new(4.0, INK), egui::StrokeKind::Inside);
    let cell = qr.width() / 7.0;
    for (x, y) in [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0)] {
        let finder = egui::Rect::from_min_size(
            qr.min + Vec2::new(x * cell + 6.0, y * cell + 6.0),
            Vec2::splat(cell * 2.6),
        );
        painter.rect_filled(finder, 2.0, INK);
    }
    painter.rect_filled(
        egui::Rect::from_min_size(qr.min + Vec2::splat(cell * 4.2), Vec2::splat(cell * 1.6)),
        2.0,
        INK,
    );
    let top = qr.bottom() + size * 0.08;
    let centre = rect.center().x;
    let shaft = egui::Rect::from_min_max(
        egui::pos2(centre - size * 0.06, top),
        egui::pos2(centre + size * 0.06, top + size * 0.28),
    );
    painter.rect_filled(shaft, 0.0, YELLOW);
    painter.add(egui::Shape::convex_polygon(
        vec![
            egui::pos2(centre - size * 0.18, shaft.bottom()),
            egui::pos2(centre + size * 0.18, shaft.bottom()),
            egui::pos2(centre, rect.bottom()),
        ],
        YELLOW,
        Stroke::NONE,
    ));
}

/// A red triangle with an exclamation mark, drawn (no font needed).
fn warning_sign(ui: &mut Ui, size: f32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(size), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.add(egui::Shape::convex_polygon(
        vec![
            egui::pos2(rect.center().x, rect.top()),
            egui::pos2(rect.right(), rect.bottom()),
            egui::pos2(rect.left(), rect.bottom()),
        ],
        RED,
        Stroke::NONE,
    ));
    let x = rect.center().x;
    painter.rect_filled(
        egui::Rect::from_min_max(
            egui::pos2(x - size * 0.05, rect.top() + size * 0.3),
            egui::pos2(x + size * 0.05, rect.top() + size * 0.7),
        ),
        2.0,
        Color32::WHITE,
    );
    painter.circle_filled(egui::pos2(x, rect.top() + size * 0.84), size * 0.06, Color32::WHITE);
}
