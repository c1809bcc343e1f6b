//! Drawing the screen from [`DisplayState`]: made for a 1920×1080 TV read from across the
//! room — the latest number at a fifth of the screen height or more, "Loket 3" beside it,
//! highlighted for a few seconds when new; the recent calls; every counter; waiting counts;
//! the running text; a clear mark when the connection to the hub is lost.

use chrono::{DateTime, FixedOffset};
use eframe::egui::{self, Align, Color32, Layout, RichText, Ui};

use crate::state::DisplayState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
}

struct Palette {
    background: Color32,
    panel: Color32,
    text: Color32,
    muted: Color32,
    accent: Color32,
    highlight: Color32,
}

fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Dark => Palette {
            background: Color32::from_rgb(8, 24, 58),
            panel: Color32::from_rgb(18, 44, 96),
            text: Color32::WHITE,
            muted: Color32::from_rgb(180, 195, 225),
            accent: Color32::from_rgb(255, 204, 0),
            highlight: Color32::from_rgb(255, 204, 0),
        },
        Theme::Light => Palette {
            background: Color32::from_rgb(245, 247, 250),
            panel: Color32::WHITE,
            text: Color32::from_rgb(20, 20, 20),
            muted: Color32::from_rgb(90, 98, 112),
            accent: Color32::from_rgb(11, 61, 145),
            highlight: Color32::from_rgb(255, 214, 10),
        },
    }
}

/// "Rabu, 25 November 2026 09:05"
pub fn clock_text(now: DateTime<FixedOffset>) -> String {
    format!("{} {}", antrian_proto::calendar::tanggal(now.date_naive()), now.format("%H:%M"))
}

/// What the frame needs besides the state.
pub struct Frame<'a> {
    pub state: &'a DisplayState,
    pub now: DateTime<FixedOffset>,
    /// True while the latest call is new (highlighted).
    pub highlight: bool,
    pub running_text: &'a str,
    pub theme: Theme,
}

pub fn draw(ui: &mut Ui, frame: &Frame<'_>) {
    let colors = palette(frame.theme);
    let size = ui.available_size();
    let height = size.y.max(400.0);
    let state = frame.state;
    egui::Frame::new().fill(colors.background).inner_margin(height * 0.015).show(ui, |ui| {
        ui.set_min_size(ui.available_size());
        // Top bar: office, connection, date and time.
        ui.horizontal(|ui| {
            ui.label(RichText::new(&state.office_name).size(height * 0.035).strong().color(colors.text));
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.label(RichText::new(clock_text(frame.now)).size(height * 0.035).color(colors.text));
                if !state.connected {
                    ui.label(
                        RichText::new("  Koneksi terputus - menyambung ulang...  ")
                            .size(height * 0.03)
                            .strong()
                            .color(Color32::WHITE)
                            .background_color(Color32::from_rgb(176, 0, 32)),
                    );
                }
            });
        });
        ui.add_space(height * 0.01);
        let main_height = height * 0.52;
        ui.columns(2, |columns| {
            // The latest call, very large.
            let fill = if frame.highlight { colors.highlight } else { colors.panel };
            let ink = if frame.highlight { Color32::from_rgb(20, 20, 20) } else { colors.text };
            egui::Frame::new().fill(fill).corner_radius(16.0).inner_margin(height * 0.02).show(
                &mut columns[0],
                |ui| {
                    ui.set_min_height(main_height);
                    ui.set_min_width(ui.available_width());
                    ui.vertical_centered(|ui| {
                        ui.label(RichText::new("Nomor Antrian").size(height * 0.045).color(ink));
                        match &state.latest {
                            Some(call) => {
                                // Font size 0.30 of the height: the digits stand over a fifth of the screen.
                                ui.label(RichText::new(&call.number).size(height * 0.30).strong().color(ink));
                                ui.label(
                                    RichText::new(format!("Silakan menuju {}", call.counter_name))
                                        .size(height * 0.06)
                                        .strong()
                                        .color(ink),
                                );
                            }
                            None => {
                                ui.label(RichText::new("-").size(height * 0.30).color(ink));
                            }
                        }
                    });
                },
            );
            // Recent calls.
            egui::Frame::new().fill(colors.panel).corner_radius(16.0).inner_margin(height * 0.02).show(
                &mut columns[1],
                |ui| {
                    ui.set_min_height(main_height);
                    ui.set_min_width(ui.available_width());
                    ui.label(RichText::new("Panggilan terakhir").size(height * 0.035).color(colors.muted));
                    for call in state.recent.iter().skip(1) {
                        ui.horizontal(|ui| {
                            ui.label(
                                RichText::new(&call.number).size(height * 0.06).strong().color(colors.text),
                            );
                            ui.label(
                                RichText::new(format!("   {}", call.counter_name))
                                    .size(height * 0.045)
                                    .color(colors.muted),
                            );
                        });
                    }
                },
            );
        });
        ui.add_space(height * 0.015);
        // Every counter with the number it serves.
        ui.horizontal_wrapped(|ui| {
            for (id, counter) in &state.counters {
                let name = state.counter_names.get(id).cloned().unwrap_or_else(|| format!("Loket {id}"));
                let number = match (&counter.number, counter.state) {
                    (Some(number), _) => number.clone(),
                    (None, antrian_proto::CounterState::Open) => "-".to_owned(),
                    (None, antrian_proto::CounterState::Paused) => "Istirahat".to_owned(),
                    (None, antrian_proto::CounterState::Closed) => "Tutup".to_owned(),
                };
                egui::Frame::new().fill(colors.panel).corner_radius(10.0).inner_margin(height * 0.01).show(
                    ui,
                    |ui| {
                        ui.vertical(|ui| {
                            ui.label(RichText::new(name).size(height * 0.028).color(colors.muted));
                            ui.label(RichText::new(number).size(height * 0.045).strong().color(colors.text));
                        });
                    },
                );
            }
        });
        ui.add_space(height * 0.01);
        // Waiting per stage.
        ui.horizontal_wrapped(|ui| {
            for stage in state.stage_order() {
                let count = state.waiting.get(&stage).copied().unwrap_or(0);
                let name = state.stage_names.get(&stage).cloned().unwrap_or_else(|| stage.clone());
                ui.label(
                    RichText::new(format!("{name}: {count} menunggu   "))
                        .size(height * 0.032)
                        .color(colors.accent),
                );
            }
        });
        // The running text along the bottom.
        ui.with_layout(Layout::bottom_up(Align::Min), |ui| {
            egui::Frame::new().fill(colors.panel).inner_margin(height * 0.008).show(ui, |ui| {
                ui.set_min_width(ui.available_width());
                ui.label(RichText::new(frame.running_text).size(height * 0.03).color(colors.text));
            });
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_written_in_indonesian() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
        assert_eq!(clock_text(now), "Rabu, 25 November 2026 09:05");
    }
}
