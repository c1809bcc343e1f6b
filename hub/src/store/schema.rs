//! The database file: how a connection is opened, the numbered migrations, and the office a
//! data dir belongs to.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{StoreError, StoreResult};

pub const DB_FILE: &str = "antrian.db";

/// A numbered migration: `check` runs first, in the same transaction, and may refuse.
struct Migration {
    name: &'static str,
    sql: &'static str,
    check: Option<fn(&Connection) -> StoreResult<()>>,
}

/// The numbered migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[Migration] = &[
    Migration { name: "001_initial", sql: include_str!("../../migrations/001_initial.sql"), check: None },
    Migration {
        name: "002_reschedule",
        sql: include_str!("../../migrations/002_reschedule.sql"),
        check: None,
    },
    Migration {
        name: "003_one_office",
        sql: include_str!("../../migrations/003_one_office.sql"),
        check: Some(stamp_the_one_office),
    },
    Migration { name: "004_central", sql: include_str!("../../migrations/004_central.sql"), check: None },
    Migration { name: "005_skm", sql: include_str!("../../migrations/005_skm.sql"), check: None },
];

/// Opens a connection with the hub's settings.
pub fn open_connection(path: &Path, read_only: bool) -> rusqlite::Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Deleted personal data is overwritten, not left in free pages (retention).
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Brings the schema up to date. Foreign keys are off while tables are rebuilt (SQLite's
/// documented procedure) and checked before each migration commits.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Failed(format!(
            "the database has schema version {applied}, newer than this hub ({}); use the newer hub",
            MIGRATIONS.len()
        )));
    }
    if applied == MIGRATIONS.len() {
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = apply(conn, applied);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    result
}

fn apply(conn: &mut Connection, applied: usize) -> StoreResult<()> {
    for (number, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        if let Some(check) = migration.check {
            check(&tx)?;
        }
        tx.execute_batch(migration.sql)?;
        let broken: Option<String> = tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(StoreError::Failed(format!(
                "migration {} breaks a reference in {table}",
                migration.name
            )));
        }
        tx.pragma_update(None, "user_version", number + 1)?;
        tx.commit()?;
        tracing::info!(migration = migration.name, "applied migration");
    }
    Ok(())
}

pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

/// The offices whose rows a file of schema version 1 or 2 holds (those versions kept an office
/// column on tickets, appointments and events).
fn offices_in_rows(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut statement = conn.prepare(
        "SELECT office FROM appointments UNION SELECT office FROM tickets UNION SELECT office FROM events ORDER BY 1",
    )?;
    let offices = statement.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(offices)
}

/// Before migration 003: a file may hold one office only; that office is stamped in `meta`.
fn stamp_the_one_office(conn: &Connection) -> StoreResult<()> {
    let offices = offices_in_rows(conn)?;
    if offices.len() > 1 {
        return Err(StoreError::Failed(format!(
            "this database holds several offices ({}); this hub keeps one office per data dir and cannot \
             split it: give each office a new data dir and import its appointments there (antrian-hub import)",
            offices.join(", ")
        )));
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;",
    )?;
    if let Some(office) = offices.first() {
        conn.execute("INSERT INTO meta (key, value) VALUES ('office', ?1)", params![office])?;
    }
    Ok(())
}

/// Refuses a file that belongs to another office than `office`, before anything in it is
/// changed — whatever schema version it has.
pub fn check_office(conn: &Connection, office: &str) -> StoreResult<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let stored: Vec<String> = match version {
        0 => Vec::new(),
        1 | 2 => offices_in_rows(conn)?,
        _ => conn
            .query_row("SELECT value FROM meta WHERE key = 'office'", [], |r| r.get(0))
            .optional()?
            .into_iter()
            .collect(),
    };
    match stored.iter().find(|s| *s != office) {
        Some(other) => Err(StoreError::OtherOffice { stored: other.clone(), configured: office.to_owned() }),
        None => Ok(()),
    }
}

/// Stamps a new data dir with `office`; refuses one that belongs to another office.
pub fn claim_office(conn: &Connection, office: &str) -> StoreResult<()> {
    let stored: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'office'", [], |r| r.get(0)).optional()?;
    match stored {
        Some(stored) if stored == office => Ok(()),
        Some(stored) => Err(StoreError::OtherOffice { stored, configured: office.to_owned() }),
        None => {
            conn.execute("INSERT INTO meta (key, value) VALUES ('office', ?1)", params![office])?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_settings_hold() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(DB_FILE);
        let mut conn = open_connection(&path, false).expect("open");
        migrate(&mut conn).expect("migrate");
        migrate(&mut conn).expect("migrate again is a no-op");
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, schema_version());
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
        let sync: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).expect("sync");
        assert_eq!(sync, 2, "synchronous=FULL");
        let keys: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("fk");
        assert_eq!(keys, 1, "foreign keys are back on after migrating");
    }

    /// A database as version 2 of the schema left it.
    fn version_2(dir: &tempfile::TempDir) -> Connection {
        let conn = open_connection(&dir.path().join(DB_FILE), false).expect("open");
        conn.execute_batch(MIGRATIONS[0].sql).expect("001");
        conn.execute_batch(MIGRATIONS[1].sql).expect("002");
        conn.pragma_update(None, "user_version", 2).expect("version 2");
        conn
    }

    /// A database of the previous version (one office, a day's tickets and events) keeps
    /// everything through migration 003, and event ids go on from where they were.
    #[test]
    fn a_one_office_database_of_version_2_keeps_its_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = version_2(&dir);
        conn.execute_batch(
            "INSERT INTO appointments (booking_code, office, service, date, slot, name, nik_hash, nik_last4, state, qr, source, created_at, updated_at)
               VALUES ('K7PQ3M9XWZ', 'kanim-jaksel', 'A', '2026-11-25', '09:00', 'Budi', x'00', '8901', 'checked_in', 'qr', 'api', 1, 1);
             INSERT INTO tickets (id, office, day, service, seq, number, priority, booking_code, slot, stage, state, effective_at, queued_seq, checked_in_at)
               VALUES ('20261125-A001', 'kanim-jaksel', '2026-11-25', 'A', 1, 'A001', 0, 'K7PQ3M9XWZ', '09:00', 'berkas', 'waiting', 5, 1, 5);
             INSERT INTO stage_visits (ticket_id, stage, queued_at, priority) VALUES ('20261125-A001', 'berkas', 5, 0);
             INSERT INTO queue_counts (office, day, stage, priority, waiting) VALUES ('kanim-jaksel', '2026-11-25', 'berkas', 0, 1);
             INSERT INTO counters (id, state, since) VALUES ('1', 'open', 0);
             INSERT INTO events (office, at, kind, data) VALUES ('kanim-jaksel', 5, 'ticket', '{}'), ('kanim-jaksel', 6, 'waiting', '{}');
             DELETE FROM events WHERE id = 2;
             INSERT INTO idempotency (caller, request_id, status, body, at) VALUES ('device:1', 'r1', 201, '{}', 5);",
        )
        .expect("version 2 data");
        assert_eq!(
            check_office(&conn, "kanim-bandung"),
            Err(StoreError::OtherOffice {
                stored: "kanim-jaksel".into(),
                configured: "kanim-bandung".into()
            }),
            "another office's hub is refused before the file is migrated"
        );
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, 2, "and nothing was changed");
        check_office(&conn, "kanim-jaksel").expect("its own office");
        migrate(&mut conn).expect("migrate");
        claim_office(&conn, "kanim-jaksel").expect("the office found in the file is this one");
        assert_eq!(
            claim_office(&conn, "kanim-bandung"),
            Err(StoreError::OtherOffice {
                stored: "kanim-jaksel".into(),
                configured: "kanim-bandung".into()
            })
        );
        let number: String = conn
            .query_row("SELECT number FROM tickets WHERE booking_code = 'K7PQ3M9XWZ'", [], |r| r.get(0))
            .expect("ticket");
        assert_eq!(number, "A001");
        let waiting: i64 =
            conn.query_row("SELECT waiting FROM queue_counts", [], |r| r.get(0)).expect("count");
        assert_eq!(waiting, 1);
        conn.execute("INSERT INTO events (at, kind, data) VALUES (7, 'ticket', '{}')", [])
            .expect("new event");
        let last: i64 = conn.query_row("SELECT MAX(id) FROM events", [], |r| r.get(0)).expect("id");
        assert_eq!(last, 3, "an event id is never given twice, even after the rebuild");
        let visits: i64 =
            conn.query_row("SELECT COUNT(*) FROM stage_visits", [], |r| r.get(0)).expect("visits");
        assert_eq!(visits, 1);
    }

    #[test]
    fn a_database_holding_two_offices_is_not_migrated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = version_2(&dir);
        conn.execute_batch(
            "INSERT INTO events (office, at, kind, data) VALUES ('kanim-jaksel', 5, 'ticket', '{}'), ('kanim-bandung', 6, 'ticket', '{}');",
        )
        .expect("two offices");
        let error = migrate(&mut conn).expect_err("refused");
        assert!(error.to_string().contains("kanim-bandung, kanim-jaksel"), "{error}");
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, 2, "nothing was changed");
        let events: i64 = conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).expect("events");
        assert_eq!(events, 2);
    }
}
