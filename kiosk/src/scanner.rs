//! The USB QR scanner, which types like a keyboard: its keystrokes, typed anywhere and ended
//! by Enter, make one scan. The kiosk has no text field at all (codes are typed on its own
//! keypad), and every keyboard event is taken out of egui's input before any widget sees it,
//! so a scan can never land in a field or press a focused button.

use eframe::egui;

/// Longest text kept; a booking QR holds about 150 characters.
const MAX_LEN: usize = 512;

#[derive(Debug)]
pub struct Scanner {
    buffer: String,
    last_key: Option<f64>,
    /// Keystrokes further apart than this (seconds) start a new scan.
    gap: f64,
}

impl Scanner {
    pub fn new(gap_ms: u64) -> Scanner {
        Scanner { buffer: String::new(), last_key: None, gap: gap_ms as f64 / 1000.0 }
    }

    /// Characters typed at `time` (seconds).
    pub fn text(&mut self, time: f64, text: &str) {
        if self.last_key.is_some_and(|last| time - last > self.gap) {
            self.buffer.clear();
        }
        self.last_key = Some(time);
        for c in text.chars().filter(|c| !c.is_control()) {
            if self.buffer.len() < MAX_LEN {
                self.buffer.push(c);
            }
        }
    }

    /// Enter at `time`: the scan, if characters came just before it. A scanner on a
    /// keyboard layout with Caps Lock on types lower case; booking QR texts are upper case.
    pub fn enter(&mut self, time: f64) -> Option<String> {
        let fresh = self.last_key.is_some_and(|last| time - last <= self.gap);
        let scan = std::mem::take(&mut self.buffer);
        self.last_key = None;
        let scan = scan.trim().to_ascii_uppercase();
        (fresh && !scan.is_empty()).then_some(scan)
    }

    /// Takes every keyboard event out of this frame's input; returns the scans they ended.
    pub fn take_scans(&mut self, ctx: &egui::Context) -> Vec<String> {
        let mut scans = Vec::new();
        ctx.input_mut(|input| {
            let time = input.time;
            input.events.retain(|event| match event {
                egui::Event::Text(text) | egui::Event::Paste(text) => {
                    self.text(time, text);
                    false
                }
                egui::Event::Key { key: egui::Key::Enter, pressed, .. } => {
                    if *pressed && let Some(scan) = self.enter(time) {
                        scans.push(scan);
                    }
                    false
                }
                egui::Event::Key { .. } | egui::Event::Copy | egui::Event::Cut => false,
                _ => true,
            });
            input.keys_down.clear();
        });
        scans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystrokes_ended_by_enter_are_one_scan() {
        let mut scanner = Scanner::new(250);
        for (i, c) in "aq1.kanim".chars().enumerate() {
            scanner.text(1.0 + i as f64 * 0.01, &c.to_string());
        }
        assert_eq!(scanner.enter(1.1).as_deref(), Some("AQ1.KANIM"));
        assert_eq!(scanner.enter(1.2), None, "a second Enter alone is nothing");
    }

    #[test]
    fn a_pause_starts_a_new_scan_and_a_stale_enter_is_not_a_scan() {
        let mut scanner = Scanner::new(250);
        scanner.text(1.0, "XX");
        scanner.text(5.0, "AQ1");
        assert_eq!(scanner.enter(5.05).as_deref(), Some("AQ1"), "the stray keys before the pause are gone");
        scanner.text(6.0, "ABC");
        assert_eq!(scanner.enter(9.0), None, "Enter long after the keys");
        scanner.text(9.1, "Z");
        assert_eq!(scanner.enter(9.15).as_deref(), Some("Z"), "nothing of the stale text is left");
    }
}
