//! Storage: one SQLite file in the data dir, in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives a crash or a power cut.
//!
//! All writes go through one writer thread that owns the only write connection. Jobs that
//! arrive while a commit is in flight are grouped into the next transaction (group commit):
//! each job runs inside its own savepoint, so a job that fails rolls back alone, and every
//! caller is answered only after the shared commit is durable. Events a job appends to the
//! log are published to live subscribers only after that commit too.
//!
//! Reads run on a small pool of read connections through `spawn_blocking`; no database call
//! ever blocks an async worker thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use antrian_proto::HubEvent;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use tokio::sync::{broadcast, oneshot};

use crate::error::{ApiError, ApiResult};

pub const DB_FILE: &str = "antrian.db";

/// The numbered migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[(&str, &str)] = &[
    ("001_initial", include_str!("../migrations/001_initial.sql")),
    ("002_reschedule", include_str!("../migrations/002_reschedule.sql")),
];

/// An event as it goes to subscribers: serialised once, when it is written to the log, and
/// shared by every subscriber (a clone is a reference count, not a copy of the event).
#[derive(Debug, Clone)]
pub struct WireEvent {
    pub id: u64,
    pub kind: &'static str,
    pub data: Arc<str>,
}

/// What a job sees: the transaction (inside the job's savepoint) and the event log.
pub struct Tx<'a> {
    pub conn: &'a Connection,
    events: Vec<WireEvent>,
}

impl Tx<'_> {
    /// Appends an event to the log; it reaches subscribers after the commit.
    pub fn emit(&mut self, office: &str, at_ms: i64, event: HubEvent) -> ApiResult<u64> {
        let (kind, data) = (event.kind(), event.data_json());
        self.conn
            .prepare_cached("INSERT INTO events (office, at, kind, data) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![office, at_ms, kind, data])?;
        let id = u64::try_from(self.conn.last_insert_rowid()).unwrap_or_default();
        self.events.push(WireEvent { id, kind, data: data.into() });
        Ok(id)
    }
}

type Completion = Box<dyn FnOnce(ApiResult<()>) + Send>;
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> (bool, Completion) + Send>;

/// Wraps a typed job for the writer: its result is handed to `reply` after the commit, or the
/// commit's error if the shared transaction failed.
fn boxed_job<T, F, R>(job: F, reply: R) -> Job
where
    T: Send + 'static,
    F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    R: FnOnce(ApiResult<T>) + Send + 'static,
{
    Box::new(move |tx| {
        let result = job(tx);
        let ok = result.is_ok();
        let completion: Completion = Box::new(move |committed| reply(committed.and(result)));
        (ok, completion)
    })
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    readers: Mutex<Vec<Connection>>,
    events: broadcast::Sender<WireEvent>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

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

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (number, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", number + 1)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

impl Db {
    /// Opens (creating and migrating) the database in `data_dir` and starts the writer.
    pub fn open(data_dir: &Path) -> anyhow::Result<Db> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let mut conn = open_connection(&path, false)?;
        migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let (events, _) = broadcast::channel(8192);
        let publisher = events.clone();
        let thread = std::thread::Builder::new()
            .name("antrian-db-writer".into())
            .spawn(move || writer_loop(conn, rx, publisher))?;
        Ok(Db {
            inner: Arc::new(DbInner {
                path,
                writer: Mutex::new(Some(tx)),
                readers: Mutex::new(Vec::new()),
                events,
                writer_thread: Mutex::new(Some(thread)),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Live events, published after their commit.
    pub fn subscribe(&self) -> broadcast::Receiver<WireEvent> {
        self.inner.events.subscribe()
    }

    /// Runs `job` in the writer's next transaction and answers once it is committed.
    pub async fn write<T, F>(&self, job: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<ApiResult<T>>();
        self.submit(boxed_job(job, move |result| {
            let _ = reply.send(result);
        }))?;
        answer.await.map_err(|_| ApiError::unavailable("the database writer stopped"))?
    }

    /// The same, for callers without an async runtime (the CLI).
    pub fn write_blocking<T, F>(&self, job: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = mpsc::channel::<ApiResult<T>>();
        self.submit(boxed_job(job, move |result| {
            let _ = reply.send(result);
        }))?;
        answer.recv().map_err(|_| ApiError::unavailable("the database writer stopped"))?
    }

    fn submit(&self, job: Job) -> ApiResult<()> {
        let writer = self.inner.writer.lock().map_err(|_| ApiError::internal("writer lock poisoned"))?;
        writer
            .as_ref()
            .ok_or_else(|| ApiError::unavailable("the hub is shutting down"))?
            .send(job)
            .map_err(|_| ApiError::unavailable("the database writer stopped"))
    }

    /// Runs `f` on a read connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| ApiError::internal(format!("read task failed: {e}")))?
    }

    pub fn read_blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&Connection) -> ApiResult<T>,
    {
        let pooled = self.inner.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.inner.path, true)?,
        };
        let result = f(&conn);
        if let Ok(mut pool) = self.inner.readers.lock()
            && pool.len() < 16
        {
            pool.push(conn);
        }
        result
    }

    /// Moves the write-ahead log into the database file and empties it, so data removed from
    /// the database no longer lingers in old page images of the log.
    pub fn checkpoint(&self) -> ApiResult<()> {
        let conn = open_connection(&self.inner.path, false)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Stops the writer after the jobs already queued, and waits for it.
    pub fn close(&self) {
        if let Ok(mut writer) = self.inner.writer.lock() {
            writer.take();
        }
        let thread = self.inner.writer_thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Most jobs grouped into one commit.
const MAX_BATCH: usize = 512;

fn writer_loop(mut conn: Connection, jobs: mpsc::Receiver<Job>, publisher: broadcast::Sender<WireEvent>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut completions = Vec::with_capacity(batch.len());
        let mut events = Vec::new();
        let outcome = run_batch(&mut conn, batch, &mut completions, &mut events);
        match outcome {
            Ok(()) => {
                for completion in completions {
                    completion(Ok(()));
                }
                for event in events {
                    // No subscriber is fine.
                    let _ = publisher.send(event);
                }
            }
            Err(error) => {
                let error = ApiError::from(error);
                for completion in completions {
                    completion(Err(error.clone()));
                }
            }
        }
    }
    tracing::debug!("database writer stopped");
}

fn run_batch(
    conn: &mut Connection,
    batch: Vec<Job>,
    completions: &mut Vec<Completion>,
    events: &mut Vec<WireEvent>,
) -> rusqlite::Result<()> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for job in batch {
        let savepoint = tx.savepoint()?;
        let mut ctx = Tx { conn: &savepoint, events: Vec::new() };
        let (ok, completion) = job(&mut ctx);
        let job_events = std::mem::take(&mut ctx.events);
        completions.push(completion);
        if ok {
            savepoint.commit()?;
            events.extend(job_events);
        }
        // A failed job's savepoint rolls back when dropped.
    }
    tx.commit()
}

/// Events after `since`, in order, at most `limit`, as they were written.
pub fn events_after(conn: &Connection, office: &str, since: u64, limit: u32) -> ApiResult<Vec<WireEvent>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, kind, data FROM events WHERE id > ?1 AND office = ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = statement.query_map(params![since as i64, office, limit], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
    })?;
    let mut events = Vec::new();
    for row in rows {
        let (id, kind, data) = row?;
        // Only kinds this hub knows go out (a newer hub's log read by an older one).
        if let Some(kind) = HubEvent::KINDS.iter().copied().find(|k| *k == kind) {
            events.push(WireEvent { id: id as u64, kind, data: data.into() });
        }
    }
    Ok(events)
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
    }

    #[tokio::test]
    async fn a_failing_job_rolls_back_alone_in_a_shared_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path()).expect("open");
        let mut handles = Vec::new();
        for i in 0..50 {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                db.write(move |tx| {
                    tx.conn.execute(
                        "INSERT INTO counters (id, state, since) VALUES (?1, 'open', 0)",
                        params![i.to_string()],
                    )?;
                    if i % 5 == 0 {
                        return Err(ApiError::invalid("rejected"));
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut ok = 0;
        for handle in handles {
            if handle.await.expect("join").is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 40);
        let stored: i64 = db
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM counters", [], |r| r.get(0))?))
            .await
            .expect("count");
        assert_eq!(stored, 40);
        db.close();
    }
}
