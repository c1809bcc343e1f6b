//! # Queue operations
//!
//! What kiosks and staff do to the queue, each run inside one store transaction: load what the
//! decision needs, ask the [engine](crate::engine), have the store carry out the change (with
//! its events), and answer with what the caller sees. "Call next" is therefore one atomic
//! claim: two counters pressing it at once get two different tickets.
//!
//! - [`checkin`]: a booking checks in (or gets its ticket again), a walk-in ticket is issued.
//! - [`actions`]: call next, call one ticket, the actions on a ticket, pause/open/close a
//!   counter, and closing what the previous day left open.
//! - [`views`]: a ticket with its place and estimated wait, today's queue, the counters, the
//!   display board.

pub mod actions;
pub mod checkin;
pub mod views;

pub use actions::{call_next, call_ticket, close_day, counter_op, ticket_op};
pub use checkin::{CheckinTarget, checkin, walkin};

use chrono::NaiveDate;

use crate::config::Counter;
use crate::engine::order;
use crate::error::{Error, Result};
use crate::office::Office;
use crate::store::Read;
use crate::store::counters::CounterRow;
use crate::store::tickets::TicketRow;

/// The ticket `id`, or `not_found`.
fn ticket_row(read: Read<'_>, id: &str) -> Result<TicketRow> {
    read.tickets().get(id)?.ok_or_else(|| Error::not_found(format!("ticket {id:?}")))
}

/// A configured counter with its stored state, or `not_found`.
fn counter_row<'o>(read: Read<'_>, office: &'o Office, id: &str) -> Result<(&'o Counter, CounterRow)> {
    let missing = || Error::not_found(format!("counter {id:?}"));
    let config = office.config.counter(id).ok_or_else(missing)?;
    let row = read.counters().get(id)?.ok_or_else(missing)?;
    Ok((config, row))
}

/// The number of the ticket a counter holds (its id if the ticket cannot be found).
fn holding_number(read: Read<'_>, counter: &CounterRow) -> Result<Option<String>> {
    let Some(id) = &counter.ticket_id else { return Ok(None) };
    Ok(Some(read.tickets().get(id)?.map(|t| t.number).unwrap_or_else(|| id.clone())))
}

/// Priority tickets called in a row most recently at `stages` on `day` (what the engine's
/// `MaxInRow` policy counts).
fn priority_run(read: Read<'_>, office: &Office, stages: &[String], day: NaiveDate) -> Result<u32> {
    let window = order::run_window(office.policy());
    let latest = read.tickets().latest_call_priorities(stages, office.day_start_ms(day), window)?;
    Ok(order::priority_run(latest))
}
