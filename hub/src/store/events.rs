//! The numbered event log that displays, consoles and status pages follow. Events are written
//! by the ticket and counter changes themselves ([`super::tickets`], [`super::counters`]);
//! here they are read back.

use std::sync::Arc;

use antrian_proto::HubEvent;
use antrian_proto::events::CalledEvent;
use rusqlite::{Connection, params};

use super::{Stamp, StoreResult};

/// An event as it goes to subscribers: serialised once, when it is written to the log, and
/// shared by every subscriber (a clone is a reference count, not a copy of the event).
#[derive(Debug, Clone)]
pub struct WireEvent {
    pub id: u64,
    pub kind: &'static str,
    pub data: Arc<str>,
}

/// Appends `event` to the log; it reaches subscribers after the commit.
pub(super) fn append(
    conn: &Connection,
    log: &mut Vec<WireEvent>,
    at: Stamp,
    event: HubEvent,
) -> StoreResult<u64> {
    let (kind, data) = (event.kind(), event.data_json());
    conn.prepare_cached("INSERT INTO events (at, kind, data) VALUES (?1, ?2, ?3)")?
        .execute(params![at.ms, kind, data])?;
    let id = u64::try_from(conn.last_insert_rowid()).unwrap_or_default();
    log.push(WireEvent { id, kind, data: data.into() });
    Ok(id)
}

/// Reads of the log.
pub struct Events<'a> {
    conn: &'a Connection,
}

impl<'a> Events<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Events { conn }
    }

    /// Events after `since`, in order, at most `limit`, as they were written.
    pub fn after(&self, since: u64, limit: u32) -> StoreResult<Vec<WireEvent>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, kind, data FROM events WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows = statement.query_map(params![since as i64, limit], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (id, kind, data) = row?;
            // Only kinds this hub knows go out (a newer hub's log read by an older one): the
            // live ones, and the `reset` a restore leaves where the replaced log ended
            // (`backup::restore`).
            let known = HubEvent::KINDS.iter().copied().chain([antrian_proto::events::RESET]);
            if let Some(kind) = known.into_iter().find(|k| *k == kind) {
                events.push(WireEvent { id: id as u64, kind, data: data.into() });
            }
        }
        Ok(events)
    }

    /// The id of the last event written (0 when there is none).
    pub fn last_id(&self) -> StoreResult<u64> {
        let last: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events")?
            .query_row([], |r| r.get(0))?;
        Ok(u64::try_from(last).unwrap_or_default())
    }

    /// The `called` events since `since_ms`, newest first, at most `limit`.
    pub fn calls_since(&self, since_ms: i64, limit: u32) -> StoreResult<Vec<CalledEvent>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT data FROM events WHERE kind = 'called' AND at >= ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let mut calls = Vec::new();
        for data in statement.query_map(params![since_ms, limit], |r| r.get::<_, String>(0))? {
            let data = data?;
            match serde_json::from_str::<CalledEvent>(&data) {
                Ok(call) => calls.push(call),
                Err(error) => tracing::warn!(%error, "a stored call event cannot be read; left out"),
            }
        }
        Ok(calls)
    }
}
