//! The kiosk's screens. Touch only: big buttons, an on-screen keypad, no text field. The
//! state is plain data and every network or printer call goes through the worker, so a frame
//! never waits.

use std::time::Duration;

use antrian_proto::fonts::{self, bold};
use antrian_proto::{ErrorCode, Office, RefusalDetail, ServiceInfo, Ticket};
use eframe::egui::{self, Align, Color32, CornerRadius, Layout, RichText, Stroke, Ui, Vec2};

use crate::config::{KioskConfig, PrinterTarget};
use crate::scanner::Scanner;
use crate::texts::{Lang, Texts, error_sentence};
use crate::worker::{Job, Outcome, WorkerHandle};

const BLUE: Color32 = Color32::from_rgb(11, 61, 145);
const BLUE_DARK: Color32 = Color32::from_rgb(6, 36, 92);
const YELLOW: Color32 = Color32::from_rgb(255, 204, 0);
const GREEN: Color32 = Color32::from_rgb(10, 125, 56);
const RED: Color32 = Color32::from_rgb(176, 0, 32);
const INK: Color32 = Color32::from_rgb(20, 24, 32);
const MUTED: Color32 = Color32::from_rgb(80, 88, 104);
const PAPER: Color32 = Color32::from_rgb(245, 247, 250);

/// Which keypad box is being filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Code,
    Nik,
}

/// How far the ticket's printing got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintState {
    Printing,
    Printed,
    Failed(String),
    NoPrinter,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Welcome,
    Manual {
        code: String,
        nik: String,
        field: Field,
    },
    WalkIn,
    /// Waiting for the hub's answer to job `seq`; `back` is where "try again" leads.
    Working {
        seq: u64,
        back: Box<Screen>,
    },
    Result {
        seq: u64,
        ticket: Box<Ticket>,
        reprint: bool,
        print: PrintState,
    },
    Refused {
        code: ErrorCode,
        detail: Option<RefusalDetail>,
        back: Box<Screen>,
    },
    /// The hub did not answer a check-in.
    Unreachable {
        reason: String,
    },
}

/// The hub as the kiosk last saw it.
#[derive(Debug, Clone, Default)]
pub struct HubStatus {
    pub office: Option<Office>,
    /// `None` until the first answer; then whether the hub answered.
    pub online: Option<bool>,
    pub reason: String,
}

pub struct KioskApp {
    pub config: KioskConfig,
    pub lang: Lang,
    pub screen: Screen,
    pub hub: HubStatus,
    scanner: Scanner,
    worker: Option<WorkerHandle>,
    /// Scans read by the webcam (feature `camera`).
    camera: Option<std::sync::mpsc::Receiver<String>>,
    /// egui time of the last touch or scan.
    last_activity: f64,
}

impl KioskApp {
    pub fn new(config: KioskConfig) -> KioskApp {
        KioskApp {
            lang: config.language,
            scanner: Scanner::new(config.scan_gap_ms),
            config,
            screen: Screen::Welcome,
            hub: HubStatus::default(),
            worker: None,
            camera: None,
            last_activity: 0.0,
        }
    }

    fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// One frame: take scans and worker news, go back to the start when left alone, draw.
    pub fn ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        fonts::ensure(&ctx);
        if self.worker.is_none() {
            ctx.request_repaint();
            let waker = ctx.clone();
            self.worker = Some(WorkerHandle::start(self.config.clone(), move || waker.request_repaint()));
            self.camera = self.start_camera(&ctx);
            return;
        }
        while let Some(outcome) = self.worker.as_ref().and_then(WorkerHandle::try_recv) {
            self.apply(outcome);
        }
        let now = ctx.input(|i| i.time);
        let mut scans = self.scanner.take_scans(&ctx);
        scans.extend(self.camera.as_ref().into_iter().flat_map(|c| c.try_iter()));
        for scan in scans {
            self.last_activity = now;
            self.start(Job::Scan(scan), Screen::Welcome);
        }
        if ctx.input(|i| i.pointer.any_pressed()) {
            self.last_activity = now;
        }
        let idle = Duration::from_secs_f64((now - self.last_activity).max(0.0));
        let resting = matches!(self.screen, Screen::Welcome | Screen::Working { .. });
        if !resting && idle >= self.config.idle_timeout() {
            self.reset();
        }
        if !resting {
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        egui::Frame::new().fill(PAPER).inner_margin(24.0).show(ui, |ui| {
            ui.set_min_size(ui.available_size());
            self.draw(ui);
        });
    }

    fn start_camera(&self, ctx: &egui::Context) -> Option<std::sync::mpsc::Receiver<String>> {
        if self.config.camera.is_empty() {
            return None;
        }
        #[cfg(feature = "camera")]
        {
            let waker = ctx.clone();
            match crate::camera::start(&self.config.camera, move || waker.request_repaint()) {
                Ok(scans) => return Some(scans),
                Err(error) => {
                    tracing::error!(%error, camera = %self.config.camera, "cannot start the camera")
                }
            }
        }
        #[cfg(not(feature = "camera"))]
        {
            let _ = ctx;
            tracing::error!(
                "camera = {:?} but this kiosk was built without the camera feature",
                self.config.camera
            );
        }
        None
    }

    /// Back to the welcome screen in the configured language.
    pub fn reset(&mut self) {
        self.screen = Screen::Welcome;
        self.lang = self.config.language;
    }

    fn start(&mut self, job: Job, back: Screen) {
        if matches!(self.screen, Screen::Working { .. }) {
            return; // one thing at a time; the scan is dropped, not queued behind the first
        }
        if let Some(worker) = &mut self.worker {
            let seq = worker.send(job);
            self.screen = Screen::Working { seq, back: Box::new(back) };
        }
    }

    /// Takes one report of the worker.
    pub fn apply(&mut self, outcome: Outcome) {
        let waiting_for = match &self.screen {
            Screen::Working { seq, .. } => Some(*seq),
            _ => None,
        };
        match outcome {
            Outcome::Hub(Ok(office)) => {
                self.hub = HubStatus { office: Some(office), online: Some(true), reason: String::new() };
                if matches!(self.screen, Screen::Unreachable { .. }) {
                    self.screen = Screen::Welcome;
                }
            }
            Outcome::Hub(Err(reason)) => {
                self.hub.online = Some(false);
                self.hub.reason = reason;
            }
            Outcome::Ticket { seq, ticket, reprint } if waiting_for == Some(seq) => {
                let print = if self.config.printer_target() == PrinterTarget::None {
                    PrintState::NoPrinter
                } else {
                    PrintState::Printing
                };
                self.screen = Screen::Result { seq, ticket: Box::new(ticket), reprint, print };
            }
            Outcome::Refused { seq, code, detail } if waiting_for == Some(seq) => {
                let back = match std::mem::replace(&mut self.screen, Screen::Welcome) {
                    Screen::Working { back, .. } => back,
                    _ => Box::new(Screen::Welcome),
                };
                self.screen = Screen::Refused { code, detail, back };
            }
            Outcome::Unreachable { seq, reason } if waiting_for == Some(seq) => {
                self.hub.online = Some(false);
                self.screen = Screen::Unreachable { reason };
            }
            Outcome::Printed { seq, result } => {
                if let Screen::Result { seq: shown, print, .. } = &mut self.screen
                    && *shown == seq
                    && *print != PrintState::NoPrinter
                {
                    *print = match result {
                        Ok(_) => PrintState::Printed,
                        Err(reason) => PrintState::Failed(reason),
                    };
                }
            }
            // An answer to a job nobody waits for any more (the screen timed out).
            Outcome::Ticket { .. } | Outcome::Refused { .. } | Outcome::Unreachable { .. } => {}
        }
    }

    /// The walk-in services offered here, in the configured order.
    pub fn walk_in_services(&self) -> Vec<ServiceInfo> {
        let Some(office) = &self.hub.office else { return Vec::new() };
        let offered = office.services.iter().filter(|s| s.walk_in);
        if self.config.walk_in_services.is_empty() {
            offered.cloned().collect()
        } else {
            self.config
                .walk_in_services
                .iter()
                .filter_map(|id| offered.clone().find(|s| &s.id == id).cloned())
                .collect()
        }
    }

    fn draw(&mut self, ui: &mut Ui) {
        let t = self.t();
        let offline = self.hub.online == Some(false);
        self.top_bar(ui);
        ui.add_space(16.0);
        match self.screen.clone() {
            Screen::Working { .. } => centred_message(ui, t.working, BLUE),
            Screen::Unreachable { reason } => self.offline(ui, &reason),
            Screen::Welcome | Screen::Manual { .. } | Screen::WalkIn if offline => {
                let reason = self.hub.reason.clone();
                self.offline(ui, &reason);
            }
            Screen::Welcome if self.hub.online.is_none() => centred_message(ui, t.working, BLUE),
            Screen::Welcome => self.welcome(ui),
            Screen::Manual { code, nik, field } => self.manual(ui, code, nik, field),
            Screen::WalkIn => self.walk_in(ui),
            Screen::Result { ticket, reprint, print, .. } => self.result(ui, &ticket, reprint, &print),
            Screen::Refused { code, detail, back } => self.refused(ui, code, detail.as_ref(), *back),
        }
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        let name = self.hub.office.as_ref().map_or("Kantor Imigrasi", |o| o.name.as_str()).to_owned();
        ui.horizontal(|ui| {
            // The name wraps beside the language button on a narrow (portrait) screen.
            let name_width = (ui.available_width() - 300.0).max(200.0);
            ui.allocate_ui(Vec2::new(name_width, 80.0), |ui| {
                ui.add(egui::Label::new(bold(name, 30.0).color(BLUE_DARK)).wrap());
            });
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if big_button(
                    ui,
                    self.t().switch_language,
                    24.0,
                    Vec2::new(260.0, 64.0),
                    Color32::WHITE,
                    BLUE,
                )
                .clicked()
                {
                    self.lang = self.lang.other();
                }
            });
        });
    }

    fn welcome(&mut self, ui: &mut Ui) {
        let t = self.t();
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
            let size = if stacked {
                Vec2::new(width * 0.8, 130.0)
            } else {
                Vec2::new((width * 0.42).min(620.0), 120.0)
            };
            let mut layout = |ui: &mut Ui| {
                if big_button(ui, t.button_manual, 34.0, size, BLUE, Color32::WHITE).clicked() {
                    self.screen =
                        Screen::Manual { code: String::new(), nik: String::new(), field: Field::Code };
                }
                ui.add_space(30.0);
                if big_button(ui, t.button_walk_in, 34.0, size, BLUE, Color32::WHITE).clicked() {
                    self.screen = Screen::WalkIn;
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

    fn manual(&mut self, ui: &mut Ui, mut code: String, mut nik: String, mut field: Field) {
        let t = self.t();
        let mut submit = false;
        let mut back = false;
        ui.vertical_centered(|ui| {
            ui.label(bold(t.manual_title, 40.0).color(INK));
            ui.add_space(8.0);
            ui.label(RichText::new(t.manual_hint).size(24.0).color(MUTED));
            ui.add_space(16.0);
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - 1000.0) / 2.0).max(0.0));
                if entry_box(ui, t.manual_code, &code, field == Field::Code, 600.0).clicked() {
                    field = Field::Code;
                }
                ui.add_space(20.0);
                if entry_box(ui, t.manual_nik, &nik, field == Field::Nik, 380.0).clicked() {
                    field = Field::Nik;
                }
            });
            ui.add_space(20.0);
            let target = if field == Field::Code { &mut code } else { &mut nik };
            let rows: &[&str] = if field == Field::Code {
                &["1234567890", "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ"]
            } else {
                &["123", "456", "789", "0"]
            };
            let limit = if field == Field::Code { 16 } else { 4 };
            for row in rows {
                ui.horizontal(|ui| {
                    let keys = row.chars().count() as f32;
                    ui.add_space(((ui.available_width() - keys * 104.0) / 2.0).max(0.0));
                    for key in row.chars() {
                        let label = key.to_string();
                        if big_button(ui, &label, 40.0, Vec2::splat(96.0), Color32::WHITE, INK).clicked()
                            && target.len() < limit
                        {
                            target.push(key);
                        }
                    }
                    if *row == "0" || *row == "UVWXYZ" {
                        ui.add_space(16.0);
                        if big_button(ui, t.key_delete, 30.0, Vec2::new(180.0, 96.0), Color32::WHITE, RED)
                            .clicked()
                        {
                            target.pop();
                        }
                        if big_button(ui, t.key_clear, 30.0, Vec2::new(220.0, 96.0), Color32::WHITE, RED)
                            .clicked()
                        {
                            target.clear();
                        }
                    }
                });
            }
            if field == Field::Code && code.len() >= 10 && nik.is_empty() {
                // The usual code is complete: the NIK digits come next.
                field = Field::Nik;
            }
            ui.add_space(24.0);
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - 900.0) / 2.0).max(0.0));
                if big_button(ui, t.button_back, 34.0, Vec2::new(300.0, 110.0), Color32::WHITE, BLUE)
                    .clicked()
                {
                    back = true;
                }
                ui.add_space(30.0);
                let ready = (4..=16).contains(&code.len()) && nik.len() == 4;
                let button = ui.add_enabled_ui(ready, |ui| {
                    big_button(ui, t.button_submit, 34.0, Vec2::new(570.0, 110.0), GREEN, Color32::WHITE)
                });
                if button.inner.clicked() {
                    submit = true;
                }
            });
        });
        if back {
            self.screen = Screen::Welcome;
        } else if submit {
            let screen = Screen::Manual { code: code.clone(), nik: nik.clone(), field };
            self.screen = screen.clone();
            self.start(Job::Code { code, nik_last4: nik }, screen);
        } else {
            self.screen = Screen::Manual { code, nik, field };
        }
    }

    fn walk_in(&mut self, ui: &mut Ui) {
        let t = self.t();
        let services = self.walk_in_services();
        let mut chosen = None;
        let mut back = false;
        ui.vertical_centered(|ui| {
            ui.label(bold(t.walk_in_title, 52.0).color(INK));
            ui.label(RichText::new(t.walk_in_hint).size(28.0).color(MUTED));
            ui.add_space(30.0);
            if services.is_empty() {
                ui.label(RichText::new(t.walk_in_none).size(32.0).color(INK));
            }
            let width = (ui.available_width() * 0.8).min(1100.0);
            for service in &services {
                let name = if self.lang == Lang::En { &service.name_en } else { &service.name };
                let label = if service.priority {
                    format!("{}  {name}\n{}", service.id, t.walk_in_priority_hint)
                } else {
                    format!("{}  {name}", service.id)
                };
                let fill = if service.priority { YELLOW } else { BLUE };
                let text = if service.priority { INK } else { Color32::WHITE };
                if big_button(ui, &label, 38.0, Vec2::new(width, 130.0), fill, text).clicked() {
                    chosen = Some(service.id.clone());
                }
                ui.add_space(20.0);
            }
            ui.add_space(20.0);
            if big_button(ui, t.button_back, 34.0, Vec2::new(300.0, 100.0), Color32::WHITE, BLUE).clicked() {
                back = true;
            }
        });
        if let Some(service) = chosen {
            self.start(Job::WalkIn(service), Screen::WalkIn);
        } else if back {
            self.screen = Screen::Welcome;
        }
    }

    fn result(&mut self, ui: &mut Ui, ticket: &Ticket, reprint: bool, print: &PrintState) {
        let t = self.t();
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
                RichText::new(format!("{} - {}", ticket.service_name, ticket.stage_name))
                    .size(36.0)
                    .color(INK),
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
                self.reset();
            }
        });
    }

    fn refused(&mut self, ui: &mut Ui, code: ErrorCode, detail: Option<&RefusalDetail>, back: Screen) {
        let t = self.t();
        let sentence = error_sentence(self.lang, code, detail);
        let mut next = None;
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
                        next = Some(back.clone());
                    }
                    ui.add_space(40.0);
                }
                if big_button(ui, t.button_back, 34.0, Vec2::new(360.0, 110.0), Color32::WHITE, BLUE)
                    .clicked()
                {
                    next = Some(Screen::Welcome);
                }
            });
        });
        if let Some(screen) = next {
            self.screen = screen;
        }
    }

    fn offline(&mut self, ui: &mut Ui, reason: &str) {
        let t = self.t();
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
            ui.label(
                RichText::new(format!("Hub: {}  ({reason})", self.config.hub_url)).size(18.0).color(MUTED),
            );
        });
    }
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
