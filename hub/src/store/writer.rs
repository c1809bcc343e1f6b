//! The writer thread with group commit, the pool of readers, and the live event channel.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{broadcast, oneshot};

use super::schema;
use super::{Read, StoreError, WireEvent, Write};

type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
type Job = Box<dyn FnOnce(&mut Write<'_>) -> (bool, Completion) + Send>;

/// Wraps a typed job for the writer: its result is handed to `reply` after the commit, or the
/// commit's error if the shared transaction failed.
fn boxed_job<T, E, F, R>(job: F, reply: R) -> Job
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&mut Write<'_>) -> Result<T, E> + Send + 'static,
    R: FnOnce(Result<T, E>) + Send + 'static,
{
    Box::new(move |tx| {
        let result = job(tx);
        let ok = result.is_ok();
        let completion: Completion = Box::new(move |committed| {
            reply(match committed {
                Ok(()) => result,
                Err(error) => Err(E::from(error)),
            })
        });
        (ok, completion)
    })
}

/// The hub's storage: a handle shared by every request (cloning is cheap).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    readers: Mutex<Vec<Connection>>,
    events: broadcast::Sender<WireEvent>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

/// Most jobs grouped into one commit.
const MAX_BATCH: usize = 512;
/// Read connections kept open for reuse.
const READERS: usize = 16;

impl Store {
    /// Opens (creating and migrating) the database of `office` in `data_dir` and starts the
    /// writer. A data dir stamped with another office is refused ([`StoreError::OtherOffice`]).
    pub fn open(data_dir: &Path, office: &str) -> Result<Store, StoreError> {
        if let Err(error) = std::fs::create_dir_all(data_dir) {
            // A failing disk answers mkdir with "exists"; what reading it says is the reason.
            match std::fs::metadata(data_dir) {
                Ok(found) if found.is_dir() => {}
                Ok(_) => {
                    return Err(StoreError::Unavailable(format!(
                        "{} is not a directory",
                        data_dir.display()
                    )));
                }
                Err(unreadable) => {
                    return Err(StoreError::Unavailable(format!(
                        "cannot use the data dir {}: {unreadable} ({error})",
                        data_dir.display()
                    )));
                }
            }
        }
        let path = data_dir.join(schema::DB_FILE);
        let mut conn = schema::open_connection(&path, false)?;
        schema::check_office(&conn, office)?;
        schema::migrate(&mut conn)?;
        schema::claim_office(&conn, office)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let (events, _) = broadcast::channel(8192);
        let publisher = events.clone();
        let thread = std::thread::Builder::new()
            .name("antrian-db-writer".into())
            .spawn(move || writer_loop(conn, rx, publisher))
            .map_err(|e| StoreError::Failed(format!("cannot start the writer: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
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
    pub async fn write<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Write<'_>) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        self.submit(boxed_job(job, move |result| {
            let _ = reply.send(result);
        }))?;
        answer.await.map_err(|_| E::from(StoreError::Closed))?
    }

    /// The same, for callers without an async runtime (the CLI).
    pub fn write_blocking<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Write<'_>) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = mpsc::channel::<Result<T, E>>();
        self.submit(boxed_job(job, move |result| {
            let _ = reply.send(result);
        }))?;
        answer.recv().map_err(|_| E::from(StoreError::Closed))?
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        let writer =
            self.inner.writer.lock().map_err(|_| StoreError::Failed("writer lock poisoned".into()))?;
        writer.as_ref().ok_or(StoreError::Closed)?.send(job).map_err(|_| StoreError::Closed)
    }

    /// Runs `f` on a read connection, off the async threads.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(Read<'_>) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(f))
            .await
            .map_err(|e| E::from(StoreError::Failed(format!("read task failed: {e}"))))?
    }

    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(Read<'_>) -> Result<T, E>,
    {
        let pooled = self.inner.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => schema::open_connection(&self.inner.path, true).map_err(StoreError::from)?,
        };
        // One read transaction: every query of `f` sees the same snapshot.
        let snapshot = conn.unchecked_transaction().map_err(StoreError::from)?;
        let result = f(Read { conn: &snapshot });
        drop(snapshot);
        if let Ok(mut pool) = self.inner.readers.lock()
            && pool.len() < READERS
        {
            pool.push(conn);
        }
        result
    }

    /// Moves the write-ahead log into the database file and empties it, so data removed from
    /// the database no longer lingers in old page images of the log.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let conn = schema::open_connection(&self.inner.path, false)?;
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
        match run_batch(&mut conn, batch, &mut completions, &mut events) {
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
                let error = StoreError::from(error);
                // Each job's caller logs the error where it is answered.
                tracing::debug!(%error, jobs = completions.len(), "a shared commit failed; its jobs are refused");
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
        let mut write = Write { conn: &savepoint, events: Vec::new() };
        let (ok, completion) = job(&mut write);
        let job_events = std::mem::take(&mut write.events);
        completions.push(completion);
        if ok {
            savepoint.commit()?;
            events.extend(job_events);
        }
        // A failed job's savepoint rolls back when dropped.
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum JobError {
        Rejected,
        Store(StoreError),
    }

    impl From<StoreError> for JobError {
        fn from(error: StoreError) -> Self {
            JobError::Store(error)
        }
    }

    #[tokio::test]
    async fn a_failing_job_rolls_back_alone_in_a_shared_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), "kanim-jaksel").expect("open");
        let mut handles = Vec::new();
        for i in 0..50 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                store
                    .write(move |tx| {
                        let name = format!("Loket {i}");
                        tx.counters().sync(&[(i.to_string(), name)], 0)?;
                        if i % 5 == 0 {
                            return Err(JobError::Rejected);
                        }
                        Ok(i)
                    })
                    .await
            }));
        }
        let mut ok = 0;
        for handle in handles {
            match handle.await.expect("join") {
                Ok(_) => ok += 1,
                Err(error) => assert_eq!(error, JobError::Rejected),
            }
        }
        assert_eq!(ok, 40);
        let stored = store.read(|r| r.counters().all().map(|c| c.len())).await.expect("count");
        assert_eq!(stored, 40);
        store.close();
        let late = store.write(|tx| tx.counters().sync(&[], 0)).await;
        assert_eq!(late, Err(StoreError::Closed), "a closed store refuses work instead of hanging");
    }
}
