//! The first answers to mutating requests, by caller and `request_id` (API.md): a request
//! repeated with the same id gets the first answer again, read in the same transaction that
//! would otherwise act.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// Reads of remembered answers.
#[derive(Clone, Copy)]
pub struct Idempotency<'a> {
    conn: &'a Connection,
}

impl<'a> Idempotency<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Idempotency { conn }
    }

    /// What `caller`'s request `request_id` asked for and the answer (JSON) it was given, if
    /// any. (Answers kept by an older hub have an empty `request`.)
    pub fn answer(&self, caller: &str, request_id: &str) -> StoreResult<Option<(String, String)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT request, body FROM idempotency WHERE caller = ?1 AND request_id = ?2")?
            .query_row(params![caller, request_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
}

/// Writes of remembered answers.
pub struct IdempotencyMut<'a> {
    read: Idempotency<'a>,
}

reads_through!(IdempotencyMut => Idempotency);

impl<'a> IdempotencyMut<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        IdempotencyMut { read: Idempotency::new(conn) }
    }

    /// Keeps the `answer` to `caller`'s `request_id`, which asked for `request`.
    pub fn remember(
        &mut self,
        caller: &str,
        request_id: &str,
        request: &str,
        answer: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.read
            .conn
            .prepare_cached(
                "INSERT INTO idempotency (caller, request_id, request, body, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![caller, request_id, request, answer, now])?;
        Ok(())
    }

    /// Forgets answers given before `before` (staff answers carry names); how many.
    pub fn forget_before(&mut self, before: i64) -> StoreResult<usize> {
        Ok(self.read.conn.execute("DELETE FROM idempotency WHERE at < ?1", params![before])?)
    }
}
