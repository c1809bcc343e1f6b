//! Tickets, their stage visits (one row each time a ticket queues at a stage: the source of
//! every statistic) and the waiting counts per stage and class kept beside them.
//!
//! Reads give what the engine's decisions need. Writes are [`TicketsMut::issue`] and
//! [`TicketsMut::apply`]: each writes the ticket, its visit, the waiting counts, the counter
//! it goes to or leaves, and the events that announce it, in one call.

use antrian_proto::events::{CalledEvent, TicketEvent, WaitingEvent};
use antrian_proto::{CounterState, HubEvent, TicketState};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::events::{WireEvent, append};
use super::{Stamp, StoreError, StoreResult, counters, date_text, parse_date};
use crate::engine::{Change, QueueEntry, VisitOutcome};

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRow {
    pub id: String,
    pub day: NaiveDate,
    pub service: String,
    pub number: String,
    pub priority: bool,
    pub booking_code: Option<String>,
    pub slot: Option<String>,
    pub stage: String,
    pub state: TicketState,
    /// The counter it is called to or served at.
    pub counter: Option<String>,
    /// Only this counter may call it (after a transfer to a counter).
    pub reserved_counter: Option<String>,
    pub effective_at: i64,
    pub queued_seq: i64,
    pub checked_in_at: i64,
    pub called_at: Option<i64>,
    pub recall: u32,
    /// The current stage visit.
    pub visit_id: Option<i64>,
}

impl TicketRow {
    /// The counter holding the ticket while it is called or served there.
    pub fn held_by(&self) -> Option<&str> {
        self.counter.as_deref().filter(|_| matches!(self.state, TicketState::Called | TicketState::Serving))
    }
}

const COLUMNS: &str = "id, day, service, number, priority, booking_code, slot, stage, state, counter, \
     reserved_counter, effective_at, queued_seq, checked_in_at, called_at, recall, visit_id";

/// The raw columns of a ticket; typed by [`TicketRow::try_from`] so that a value this build
/// cannot read is an error, not another value.
struct RawTicket {
    row: TicketRow,
    day: String,
    state: String,
}

fn raw_ticket(r: &Row<'_>) -> rusqlite::Result<RawTicket> {
    Ok(RawTicket {
        day: r.get(1)?,
        state: r.get(8)?,
        row: TicketRow {
            id: r.get(0)?,
            day: NaiveDate::MIN,
            service: r.get(2)?,
            number: r.get(3)?,
            priority: r.get(4)?,
            booking_code: r.get(5)?,
            slot: r.get(6)?,
            stage: r.get(7)?,
            state: TicketState::Waiting,
            counter: r.get(9)?,
            reserved_counter: r.get(10)?,
            effective_at: r.get(11)?,
            queued_seq: r.get(12)?,
            checked_in_at: r.get(13)?,
            called_at: r.get(14)?,
            recall: r.get(15)?,
            visit_id: r.get(16)?,
        },
    })
}

impl TryFrom<RawTicket> for TicketRow {
    type Error = StoreError;

    fn try_from(raw: RawTicket) -> StoreResult<TicketRow> {
        let state = TicketState::parse(&raw.state)
            .ok_or_else(|| StoreError::bad_value("ticket state", &raw.state))?;
        Ok(TicketRow { day: parse_date(&raw.day)?, state, ..raw.row })
    }
}

/// A queue entry from `id, stage, priority, effective_at, queued_seq, reserved_counter`.
fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<QueueEntry> {
    Ok(QueueEntry {
        ticket_id: r.get(0)?,
        stage: r.get(1)?,
        priority: r.get(2)?,
        effective_at: r.get(3)?,
        queued_seq: r.get(4)?,
        reserved_counter: r.get(5)?,
    })
}

/// Reads of tickets and visits.
#[derive(Clone, Copy)]
pub struct Tickets<'a> {
    conn: &'a Connection,
}

impl<'a> Tickets<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Tickets { conn }
    }

    pub fn get(&self, id: &str) -> StoreResult<Option<TicketRow>> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM tickets WHERE id = ?1"))?
            .query_row(params![id], raw_ticket)
            .optional()?
            .map(TicketRow::try_from)
            .transpose()
    }

    /// The ticket a booking checked in with.
    pub fn of_booking(&self, code: &str) -> StoreResult<Option<TicketRow>> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM tickets WHERE booking_code = ?1"))?
            .query_row(params![code], raw_ticket)
            .optional()?
            .map(TicketRow::try_from)
            .transpose()
    }

    /// The tickets of `day` still in the office (waiting, called, serving, no-show), in queue
    /// order.
    pub fn active(&self, day: NaiveDate) -> StoreResult<Vec<TicketRow>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tickets WHERE day = ?1 AND state IN ('waiting', 'called', 'serving', 'no_show')
             ORDER BY queued_seq"
        ))?;
        let rows = statement.query_map(params![date_text(day)], raw_ticket)?;
        rows.map(|raw| TicketRow::try_from(raw?)).collect()
    }

    /// The waiting tickets of `stage` on `day`.
    pub fn waiting(&self, day: NaiveDate, stage: &str) -> StoreResult<Vec<QueueEntry>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, stage, priority, effective_at, queued_seq, reserved_counter FROM tickets
             WHERE day = ?1 AND state = 'waiting' AND stage = ?2",
        )?;
        let rows = statement.query_map(params![date_text(day), stage], entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The first waiting ticket of each of `stages` and class (priority or not) that `counter`
    /// may call: the call order's first element is always among them, so "call next" reads at
    /// most 2 × stages rows through the queue index instead of the whole queue.
    pub fn heads(&self, day: NaiveDate, stages: &[String], counter: &str) -> StoreResult<Vec<QueueEntry>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, stage, priority, effective_at, queued_seq, reserved_counter FROM tickets
             WHERE day = ?1 AND state = 'waiting' AND stage = ?2 AND priority = ?3
               AND (reserved_counter IS NULL OR reserved_counter = ?4)
             ORDER BY effective_at, queued_seq LIMIT 1",
        )?;
        let day = date_text(day);
        let mut heads = Vec::new();
        for stage in stages {
            for priority in [true, false] {
                let head =
                    statement.query_row(params![day, stage, priority, counter], entry_from_row).optional()?;
                heads.extend(head);
            }
        }
        Ok(heads)
    }

    /// Waiting tickets of one stage and class, from the kept counts.
    pub fn waiting_count(&self, day: NaiveDate, stage: &str, priority: bool) -> StoreResult<u32> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT waiting FROM queue_counts WHERE day = ?1 AND stage = ?2 AND priority = ?3",
            )?
            .query_row(params![date_text(day), stage, priority], |r| r.get::<_, u32>(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Waiting tickets of a stage, both classes.
    pub fn waiting_at(&self, day: NaiveDate, stage: &str) -> StoreResult<u32> {
        Ok(self.waiting_count(day, stage, true)? + self.waiting_count(day, stage, false)?)
    }

    /// The tickets of days before `day` still open (waiting, called or serving).
    pub fn open_before(&self, day: NaiveDate) -> StoreResult<Vec<TicketRow>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tickets WHERE day < ?1 AND state IN ('waiting', 'called', 'serving')
             ORDER BY day, queued_seq"
        ))?;
        let rows = statement.query_map(params![date_text(day)], raw_ticket)?;
        rows.map(|raw| TicketRow::try_from(raw?)).collect()
    }

    /// Waiting tickets of `ticket`'s stage and class that come after it in time, counted
    /// through the queue index (few, for a ticket just checked in).
    pub fn behind(&self, ticket: &TicketRow) -> StoreResult<u32> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM tickets WHERE day = ?1 AND state = 'waiting' AND stage = ?2
                   AND priority = ?3 AND (effective_at, queued_seq) > (?4, ?5)",
            )?
            .query_row(
                params![
                    date_text(ticket.day),
                    ticket.stage,
                    ticket.priority,
                    ticket.effective_at,
                    ticket.queued_seq
                ],
                |r| r.get(0),
            )?)
    }

    /// Walk-in tickets of `service` issued on `day`.
    pub fn walk_ins(&self, day: NaiveDate, service: &str) -> StoreResult<u32> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM tickets WHERE day = ?1 AND service = ?2 AND booking_code IS NULL",
            )?
            .query_row(params![date_text(day), service], |r| r.get(0))?)
    }

    /// The next free place in `service`'s numbering on `day`, from 1.
    pub fn next_seq(&self, day: NaiveDate, service: &str) -> StoreResult<u32> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets WHERE day = ?1 AND service = ?2")?
            .query_row(params![date_text(day), service], |r| r.get(0))?)
    }

    /// The priority flags of the latest calls at `stages` since `since_ms`, newest first, at
    /// most `limit`.
    pub fn latest_call_priorities(
        &self,
        stages: &[String],
        since_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<bool>> {
        if limit == 0 || stages.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; stages.len()].join(", ");
        let sql = format!(
            "SELECT priority FROM stage_visits WHERE stage IN ({placeholders}) AND called_at >= ?
             ORDER BY called_at DESC, id DESC LIMIT ?"
        );
        let mut values: Vec<rusqlite::types::Value> = stages.iter().map(|s| s.clone().into()).collect();
        values.push(since_ms.into());
        values.push(i64::from(limit).into());
        let mut statement = self.conn.prepare_cached(&sql)?;
        let flags = statement.query_map(params_from_iter(values), |r| r.get::<_, bool>(0))?;
        Ok(flags.collect::<Result<_, _>>()?)
    }

    /// How long the latest `limit` finished services at `stage` took (ms, newest first).
    pub fn service_durations(&self, stage: &str, limit: u32) -> StoreResult<Vec<i64>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT finished_at - COALESCE(started_at, called_at) FROM stage_visits
             WHERE stage = ?1 AND finished_at IS NOT NULL AND called_at IS NOT NULL AND outcome IN ('done', 'next_stage')
             ORDER BY finished_at DESC LIMIT ?2",
        )?;
        let durations = statement.query_map(params![stage, limit], |r| r.get(0))?;
        Ok(durations.collect::<Result<_, _>>()?)
    }
}

/// A new ticket, numbered by the caller ([`crate::engine::actions::ticket_number`]).
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub id: String,
    pub number: String,
    pub seq: u32,
    pub day: NaiveDate,
    pub service: String,
    pub priority: bool,
    /// The booking and its slot, for a check-in.
    pub booking: Option<(String, String)>,
    /// The first stage of the service's route.
    pub stage: String,
    pub effective_at: i64,
}

/// Writes of tickets: each with its visit, counts, counter and events.
pub struct TicketsMut<'a> {
    read: Tickets<'a>,
    log: &'a mut Vec<WireEvent>,
}

reads_through!(TicketsMut => Tickets);

impl<'a> TicketsMut<'a> {
    pub(super) fn new(conn: &'a Connection, log: &'a mut Vec<WireEvent>) -> Self {
        TicketsMut { read: Tickets::new(conn), log }
    }

    fn conn(&self) -> &'a Connection {
        self.read.conn
    }

    /// Issues a ticket into the waiting queue of its first stage. Events: `ticket`, `waiting`.
    pub fn issue(&mut self, new: NewTicket, at: Stamp) -> StoreResult<TicketRow> {
        let queued_seq = self.next_queued_seq()?;
        let (booking_code, slot) = new.booking.unzip();
        self.conn()
            .prepare_cached(
                "INSERT INTO tickets (id, day, service, seq, number, priority, booking_code, slot, stage,
                    state, effective_at, queued_seq, checked_in_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'waiting', ?10, ?11, ?12)",
            )?
            .execute(params![
                new.id,
                date_text(new.day),
                new.service,
                new.seq,
                new.number,
                new.priority,
                booking_code,
                slot,
                new.stage,
                new.effective_at,
                queued_seq,
                at.ms
            ])?;
        let visit = self.open_visit(&new.id, &new.stage, at.ms, new.priority, false)?;
        self.conn()
            .prepare_cached("UPDATE tickets SET visit_id = ?2 WHERE id = ?1")?
            .execute(params![new.id, visit])?;
        let row = TicketRow {
            id: new.id,
            day: new.day,
            service: new.service,
            number: new.number,
            priority: new.priority,
            booking_code,
            slot,
            stage: new.stage,
            state: TicketState::Waiting,
            counter: None,
            reserved_counter: None,
            effective_at: new.effective_at,
            queued_seq,
            checked_in_at: at.ms,
            called_at: None,
            recall: 0,
            visit_id: Some(visit),
        };
        self.count_waiting(&row, 1)?;
        self.emit_ticket(&row, at)?;
        self.emit_waiting(&row.stage, at)?;
        Ok(row)
    }

    /// Carries out `change` on `ticket` (the engine has checked that it fits) and updates the
    /// row in place.
    ///
    /// Events, in order: a call gives `called`, `waiting`, `counter`; a recall `called`; a start
    /// `ticket`; a ticket entering a queue `ticket`, then `waiting` for the stage it left (if it
    /// waited there) and the one it joined; one leaving `ticket`, then `waiting` if it was
    /// waiting. A counter that held the ticket and no longer does is free again (`counter`;
    /// closed when the day closed the ticket). Waiting counts are those of the day of `at`.
    pub fn apply(&mut self, ticket: &mut TicketRow, change: Change, at: Stamp) -> StoreResult<()> {
        let held_by = ticket.held_by().map(str::to_owned);
        let was_waiting = ticket.state == TicketState::Waiting;
        let old_stage = ticket.stage.clone();
        // What the national service hears of a booking's ticket (CENTRAL.md, sync).
        let report = match &change {
            Change::Enqueue { closing: Some(VisitOutcome::NextStage), .. } => Some("stage_done"),
            Change::Leave { state: TicketState::Done, .. } => Some("done"),
            _ => None,
        };
        if let Some(kind) = report {
            if let Some(code) = &ticket.booking_code {
                super::central::enqueue(self.conn(), code, kind, at.ms)?;
            }
            if kind == "done" {
                super::central::picked_up(self.conn(), &ticket.id, at.ms)?;
            }
        }
        match change {
            Change::Call { counter } => return self.call(ticket, &counter, at),
            Change::Recall => return self.recall(ticket, at),
            Change::Start => {
                ticket.state = TicketState::Serving;
                self.update_state(ticket)?;
                if let Some(visit) = ticket.visit_id {
                    self.conn()
                        .prepare_cached("UPDATE stage_visits SET started_at = ?2 WHERE id = ?1")?
                        .execute(params![visit, at.ms])?;
                }
                self.emit_ticket(ticket, at)?;
                return Ok(());
            }
            Change::Enqueue { stage, reserved_counter, requeued, closing } => {
                if was_waiting {
                    self.count_waiting(ticket, -1)?;
                }
                if let Some(outcome) = closing {
                    self.close_visit(ticket.visit_id, at.ms, outcome)?;
                }
                self.enqueue(ticket, &stage, reserved_counter, requeued, at.ms)?;
                self.count_waiting(ticket, 1)?;
                self.emit_ticket(ticket, at)?;
                if was_waiting && old_stage != stage {
                    self.emit_waiting(&old_stage, at)?;
                }
                self.emit_waiting(&stage, at)?;
            }
            Change::Leave { state, closing } => {
                if was_waiting {
                    self.count_waiting(ticket, -1)?;
                }
                if let Some(outcome) = closing {
                    self.close_visit(ticket.visit_id, at.ms, outcome)?;
                }
                ticket.state = state;
                ticket.counter = None;
                self.update_state(ticket)?;
                self.emit_ticket(ticket, at)?;
                if was_waiting {
                    self.emit_waiting(&old_stage, at)?;
                }
            }
            Change::CloseDay => {
                if was_waiting {
                    self.count_waiting(ticket, -1)?;
                }
                self.close_visit(ticket.visit_id, at.ms, VisitOutcome::DayClosed)?;
                ticket.state = TicketState::Closed;
                ticket.counter = None;
                self.update_state(ticket)?;
                self.emit_ticket(ticket, at)?;
                if let Some(counter) = held_by {
                    // Nobody is at a counter when the day changes.
                    counters::set(self.conn(), self.log, &counter, CounterState::Closed, None, at)?;
                }
                return Ok(());
            }
        }
        if let Some(counter) = held_by {
            counters::set(self.conn(), self.log, &counter, CounterState::Open, None, at)?;
        }
        Ok(())
    }

    /// A waiting ticket is called to `counter`, which opens and holds it.
    fn call(&mut self, ticket: &mut TicketRow, counter: &str, at: Stamp) -> StoreResult<()> {
        self.count_waiting(ticket, -1)?;
        ticket.state = TicketState::Called;
        ticket.counter = Some(counter.to_owned());
        ticket.called_at = Some(at.ms);
        ticket.recall = 0;
        ticket.reserved_counter = None;
        self.conn()
            .prepare_cached(
                "UPDATE tickets SET state = 'called', counter = ?2, called_at = ?3, recall = 0, reserved_counter = NULL
                 WHERE id = ?1",
            )?
            .execute(params![ticket.id, counter, at.ms])?;
        if let Some(visit) = ticket.visit_id {
            self.conn()
                .prepare_cached("UPDATE stage_visits SET called_at = ?2, counter = ?3 WHERE id = ?1")?
                .execute(params![visit, at.ms, counter])?;
        }
        self.emit_called(ticket, counter, at)?;
        self.emit_waiting(&ticket.stage, at)?;
        counters::set(
            self.conn(),
            self.log,
            counter,
            CounterState::Open,
            Some((&ticket.id, &ticket.number)),
            at,
        )
    }

    fn recall(&mut self, ticket: &mut TicketRow, at: Stamp) -> StoreResult<()> {
        ticket.recall += 1;
        self.conn()
            .prepare_cached("UPDATE tickets SET recall = ?2 WHERE id = ?1")?
            .execute(params![ticket.id, ticket.recall])?;
        if let Some(visit) = ticket.visit_id {
            self.conn()
                .prepare_cached("UPDATE stage_visits SET recalls = recalls + 1 WHERE id = ?1")?
                .execute(params![visit])?;
        }
        let counter = ticket.counter.clone().unwrap_or_default();
        self.emit_called(ticket, &counter, at)
    }

    /// Puts a ticket (back) into the waiting queue of `stage` as of now, with a new visit.
    fn enqueue(
        &mut self,
        ticket: &mut TicketRow,
        stage: &str,
        reserved: Option<String>,
        requeued: bool,
        now: i64,
    ) -> StoreResult<()> {
        let seq = self.next_queued_seq()?;
        let visit = self.open_visit(&ticket.id, stage, now, ticket.priority, requeued)?;
        ticket.stage = stage.to_owned();
        ticket.state = TicketState::Waiting;
        ticket.counter = None;
        ticket.reserved_counter = reserved;
        ticket.effective_at = now;
        ticket.queued_seq = seq;
        ticket.called_at = None;
        ticket.recall = 0;
        ticket.visit_id = Some(visit);
        self.conn()
            .prepare_cached(
                "UPDATE tickets SET stage = ?2, state = 'waiting', counter = NULL, reserved_counter = ?3,
                 effective_at = ?4, queued_seq = ?5, called_at = NULL, recall = 0, visit_id = ?6 WHERE id = ?1",
            )?
            .execute(params![ticket.id, ticket.stage, ticket.reserved_counter, now, seq, visit])?;
        Ok(())
    }

    fn update_state(&mut self, ticket: &TicketRow) -> StoreResult<()> {
        self.conn()
            .prepare_cached("UPDATE tickets SET state = ?2, counter = ?3 WHERE id = ?1")?
            .execute(params![ticket.id, ticket.state.as_str(), ticket.counter])?;
        Ok(())
    }

    fn next_queued_seq(&self) -> StoreResult<i64> {
        Ok(self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(queued_seq), 0) + 1 FROM tickets")?
            .query_row([], |r| r.get(0))?)
    }

    fn open_visit(
        &mut self,
        ticket: &str,
        stage: &str,
        now: i64,
        priority: bool,
        requeued: bool,
    ) -> StoreResult<i64> {
        self.conn()
            .prepare_cached(
                "INSERT INTO stage_visits (ticket_id, stage, queued_at, priority, requeued) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![ticket, stage, now, priority, requeued])?;
        Ok(self.conn().last_insert_rowid())
    }

    fn close_visit(&mut self, visit: Option<i64>, now: i64, outcome: VisitOutcome) -> StoreResult<()> {
        if let Some(visit) = visit {
            self.conn()
                .prepare_cached("UPDATE stage_visits SET finished_at = ?2, outcome = ?3 WHERE id = ?1")?
                .execute(params![visit, now, outcome.as_str()])?;
        }
        Ok(())
    }

    /// Keeps `queue_counts` in step when a ticket enters (+1) or leaves (-1) its waiting queue.
    fn count_waiting(&mut self, ticket: &TicketRow, delta: i64) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO queue_counts (day, stage, priority, waiting) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (day, stage, priority) DO UPDATE SET waiting = waiting + excluded.waiting",
            )?
            .execute(params![date_text(ticket.day), ticket.stage, ticket.priority, delta])?;
        Ok(())
    }

    fn emit_ticket(&mut self, ticket: &TicketRow, at: Stamp) -> StoreResult<()> {
        let event = HubEvent::Ticket(TicketEvent {
            ticket_id: ticket.id.clone(),
            number: ticket.number.clone(),
            state: ticket.state,
            stage: ticket.stage.clone(),
            counter: ticket.counter.clone(),
        });
        append(self.conn(), self.log, at, event).map(drop)
    }

    /// The waiting count of `stage` on the day of `at` (the office's today: what screens show).
    fn emit_waiting(&mut self, stage: &str, at: Stamp) -> StoreResult<()> {
        let count = self.read.waiting_at(at.local.date_naive(), stage)?;
        append(self.conn(), self.log, at, HubEvent::Waiting(WaitingEvent { stage: stage.to_owned(), count }))
            .map(drop)
    }

    fn emit_called(&mut self, ticket: &TicketRow, counter: &str, at: Stamp) -> StoreResult<()> {
        let counter_name = counters::name_of(self.conn(), counter)?;
        let event = HubEvent::Called(CalledEvent {
            ticket_id: ticket.id.clone(),
            number: ticket.number.clone(),
            counter: counter.to_owned(),
            counter_name,
            stage: ticket.stage.clone(),
            at: at.local,
            recall: ticket.recall,
        });
        append(self.conn(), self.log, at, event).map(drop)
    }
}
