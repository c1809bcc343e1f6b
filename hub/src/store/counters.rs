//! Counters (loket): their state, the ticket each holds, and the name the displays show (kept
//! from the configuration at every start, so the events the store writes can carry it).

use antrian_proto::events::CounterEvent;
use antrian_proto::{CounterState, HubEvent};
use rusqlite::{Connection, OptionalExtension, params};

use super::events::{WireEvent, append};
use super::{Stamp, StoreError, StoreResult};

/// A counter as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRow {
    pub id: String,
    pub name: String,
    pub state: CounterState,
    /// The ticket called to or served at the counter.
    pub ticket_id: Option<String>,
    /// Since when it is in this state (ms).
    pub since: i64,
}

fn parse_state(text: String) -> StoreResult<CounterState> {
    CounterState::parse(&text).ok_or_else(|| StoreError::bad_value("counter state", text))
}

type RawCounter = (String, String, String, Option<String>, i64);

fn counter_row((id, name, state, ticket_id, since): RawCounter) -> StoreResult<CounterRow> {
    Ok(CounterRow { id, name, state: parse_state(state)?, ticket_id, since })
}

/// Reads of counters.
#[derive(Clone, Copy)]
pub struct Counters<'a> {
    conn: &'a Connection,
}

impl<'a> Counters<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Counters { conn }
    }

    pub fn get(&self, id: &str) -> StoreResult<Option<CounterRow>> {
        self.conn
            .prepare_cached("SELECT id, name, state, ticket_id, since FROM counters WHERE id = ?1")?
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .optional()?
            .map(counter_row)
            .transpose()
    }

    /// Every counter ever configured, by id.
    pub fn all(&self) -> StoreResult<Vec<CounterRow>> {
        let mut statement =
            self.conn.prepare_cached("SELECT id, name, state, ticket_id, since FROM counters ORDER BY id")?;
        let rows =
            statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
        rows.map(|raw| counter_row(raw?)).collect()
    }

    /// The ids of the open counters.
    pub fn open_ids(&self) -> StoreResult<Vec<String>> {
        let mut statement = self.conn.prepare_cached("SELECT id FROM counters WHERE state = 'open'")?;
        let ids = statement.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }
}

/// Writes of counters, each with its `counter` event.
pub struct CountersMut<'a> {
    read: Counters<'a>,
    log: &'a mut Vec<WireEvent>,
}

reads_through!(CountersMut => Counters);

impl<'a> CountersMut<'a> {
    pub(super) fn new(conn: &'a Connection, log: &'a mut Vec<WireEvent>) -> Self {
        CountersMut { read: Counters::new(conn), log }
    }

    /// Adds the configured counters that are new (closed) and keeps every name up to date.
    /// `counters`: (id, name).
    pub fn sync(&mut self, counters: &[(String, String)], now_ms: i64) -> StoreResult<()> {
        let mut statement = self.read.conn.prepare_cached(
            "INSERT INTO counters (id, name, state, since) VALUES (?1, ?2, 'closed', ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )?;
        for (id, name) in counters {
            statement.execute(params![id, name, now_ms])?;
        }
        Ok(())
    }

    /// Puts `counter` in `state`, holding the ticket `holding` (id, number) or none.
    pub fn set(
        &mut self,
        counter: &str,
        state: CounterState,
        holding: Option<(&str, &str)>,
        at: Stamp,
    ) -> StoreResult<()> {
        set(self.read.conn, self.log, counter, state, holding, at)
    }
}

pub(super) fn set(
    conn: &Connection,
    log: &mut Vec<WireEvent>,
    counter: &str,
    state: CounterState,
    holding: Option<(&str, &str)>,
    at: Stamp,
) -> StoreResult<()> {
    conn.prepare_cached("UPDATE counters SET state = ?2, ticket_id = ?3, since = ?4 WHERE id = ?1")?
        .execute(params![counter, state.as_str(), holding.map(|(id, _)| id), at.ms])?;
    let event = HubEvent::Counter(CounterEvent {
        counter: counter.to_owned(),
        state,
        ticket: holding.map(|(_, number)| number.to_owned()),
        ticket_id: holding.map(|(id, _)| id.to_owned()),
    });
    append(conn, log, at, event).map(drop)
}

/// The name displays show for `counter`.
pub(super) fn name_of(conn: &Connection, counter: &str) -> StoreResult<String> {
    let name: Option<String> = conn
        .prepare_cached("SELECT name FROM counters WHERE id = ?1")?
        .query_row(params![counter], |r| r.get(0))
        .optional()?;
    Ok(name.filter(|n| !n.is_empty()).unwrap_or_else(|| format!("Loket {counter}")))
}
