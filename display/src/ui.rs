//! Drawing the screen from [`DisplayState`]: made for a 1920×1080 TV read from across the
//! room — the latest number at a fifth of the screen height or more, "Loket 3" beside it,
//! highlighted for a few seconds when new; the recent calls; every counter; waiting counts;
//! the running text; a clear mark when the connection to the hub is lost.

use antrian_proto::fonts::{self, bold, bold_fitting, text_width};
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

/// In a wrapping row: starts the next row when an item `width` wide no longer fits this one,
/// so the item moves whole instead of being squeezed.
fn keep_whole(ui: &mut Ui, width: f32) {
    if ui.available_size_before_wrap().x < width {
        ui.end_row();
    }
}

pub fn draw(ui: &mut Ui, frame: &Frame<'_>) {
    fonts::ensure(ui.ctx());
    let colors = palette(frame.theme);
    let size = ui.available_size();
    // Text is sized from the shorter side, so a portrait screen gets the sizes of a landscape
    // one of its width and uses its extra height for taller panels.
    let height = size.y.max(400.0);
    let unit = size.y.min(size.x).max(400.0);
    let state = frame.state;
    egui::Frame::new().fill(colors.background).inner_margin(unit * 0.015).show(ui, |ui| {
        ui.set_min_size(ui.available_size());
        // Top bar: office, connection, date and time. The office name gives way to the clock;
        // where it would have to shrink by more than a sixth, it has a row of its own.
        let bar = unit * 0.035;
        let clock = clock_text(frame.now);
        let warning = "Koneksi terputus - menyambung ulang...";
        // The warning is a red badge: a frame around the text (text background colour alone
        // left its trailing padding outside the label's place, over the clock).
        let badge = egui::Margin::symmetric((unit * 0.012) as i8, (unit * 0.003) as i8);
        let mut taken = text_width(ui.ctx(), &clock, bar, false) + 3.0 * ui.spacing().item_spacing.x;
        if !state.connected {
            taken += text_width(ui.ctx(), warning, unit * 0.03, true) + badge.sum().x;
        }
        let full = ui.available_width();
        let own_row = text_width(ui.ctx(), &state.office_name, bar, true) > (full - taken) * 1.2;
        if own_row {
            ui.label(bold_fitting(ui.ctx(), &state.office_name, bar, full).color(colors.text));
        }
        ui.horizontal(|ui| {
            if !own_row {
                ui.label(bold_fitting(ui.ctx(), &state.office_name, bar, full - taken).color(colors.text));
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.label(RichText::new(clock).size(bar).color(colors.text));
                if !state.connected {
                    egui::Frame::new().fill(Color32::from_rgb(176, 0, 32)).inner_margin(badge).show(
                        ui,
                        |ui| {
                            ui.label(bold(warning, unit * 0.03).color(Color32::WHITE));
                        },
                    );
                }
            });
        });
        ui.add_space(unit * 0.01);
        // The latest call, very large, and the recent ones: side by side on a landscape screen,
        // one above the other on a portrait one.
        let portrait = size.y > size.x;
        // What goes below the panels (counter tiles, waiting counts, running text) wraps onto
        // more rows on a narrower screen: its height, measured last frame, is kept free so the
        // panels never push it off the bottom (a square screen lost its running text).
        let below_id = ui.scope_id().with("below-the-panels");
        // Its text is sized from the width too: tiles wrap by width, and on a screen as narrow
        // as it is tall, text sized from the height alone took three rows of tiles. (On a
        // portrait screen that makes it a quarter smaller, and leaves the number its size.)
        let small = unit.min(size.x * 0.75);
        let below_before: Option<f32> = ui.data(|d| d.get_temp(below_id));
        let room = (ui.available_height() - below_before.unwrap_or(unit * 0.3)).max(unit * 0.3);
        // The latest call's panel holds its title, the number and the sentence (about a fifth
        // of `unit` with the margins) in that room: the number gets what is left (a line of
        // the bold face is about 1.3 times its size).
        // On a portrait screen the recent calls go below the latest one: it gets 0.62 of the
        // room and they the rest.
        let latest_room = if portrait { room * 0.62 } else { room };
        let recent_room = if portrait { room * 0.38 - unit * 0.01 } else { room };
        let number_size = (height * 0.30).min((latest_room - unit * 0.2) / 1.3);
        let fill = if frame.highlight { colors.highlight } else { colors.panel };
        let ink = if frame.highlight { Color32::from_rgb(20, 20, 20) } else { colors.text };
        let latest = |ui: &mut Ui, min_height: f32| {
            egui::Frame::new().fill(fill).corner_radius(16.0).inner_margin(unit * 0.02).show(ui, |ui| {
                // `min_height` is the panel's outer height: its margins are inside it.
                ui.set_min_height((min_height - 2.0 * unit * 0.02).max(0.0));
                ui.set_min_width(ui.available_width());
                ui.vertical_centered(|ui| {
                    ui.label(RichText::new("Nomor Antrean").size(unit * 0.045).color(ink));
                    match &state.latest {
                        Some(call) => {
                            // Up to 0.30 of the height (the digits stand over a fifth of the
                            // screen), less where the number would not fit the panel's width.
                            let width = ui.available_width();
                            ui.label(bold_fitting(ui.ctx(), &call.number, number_size, width).color(ink));
                            let sentence = format!("Silakan menuju {}", call.counter_name);
                            ui.label(bold_fitting(ui.ctx(), sentence, unit * 0.06, width).color(ink));
                        }
                        None => {
                            ui.label(RichText::new("-").size(number_size).color(ink));
                        }
                    }
                });
            });
        };
        let row = unit * 0.06;
        // As many recent calls as their room holds (a title, margins, and rows of `row`).
        let recent_rows = ((recent_room - unit * 0.1) / (row * 1.35)).floor().max(0.0) as usize;
        let recent = |ui: &mut Ui, min_height: f32| {
            egui::Frame::new().fill(colors.panel).corner_radius(16.0).inner_margin(unit * 0.02).show(
                ui,
                |ui| {
                    // `min_height` is the panel's outer height: its margins are inside it.
                    ui.set_min_height((min_height - 2.0 * unit * 0.02).max(0.0));
                    ui.set_min_width(ui.available_width());
                    ui.label(RichText::new("Panggilan terakhir").size(unit * 0.035).color(colors.muted));
                    for call in state.recent.iter().skip(1).take(recent_rows) {
                        ui.horizontal(|ui| {
                            ui.label(bold(&call.number, row).color(colors.text));
                            ui.label(
                                RichText::new(format!("   {}", call.counter_name))
                                    .size(row * 0.75)
                                    .color(colors.muted),
                            );
                        });
                    }
                },
            );
        };
        if portrait {
            latest(ui, (height * 0.36).min(latest_room));
            ui.add_space(unit * 0.01);
            recent(ui, (height * 0.2).min(recent_room));
        } else {
            ui.columns(2, |columns| {
                latest(&mut columns[0], (height * 0.52).min(room));
                recent(&mut columns[1], (height * 0.52).min(room));
            });
        }
        let below_top = ui.cursor().top();
        ui.add_space(small * 0.015);
        // Every counter with the number it serves.
        ui.horizontal_wrapped(|ui| {
            for (id, counter) in &state.counters {
                let name = state.counter_names.get(id).cloned().unwrap_or_else(|| format!("Loket {id}"));
                let number = match (&counter.number, counter.state) {
                    (Some(number), _) => number.clone(),
                    (None, antrian_proto::CounterState::Open | antrian_proto::CounterState::Unknown) => {
                        "-".to_owned()
                    }
                    (None, antrian_proto::CounterState::Paused) => "Istirahat".to_owned(),
                    (None, antrian_proto::CounterState::Closed) => "Tutup".to_owned(),
                };
                // A tile goes whole onto the next row when the rest of this one is too narrow.
                let margin = small * 0.01;
                let tile = text_width(ui.ctx(), &name, small * 0.028, false).max(text_width(
                    ui.ctx(),
                    &number,
                    small * 0.045,
                    true,
                )) + 2.0 * margin;
                keep_whole(ui, tile);
                egui::Frame::new().fill(colors.panel).corner_radius(10.0).inner_margin(margin).show(
                    ui,
                    |ui| {
                        ui.vertical(|ui| {
                            ui.add(
                                egui::Label::new(RichText::new(name).size(small * 0.028).color(colors.muted))
                                    .extend(),
                            );
                            ui.add(egui::Label::new(bold(number, small * 0.045).color(colors.text)).extend());
                        });
                    },
                );
            }
        });
        ui.add_space(small * 0.01);
        // Waiting per stage.
        ui.horizontal_wrapped(|ui| {
            for stage in state.stage_order() {
                let count = state.waiting.get(&stage).copied().unwrap_or(0);
                let name = state.stage_names.get(&stage).cloned().unwrap_or_else(|| stage.clone());
                // Each stage's count stays whole, on the next row if need be.
                let text = format!("{name}: {count} menunggu   ");
                keep_whole(ui, text_width(ui.ctx(), &text, small * 0.032, false));
                ui.add(
                    egui::Label::new(RichText::new(text).size(small * 0.032).color(colors.accent)).extend(),
                );
            }
        });
        let counts_bottom = ui.cursor().top();
        // The running text along the bottom.
        let running = ui.with_layout(Layout::bottom_up(Align::Min), |ui| {
            ui.add_space(small * 0.01);
            egui::Frame::new().fill(colors.panel).inner_margin(small * 0.008).show(ui, |ui| {
                ui.set_min_width(ui.available_width());
                ui.label(RichText::new(frame.running_text).size(small * 0.03).color(colors.text));
            })
        });
        let below = counts_bottom - below_top + running.inner.response.rect.height() + small * 0.01;
        if below_before.is_none_or(|before| (before - below).abs() > 0.5) {
            ui.data_mut(|d| d.insert_temp(below_id, below));
            ui.ctx().request_repaint();
        }
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
