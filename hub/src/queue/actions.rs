//! What staff do at a counter: call the next ticket, call one ticket out of order, act on a
//! ticket (recall, start, finish, no-show, requeue, cancel, transfer), and pause, open or
//! close the counter.

use antrian_proto::{CounterState, CounterStatus, Ticket};

use super::{counter_row, holding_number, priority_run, ticket_row, views};
use crate::engine::actions::{self, CounterAction, TicketFacts, TicketOp};
use crate::engine::{Change, order};
use crate::error::Result;
use crate::office::Office;
use crate::store::Write;
use crate::store::tickets::TicketRow;

fn facts(row: &TicketRow) -> TicketFacts<'_> {
    TicketFacts { number: &row.number, state: row.state, stage: &row.stage, service: &row.service }
}

/// Calls the next ticket to `counter_id`; `None` when nobody waits at its stages (the counter
/// is then open and free: pressing "call next" means the clerk is there).
pub fn call_next(tx: &mut Write<'_>, office: &Office, now: i64, counter_id: &str) -> Result<Option<Ticket>> {
    let (counter, row) = counter_row(tx.read(), office, counter_id)?;
    actions::counter_after(CounterAction::Call, holding_number(tx.read(), &row)?.as_deref())?;
    let day = office.day_of(now);
    let heads = tx.read().tickets().heads(day, &counter.stages, counter_id)?;
    let run = priority_run(tx.read(), office, &counter.stages, day)?;
    let Some(next) = order::next_for_counter(&heads, counter_id, &counter.stages, office.policy(), run)
    else {
        if row.state != CounterState::Open {
            tx.counters().set(counter_id, CounterState::Open, None, office.stamp(now))?;
        }
        return Ok(None);
    };
    let mut ticket = ticket_row(tx.read(), &next.ticket_id)?;
    tx.tickets().apply(&mut ticket, Change::Call { counter: counter_id.to_owned() }, office.stamp(now))?;
    views::ticket(tx.read(), office, &ticket, true).map(Some)
}

/// Calls one waiting ticket out of order.
pub fn call_ticket(
    tx: &mut Write<'_>,
    office: &Office,
    now: i64,
    counter_id: &str,
    ticket_id: &str,
) -> Result<Ticket> {
    let (counter, row) = counter_row(tx.read(), office, counter_id)?;
    let mut ticket = ticket_row(tx.read(), ticket_id)?;
    let holding = holding_number(tx.read(), &row)?;
    actions::may_call(
        counter_id,
        &counter.stages,
        holding.as_deref(),
        facts(&ticket),
        ticket.reserved_counter.as_deref(),
    )?;
    tx.tickets().apply(&mut ticket, Change::Call { counter: counter_id.to_owned() }, office.stamp(now))?;
    views::ticket(tx.read(), office, &ticket, true)
}

/// One of the staff actions on a ticket.
pub fn ticket_op(
    tx: &mut Write<'_>,
    office: &Office,
    now: i64,
    ticket_id: &str,
    op: TicketOp,
) -> Result<Ticket> {
    let mut ticket = ticket_row(tx.read(), ticket_id)?;
    let change = actions::plan(facts(&ticket), op, &office.config)?;
    tx.tickets().apply(&mut ticket, change, office.stamp(now))?;
    views::ticket(tx.read(), office, &ticket, true)
}

/// Opens, pauses or closes a counter.
pub fn counter_op(
    tx: &mut Write<'_>,
    office: &Office,
    now: i64,
    counter_id: &str,
    action: CounterAction,
) -> Result<CounterStatus> {
    let (_, row) = counter_row(tx.read(), office, counter_id)?;
    let holding = match &row.ticket_id {
        Some(id) => Some(ticket_row(tx.read(), id)?),
        None => None,
    };
    let state = actions::counter_after(action, holding.as_ref().map(|t| t.number.as_str()))?;
    if state != row.state {
        let held = holding.as_ref().map(|t| (t.id.as_str(), t.number.as_str()));
        tx.counters().set(counter_id, state, held, office.stamp(now))?;
    }
    views::counter(tx.read(), office, counter_id)
}

/// Closes the tickets of earlier days that are still open (waiting, called or serving): the
/// office's day has ended. Each gets the final state `closed` (its visit ends `day_closed`, so
/// reports count it), and a counter that held one is closed and free for the new day. Returns
/// how many were closed.
pub fn close_day(tx: &mut Write<'_>, office: &Office, now: i64) -> Result<usize> {
    let open = tx.read().tickets().open_before(office.day_of(now))?;
    let (count, at) = (open.len(), office.stamp(now));
    for mut ticket in open {
        tx.tickets().apply(&mut ticket, Change::CloseDay, at)?;
    }
    Ok(count)
}
