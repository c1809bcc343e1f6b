//! What the reports and the supervisor's page read: the stage visits of a day with their
//! tickets, and counts of tickets and appointments.

use std::collections::BTreeMap;

use antrian_proto::{AppointmentReport, TicketState};
use chrono::NaiveDate;
use rusqlite::{Connection, params};

use super::{StoreError, StoreResult, date_text};
use crate::engine::VisitOutcome;

/// One stage visit with its ticket.
#[derive(Debug, Clone)]
pub struct Visit {
    pub number: String,
    pub service: String,
    pub priority: bool,
    /// The ticket came from a booking (not a walk-in).
    pub booked: bool,
    pub ticket_state: TicketState,
    pub stage: String,
    pub counter: Option<String>,
    pub queued_at: i64,
    pub called_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// How the visit ended; `None` while it goes on.
    pub outcome: Option<VisitOutcome>,
    pub recalls: u32,
    pub requeued: bool,
}

/// Tickets of one service on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceCounts {
    pub tickets: u32,
    pub walk_ins: u32,
    pub checked_in: u32,
    pub done: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Still open when the day ended.
    pub closed: u32,
}

/// A stage's visits since a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageSince {
    pub served: u32,
    pub no_shows: u32,
    /// Mean wait of the visits called, in ms.
    pub mean_wait_ms: Option<f64>,
}

/// Reads for reports.
#[derive(Clone, Copy)]
pub struct Figures<'a> {
    conn: &'a Connection,
}

impl<'a> Figures<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Figures { conn }
    }

    /// The visits of the tickets of `day`, in the order they were queued.
    pub fn visits(&self, day: NaiveDate) -> StoreResult<Vec<Visit>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT t.number, t.service, t.priority, t.booking_code IS NOT NULL, t.state, v.stage, v.counter, v.queued_at,
                    v.called_at, v.started_at, v.finished_at, v.outcome, v.recalls, v.requeued
             FROM stage_visits v JOIN tickets t ON t.id = v.ticket_id
             WHERE t.day = ?1 ORDER BY v.queued_at, v.id",
        )?;
        let rows = statement.query_map(params![date_text(day)], |r| {
            Ok((
                Visit {
                    number: r.get(0)?,
                    service: r.get(1)?,
                    priority: r.get(2)?,
                    booked: r.get(3)?,
                    ticket_state: TicketState::Waiting,
                    stage: r.get(5)?,
                    counter: r.get(6)?,
                    queued_at: r.get(7)?,
                    called_at: r.get(8)?,
                    started_at: r.get(9)?,
                    finished_at: r.get(10)?,
                    outcome: None,
                    recalls: r.get(12)?,
                    requeued: r.get(13)?,
                },
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(11)?,
            ))
        })?;
        rows.map(|row| {
            let (visit, state, outcome) = row?;
            let ticket_state =
                TicketState::parse(&state).ok_or_else(|| StoreError::bad_value("ticket state", state))?;
            let outcome = outcome
                .map(|o| VisitOutcome::parse(&o).ok_or_else(|| StoreError::bad_value("visit outcome", o)))
                .transpose()?;
            Ok(Visit { ticket_state, outcome, ..visit })
        })
        .collect()
    }

    /// Tickets per service on `day`.
    pub fn services(&self, day: NaiveDate) -> StoreResult<BTreeMap<String, ServiceCounts>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT service, COUNT(*), COALESCE(SUM(booking_code IS NULL), 0), COALESCE(SUM(booking_code IS NOT NULL), 0),
                    COALESCE(SUM(state = 'done'), 0), COALESCE(SUM(state = 'no_show'), 0), COALESCE(SUM(state = 'cancelled'), 0),
                    COALESCE(SUM(state = 'closed'), 0)
             FROM tickets WHERE day = ?1 GROUP BY service",
        )?;
        let rows = statement.query_map(params![date_text(day)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ServiceCounts {
                    tickets: r.get(1)?,
                    walk_ins: r.get(2)?,
                    checked_in: r.get(3)?,
                    done: r.get(4)?,
                    no_shows: r.get(5)?,
                    cancelled: r.get(6)?,
                    closed: r.get(7)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The appointments of `day` by state.
    pub fn appointments(&self, day: NaiveDate) -> StoreResult<AppointmentReport> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(state != 'cancelled'), 0), COALESCE(SUM(state = 'checked_in'), 0),
                        COALESCE(SUM(state = 'no_show'), 0), COALESCE(SUM(state = 'cancelled'), 0)
                 FROM appointments WHERE date = ?1",
            )?
            .query_row(params![date_text(day)], |r| {
                Ok(AppointmentReport {
                    booked: r.get(0)?,
                    checked_in: r.get(1)?,
                    no_show: r.get(2)?,
                    cancelled: r.get(3)?,
                })
            })?)
    }

    /// When each ticket of `day` was issued (ms).
    pub fn arrivals(&self, day: NaiveDate) -> StoreResult<Vec<i64>> {
        let mut statement = self.conn.prepare_cached("SELECT checked_in_at FROM tickets WHERE day = ?1")?;
        let times = statement.query_map(params![date_text(day)], |r| r.get(0))?;
        Ok(times.collect::<Result<_, _>>()?)
    }

    /// Tickets waiting at `stage` on `day`, and since when the longest has waited (ms).
    pub fn waiting_now(&self, day: NaiveDate, stage: &str) -> StoreResult<(u32, Option<i64>)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*), MIN(v.queued_at) FROM tickets t JOIN stage_visits v ON v.id = t.visit_id
                 WHERE t.day = ?1 AND t.state = 'waiting' AND t.stage = ?2",
            )?
            .query_row(params![date_text(day), stage], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    /// The visits of `stage` queued since `since_ms`: served, no-shows and the mean wait.
    pub fn stage_since(&self, stage: &str, since_ms: i64) -> StoreResult<StageSince> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(outcome IN ('done', 'next_stage')), 0), COALESCE(SUM(outcome = 'no_show'), 0),
                        AVG(CASE WHEN called_at IS NOT NULL THEN called_at - queued_at END)
                 FROM stage_visits WHERE stage = ?1 AND queued_at >= ?2",
            )?
            .query_row(params![stage, since_ms], |r| {
                Ok(StageSince { served: r.get(0)?, no_shows: r.get(1)?, mean_wait_ms: r.get(2)? })
            })?)
    }

    /// Tickets of `day`, and how many of them are done.
    pub fn tickets_on(&self, day: NaiveDate) -> StoreResult<(u32, u32)> {
        Ok(self
            .conn
            .prepare_cached("SELECT COUNT(*), COALESCE(SUM(state = 'done'), 0) FROM tickets WHERE day = ?1")?
            .query_row(params![date_text(day)], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }
}
