//! The USB QR scanner, which types like a keyboard. Its keystrokes, typed anywhere, make one
//! scan when they end with Enter or Tab (the two suffixes scanners ship with), or — for a
//! scanner set to send no suffix — when a burst typed at scanner speed is followed by a pause.
//! A burst at scanner speed too short to be a code is a partial read, which the screen shows
//! a hint for; slow typing on a keyboard is never a scan.
//!
//! The kiosk has no text field at all (codes are typed on its own keypad), and every keyboard
//! event is taken out of egui's input before any widget sees it, so a scan can never land in a
//! field or press a focused button.

use std::time::Duration;

use eframe::egui;

/// Longest text kept; a booking QR holds about 150 characters.
const MAX_LEN: usize = 512;
/// Fewest characters a scan without a suffix must have (booking codes have 10, QR texts
/// about 150).
pub const MIN_BURST: usize = 8;
/// Keys this close together on average (seconds) come from a scanner, not a hand: scanners
/// type a character every 5–20 ms, a fast typist one every 100 ms or more.
pub const SCANNER_PACE: f64 = 0.05;

/// What the scanner read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Scan(String),
    /// Keys came at scanner speed but too few to be a code, and stopped: a partial read.
    Partial,
}

#[derive(Debug)]
pub struct Scanner {
    buffer: String,
    first_key: Option<f64>,
    last_key: Option<f64>,
    keys: usize,
    /// Keystrokes further apart than this (seconds) start a new scan; a burst followed by a
    /// pause this long has ended.
    gap: f64,
}

impl Scanner {
    pub fn new(gap_ms: u64) -> Scanner {
        Scanner {
            buffer: String::new(),
            first_key: None,
            last_key: None,
            keys: 0,
            gap: gap_ms as f64 / 1000.0,
        }
    }

    fn clear(&mut self) -> String {
        self.first_key = None;
        self.last_key = None;
        self.keys = 0;
        std::mem::take(&mut self.buffer)
    }

    /// Characters typed at `time` (seconds).
    pub fn text(&mut self, time: f64, text: &str) {
        if self.last_key.is_some_and(|last| time - last > self.gap) {
            self.clear();
        }
        self.first_key.get_or_insert(time);
        self.last_key = Some(time);
        for c in text.chars().filter(|c| !c.is_control()) {
            self.keys += 1;
            if self.buffer.len() < MAX_LEN {
                self.buffer.push(c);
            }
        }
    }

    /// Enter or Tab at `time`: the scan, if characters came just before it. A scanner on a
    /// keyboard layout with Caps Lock on types lower case; booking QR texts are upper case.
    pub fn end(&mut self, time: f64) -> Option<String> {
        let fresh = self.last_key.is_some_and(|last| time - last <= self.gap);
        let scan = self.clear().trim().to_ascii_uppercase();
        (fresh && !scan.is_empty()).then_some(scan)
    }

    /// Whether keys are waiting for their end (a suffix or a pause).
    pub fn pending(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// At `time`, with no key for a while: a burst typed at scanner speed has ended. Long
    /// enough, it is a scan; shorter, a partial read; typed by hand, nothing.
    pub fn poll(&mut self, time: f64) -> Option<Read> {
        let (Some(first), Some(last)) = (self.first_key, self.last_key) else { return None };
        if time - last <= self.gap {
            return None;
        }
        let scanner_speed = self.keys >= 2 && (last - first) / (self.keys - 1) as f64 <= SCANNER_PACE;
        let text = self.clear().trim().to_ascii_uppercase();
        match scanner_speed {
            true if text.len() >= MIN_BURST => Some(Read::Scan(text)),
            true => Some(Read::Partial),
            false => None,
        }
    }

    /// Takes every keyboard event out of this frame's input; returns what they, or the pause
    /// after them, completed.
    pub fn take_scans(&mut self, ctx: &egui::Context) -> Vec<Read> {
        let mut reads = Vec::new();
        ctx.input_mut(|input| {
            let time = input.time;
            input.events.retain(|event| match event {
                egui::Event::Text(text) | egui::Event::Paste(text) => {
                    self.text(time, text);
                    false
                }
                egui::Event::Key { key: egui::Key::Enter | egui::Key::Tab, pressed, .. } => {
                    if *pressed && let Some(scan) = self.end(time) {
                        reads.push(Read::Scan(scan));
                    }
                    false
                }
                egui::Event::Key { .. } | egui::Event::Copy | egui::Event::Cut => false,
                _ => true,
            });
            input.keys_down.clear();
            reads.extend(self.poll(time));
        });
        if self.pending() {
            // Look again once the pause that may end this burst has passed.
            ctx.request_repaint_after(Duration::from_secs_f64(self.gap + 0.02));
        }
        reads
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
        assert_eq!(scanner.end(1.1).as_deref(), Some("AQ1.KANIM"));
        assert_eq!(scanner.end(1.2), None, "a second Enter alone is nothing");
    }

    #[test]
    fn a_pause_starts_a_new_scan_and_a_stale_enter_is_not_a_scan() {
        let mut scanner = Scanner::new(250);
        scanner.text(1.0, "XX");
        scanner.text(5.0, "AQ1");
        assert_eq!(scanner.end(5.05).as_deref(), Some("AQ1"), "the stray keys before the pause are gone");
        scanner.text(6.0, "ABC");
        assert_eq!(scanner.end(9.0), None, "Enter long after the keys");
        scanner.text(9.1, "Z");
        assert_eq!(scanner.end(9.15).as_deref(), Some("Z"), "nothing of the stale text is left");
    }

    /// Issue 18, item 4: scanners that end with no suffix.
    #[test]
    fn a_burst_at_scanner_speed_then_a_pause_is_a_scan_and_a_short_one_is_partial() {
        let mut scanner = Scanner::new(250);
        for (i, c) in "aq1.kanim-jaksel".chars().enumerate() {
            scanner.text(1.0 + i as f64 * 0.01, &c.to_string());
        }
        assert_eq!(scanner.poll(1.2), None, "still within the pause");
        assert_eq!(scanner.poll(1.5), Some(Read::Scan("AQ1.KANIM-JAKSEL".into())));
        assert_eq!(scanner.poll(2.0), None, "read once");
        // A scanner that stopped after a few characters: a partial read.
        scanner.text(3.0, "A");
        scanner.text(3.01, "Q");
        scanner.text(3.02, "1");
        assert_eq!(scanner.poll(3.5), Some(Read::Partial));
        // A hand typing fast, and one key alone, are nothing.
        for (i, c) in "K7PQ3M9XWZ".chars().enumerate() {
            scanner.text(5.0 + i as f64 * 0.12, &c.to_string());
        }
        assert_eq!(scanner.poll(7.0), None, "typed by hand");
        scanner.text(8.0, "x");
        assert_eq!(scanner.poll(9.0), None, "one key");
    }
}
