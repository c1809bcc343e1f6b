//! # antrian-proto
//!
//! What the Antrian hub and its devices (kiosk, display, staff tools, tests) share. No UI,
//! no database.
//!
//! ## Layout
//! - [`types`]: the wire types of the hub's v1 API (`../shared/design/API.md`): tickets,
//!   appointments, counters, requests, the error body and the error codes.
//! - [`events`]: the live events streamed by `GET /api/v1/offices/{office}/events`, and the
//!   board a display starts from before following them.
//! - [`calendar`]: Indonesian day and month names.
//! - [`skip`]: how a test that needs a system tool says it cannot run here, visibly.
//! - [`qr`]: the signed booking-QR text — its compact format, Ed25519 signing and offline
//!   verification against a set of issuer keys (several, for rotation).
//! - [`client`] (feature `client`): a typed async client over HTTP, and an event stream that
//!   reconnects by itself and resumes after the last event it saw, so no call is ever missed.
//! - [`pdf`] (feature `pdf`): drawing helpers for the printed documents (confirmation,
//!   reports, queue tickets).
//! - [`i18n`] (feature `i18n`): text catalogues by language, and dates as people write them.
//! - [`fonts`] (feature `egui`): the bold face the kiosk and the display draw with, and text
//!   that shrinks to fit its panel instead of wrapping.

pub mod calendar;
pub mod events;
pub mod qr;
pub mod skip;
pub mod types;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "egui")]
pub mod fonts;
#[cfg(feature = "i18n")]
pub mod i18n;
#[cfg(feature = "pdf")]
pub mod pdf;

pub use events::{BoardResponse, EventEnvelope, HubEvent};
pub use types::*;

#[cfg(feature = "client")]
pub use client::{Client, ClientError, StreamItem};
