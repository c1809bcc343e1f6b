//! # antrian-display
//!
//! The waiting-room screen's logic, without UI: the numbers in Indonesian words
//! ([`words`]) and the state the screen shows, built from the hub's events by a reducer that
//! applies each event once however often a reconnect replays it ([`state`]).

pub mod state;
pub mod words;
