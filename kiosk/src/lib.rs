//! # antrian-kiosk
//!
//! The self-service kiosk at the office entrance: the applicant scans the booking QR (a USB
//! scanner typing like a keyboard), types the booking code on the keypad, or picks a walk-in
//! service; the hub checks them in and the kiosk prints the queue ticket.
//!
//! ## Layout
//! - [`config`]: the file `kiosk.toml`.
//! - [`texts`]: every word on screen in Indonesian and English, and the sentence per error
//!   code (read from the hub's typed refusal, never from its English message).
//! - [`state`]: what the screen shows, as plain data, and the reducer that applies touches,
//!   scans and the worker's reports to it — tested without egui.
//! - [`ui`]: draws the state and turns touches into the reducer's actions.
//! - [`scanner`]: turns the scanner's keystrokes into scans, out of reach of any widget.
//! - [`worker`]: the thread that talks to the hub (retries with the same `request_id`) and
//!   prints, so the UI never waits.
//! - [`ticket`]: the 80 mm ticket PDF. [`printer`]: CUPS (`lp`) or a folder.
//! - [`app`]: the frame loop that joins them (eframe).
//! - `camera` (feature `camera`): booking QR codes read from webcam frames.

pub mod app;
#[cfg(feature = "camera")]
pub mod camera;
pub mod config;
pub mod printer;
pub mod scanner;
pub mod state;
pub mod texts;
pub mod ticket;
pub mod ui;
pub mod worker;

pub use app::KioskApp;
pub use config::KioskConfig;
