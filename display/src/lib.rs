//! # antrian-display
//!
//! The waiting-room screen's logic: the numbers in Indonesian words ([`words`]), the state
//! the screen shows, built from the hub's events by a reducer that applies each event once
//! however often a reconnect replays it ([`state`]), and the queued spoken call
//! ([`announce`]).

pub mod announce;
pub mod feed;
pub mod state;
pub mod ui;
pub mod words;
