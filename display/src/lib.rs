//! # antrian-display
//!
//! The waiting-room screen: the numbers being called and where to go, shown and spoken.
//!
//! ## Layout
//! - [`state`]: what the screen shows, as plain data, built from the hub's events by a reducer
//!   that applies each event once however often a reconnect replays it.
//! - [`feed`]: the link to the hub — the board at start, then the event stream, which
//!   reconnects and resumes by itself — feeding the reducer.
//! - [`ui`]: draws the state for a TV read from across the room (landscape or portrait).
//! - [`words`]: numbers in Indonesian words; [`announce`]: the queued chime and spoken call.
//! - `main.rs`: the `antrian-display` command (the window, `announce` for installers).

pub mod announce;
pub mod feed;
pub mod state;
pub mod ui;
pub mod words;
