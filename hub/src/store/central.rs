//! The hub's side of the national service's sync (CENTRAL.md): the cursor in its change feed,
//! the outbox of what happened at the office to report back (kept until acknowledged, so it
//! survives a restart or an outage), and passports marked ready for pickup.
//!
//! Only bookings that came from the service (`source` `central`, or `central-qr` for one
//! checked in from its signed QR before the feed brought it) are reported.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// A report waiting for the service's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: String,
    pub booking_code: String,
    pub kind: String,
    /// ms.
    pub at: i64,
}

/// Queues `kind` for `booking_code` at `at_ms` if the booking came from the service.
pub(super) fn enqueue(conn: &Connection, booking_code: &str, kind: &str, at_ms: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO central_outbox (id, booking_code, kind, at)
         SELECT ?1 || ':' || ?2 || ':' || ?3, booking_code, ?2, ?3 FROM appointments
         WHERE booking_code = ?1 AND source IN ('central', 'central-qr')",
    )?
    .execute(params![booking_code, kind, at_ms])?;
    Ok(())
}

/// Queues `picked_up` for the booking whose pickup ticket `ticket_id` is, and records it.
pub(super) fn picked_up(conn: &Connection, ticket_id: &str, at_ms: i64) -> StoreResult<()> {
    let code: Option<String> = conn
        .prepare_cached("SELECT booking_code FROM pickups WHERE ticket_id = ?1 AND picked_up_at IS NULL")?
        .query_row(params![ticket_id], |r| r.get(0))
        .optional()?;
    if let Some(code) = code {
        conn.prepare_cached("UPDATE pickups SET picked_up_at = ?2 WHERE booking_code = ?1")?
            .execute(params![code, at_ms])?;
        enqueue(conn, &code, "picked_up", at_ms)?;
    }
    Ok(())
}

/// Reads of the sync state.
#[derive(Clone, Copy)]
pub struct Central<'a> {
    conn: &'a Connection,
}

impl<'a> Central<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Central { conn }
    }

    /// The last change-feed cursor applied (0: none yet).
    pub fn cursor(&self) -> StoreResult<i64> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'central_cursor'", [], |r| r.get(0))
            .optional()?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Up to `limit` reports, oldest first.
    pub fn outbox(&self, limit: u32) -> StoreResult<Vec<Outgoing>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, booking_code, kind, at FROM central_outbox ORDER BY at, id LIMIT ?1",
        )?;
        let rows = statement.query_map(params![limit], |r| {
            Ok(Outgoing { id: r.get(0)?, booking_code: r.get(1)?, kind: r.get(2)?, at: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the booking's passport is ready and not yet picked up: the pickup ticket's id
    /// if one was taken.
    pub fn pickup(&self, booking_code: &str) -> StoreResult<Option<Option<String>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT ticket_id FROM pickups WHERE booking_code = ?1 AND picked_up_at IS NULL")?
            .query_row(params![booking_code], |r| r.get(0))
            .optional()?)
    }
}

/// A booking as the service's feed gives it.
#[derive(Debug, Clone)]
pub struct Synced {
    pub booking_code: String,
    pub service: String,
    pub date: chrono::NaiveDate,
    pub slot: String,
    pub name: String,
    pub nik_hash: Vec<u8>,
    pub nik_last4: String,
    pub qr: String,
    pub rescheduled: bool,
    /// `false`: the booking was cancelled.
    pub active: bool,
}

/// Writes of the sync state.
pub struct CentralMut<'a> {
    conn: &'a Connection,
}

impl<'a> CentralMut<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        CentralMut { conn }
    }

    pub fn set_cursor(&mut self, cursor: i64) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('central_cursor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![cursor.to_string()],
        )?;
        Ok(())
    }

    /// Applies a booking from the feed: a new one is stored as booked; one known is brought up
    /// to date (date, slot, QR, name) but keeps what happened here (checked in, no-show); a
    /// cancelled one is cancelled unless it has already checked in. Applying the same change
    /// twice changes nothing more.
    pub fn apply(&mut self, synced: &Synced, now_ms: i64) -> StoreResult<()> {
        let state = if synced.active { "booked" } else { "cancelled" };
        self.conn
            .prepare_cached(
                "INSERT INTO appointments (booking_code, service, date, slot, name, nik_hash, nik_last4, state, qr,
                    source, rescheduled, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'central', ?10, ?11, ?11)
                 ON CONFLICT (booking_code) DO UPDATE SET
                    service = excluded.service, date = excluded.date, slot = excluded.slot, name = excluded.name,
                    nik_hash = excluded.nik_hash, nik_last4 = excluded.nik_last4, qr = excluded.qr,
                    rescheduled = excluded.rescheduled, updated_at = excluded.updated_at,
                    state = CASE WHEN appointments.state = 'booked' THEN excluded.state ELSE appointments.state END",
            )?
            .execute(params![
                synced.booking_code,
                synced.service,
                super::date_text(synced.date),
                synced.slot,
                synced.name,
                synced.nik_hash,
                synced.nik_last4,
                state,
                synced.qr,
                synced.rescheduled,
                now_ms
            ])?;
        Ok(())
    }

    /// Stores a booking known only from its signed QR (the feed has not brought it yet), as
    /// booked; the feed fills in the name and NIK later.
    pub fn insert_from_qr(
        &mut self,
        claim: &antrian_proto::qr::BookingClaim,
        qr: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO appointments (booking_code, service, date, slot, name, nik_hash, nik_last4, state, qr,
                    source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, NULL, NULL, '', 'booked', ?5, 'central-qr', ?6, ?6)",
            )?
            .execute(params![
                claim.booking_code,
                claim.service,
                super::date_text(claim.date),
                claim.slot.format("%H:%M").to_string(),
                qr,
                now_ms
            ])?;
        Ok(())
    }

    /// Marks a booking's passport ready for pickup and queues the report; `false` when no such
    /// booking is here. Marking it again changes nothing.
    pub fn mark_ready(&mut self, booking_code: &str, now_ms: i64) -> StoreResult<bool> {
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM appointments WHERE booking_code = ?1)",
            params![booking_code],
            |r| r.get(0),
        )?;
        if !known {
            return Ok(false);
        }
        let new = self.conn.execute(
            "INSERT OR IGNORE INTO pickups (booking_code, ready_at) VALUES (?1, ?2)",
            params![booking_code, now_ms],
        )?;
        if new == 1 {
            enqueue(self.conn, booking_code, "ready_for_pickup", now_ms)?;
        }
        Ok(true)
    }

    /// Records the pickup ticket taken for a ready passport.
    pub fn pickup_ticket(&mut self, booking_code: &str, ticket_id: &str) -> StoreResult<()> {
        self.conn.execute(
            "UPDATE pickups SET ticket_id = ?2 WHERE booking_code = ?1",
            params![booking_code, ticket_id],
        )?;
        Ok(())
    }

    /// Forgets the reports the service acknowledged.
    pub fn sent(&mut self, ids: &[String]) -> StoreResult<()> {
        let mut statement = self.conn.prepare_cached("DELETE FROM central_outbox WHERE id = ?1")?;
        for id in ids {
            statement.execute(params![id])?;
        }
        Ok(())
    }
}
