//! `antrian-hub backup` and `antrian-hub restore`: the office's data in one file.
//!
//! A backup is a tar archive holding a consistent copy of the database (`antrian.db`, taken
//! with SQLite's online backup in one step — one read transaction — while the hub serves and
//! writes), the key files (`booking-signing.key`, `hub-secret.key`; without them the QR codes
//! and ticket links already handed out stop working), and `antrian-backup.toml` saying what it
//! holds. The copy is checked (`PRAGMA integrity_check`, the office it belongs to) before the
//! archive is written, and the archive appears under its name only once complete.
//!
//! A restore needs the hub stopped (a serving hub holds [`ServingLock`] on its data dir). It
//! checks the archive the same way, then moves the current data aside into the data dir's
//! `before-restore-<time>/` (mode 0700, nothing is deleted) and puts the backup's files in
//! its place, owned by the data dir's owner. All of it happens inside the data dir, so the
//! hub's own user can restore (a packaged hub's parent folder, /var/lib, is not its). Displays and kiosks that were connected reconnect by themselves; a display whose
//! last event id is ahead of the restored log is told to reload its board (`reset`, see
//! `api/events.rs`).

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::Connection;

use crate::secrets::{HUB_SECRET_FILE, SIGNING_KEY_FILE};
use crate::store::{DB_FILE, schema};

/// The description inside every backup.
pub const MANIFEST_FILE: &str = "antrian-backup.toml";
/// The lock file a serving hub holds in its data dir.
pub const LOCK_FILE: &str = "antrian-serve.lock";

/// What a backup holds (its `antrian-backup.toml`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub office: String,
    pub schema_version: usize,
    pub hub_version: String,
    /// RFC 3339, the machine's clock.
    pub taken_at: String,
    pub tickets: i64,
    pub last_event_id: i64,
}

/// One serving hub per data dir: held for as long as the hub serves (an exclusive lock on
/// [`LOCK_FILE`], released by the system if the process dies, even by SIGKILL).
#[derive(Debug)]
pub struct ServingLock {
    _file: File,
}

impl ServingLock {
    /// Takes the lock, or says which data dir is in use.
    pub fn take(data_dir: &Path) -> anyhow::Result<ServingLock> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot use the data dir {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let file = match File::options().create(true).truncate(false).write(true).open(&path) {
            Ok(file) => file,
            // Left by a restore run as root: a lock can be taken on it read-only all the same.
            Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied && path.exists() => {
                File::open(&path).with_context(|| format!("cannot open {}", path.display()))?
            }
            Err(error) => return Err(error).with_context(|| format!("cannot open {}", path.display())),
        };
        match file.try_lock() {
            Ok(()) => Ok(ServingLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another antrian-hub is serving from {}: stop it first (systemctl stop antrian-hub)",
                data_dir.display()
            ),
            Err(std::fs::TryLockError::Error(error)) => {
                Err(error).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }
}

/// The checks every copy of the database passes before it is trusted: SQLite's integrity
/// check, a schema this hub knows, the office. Returns (schema version, tickets, last event id).
fn check_database(path: &Path, office: &str) -> anyhow::Result<(usize, i64, i64)> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        bail!("the database copy is damaged (integrity_check: {integrity})");
    }
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > schema::schema_version() {
        bail!(
            "the backup has schema version {version}, newer than this hub ({}); restore it with the newer hub",
            schema::schema_version()
        );
    }
    schema::check_office(&conn, office).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tickets: i64 = conn.query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))?;
    let last_event: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?;
    Ok((version, tickets, last_event))
}

/// The highest event id `path`'s log ever gave out (AUTOINCREMENT's own counter, so events
/// since removed count too); 0 without a log.
fn last_issued_event(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)", [], |r| {
        r.get(0)
    })
}

/// Makes the restored log go on *past* every id the replaced one gave out, with a `reset` event
/// there: a display or console that saw ids up to the replaced log's last one asks for what
/// follows its id and gets the `reset` first (reload the board), however many events the
/// restored hub has logged before it reconnects. Without this, a client reconnecting after the
/// restored log had grown past its id would take up mid-log, with calls of the lost timeline
/// still on its board and the first calls after the restore unseen. (A client ahead of the
/// log is told to reload by the event stream itself; this covers the race the stream cannot
/// see.) Nothing is done when the replaced database is missing or unreadable (a restore onto
/// a new machine), or is not ahead.
fn mark_restore(replaced: &Path, restored: &Path, office: &str) -> anyhow::Result<()> {
    // Opened for writing (the hub is stopped and this file is about to be moved aside): a hub
    // that was killed left its last events in the WAL, which only such a connection reads.
    let replaced_last = match Connection::open_with_flags(
        replaced,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .and_then(|c| last_issued_event(&c))
    {
        Ok(last) => last,
        Err(error) => {
            if replaced.exists() {
                tracing::warn!(%error, "cannot read the replaced event log; clients ahead of the restored one are told to reload when they reconnect");
            }
            return Ok(());
        }
    };
    let conn = Connection::open(restored).with_context(|| format!("cannot open {}", restored.display()))?;
    if replaced_last <= last_issued_event(&conn)? {
        return Ok(());
    }
    let id = replaced_last + 1;
    let data = serde_json::json!({ "last_event_id": id }).to_string();
    let at = chrono::Utc::now().timestamp_millis();
    // A backup of a hub before migration 003 still has the office on every event.
    let office_column =
        conn.prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'office'")?.exists([])?;
    if office_column {
        conn.execute(
            "INSERT INTO events (id, office, at, kind, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![id, office, at, antrian_proto::events::RESET, data],
        )?;
    } else {
        conn.execute(
            "INSERT INTO events (id, at, kind, data) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![id, at, antrian_proto::events::RESET, data],
        )?;
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(())
}

/// Writes a backup of `data_dir` (the office `office`) to `out`, while the hub may serve.
pub fn backup(data_dir: &Path, office: &str, out: &Path) -> anyhow::Result<Manifest> {
    let source = data_dir.join(DB_FILE);
    if !source.exists() {
        bail!("{} holds no database ({DB_FILE}); is --data-dir right?", data_dir.display());
    }
    let work = tempfile::Builder::new()
        .prefix(".antrian-backup-")
        .tempdir_in(out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
        .context("cannot make a work folder beside the backup file")?;
    let copy = work.path().join(DB_FILE);
    {
        let src = schema::open_connection(&source, true)?;
        let mut dst = Connection::open(&copy)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        // All pages in one step: one read transaction, so the copy is one moment of the
        // database however busy the hub is (a stepwise copy restarts at every write).
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                _ => {}
            }
        }
    }
    // The copy on its own: no write-ahead log beside it.
    Connection::open(&copy)?.pragma_update(None, "journal_mode", "DELETE")?;
    let (schema_version, tickets, last_event_id) = check_database(&copy, office)?;
    let manifest = Manifest {
        office: office.to_owned(),
        schema_version,
        hub_version: env!("CARGO_PKG_VERSION").to_owned(),
        taken_at: chrono::Utc::now().to_rfc3339(),
        tickets,
        last_event_id,
    };
    let partial = work.path().join("backup.tar");
    {
        let file = File::create(&partial)?;
        let mut archive = tar::Builder::new(file);
        archive.append_path_with_name(&copy, DB_FILE)?;
        for key in [SIGNING_KEY_FILE, HUB_SECRET_FILE] {
            let path = data_dir.join(key);
            if !path.exists() {
                bail!(
                    "{} is missing: without it the QR codes and ticket links already given out would not work",
                    path.display()
                );
            }
            archive.append_path_with_name(&path, key)?;
        }
        let text = toml::to_string(&manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        archive.append_data(&mut header, MANIFEST_FILE, text.as_bytes())?;
        let mut file = archive.into_inner()?;
        file.flush()?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, out)
        .or_else(|_| std::fs::copy(&partial, out).map(drop))
        .with_context(|| format!("cannot write {}", out.display()))?;
    File::open(out)?.sync_all()?;
    Ok(manifest)
}

/// Restores the backup `from` into `data_dir` (the hub stopped): checks it, moves the current
/// data dir aside and returns where to.
pub fn restore(data_dir: &Path, office: &str, from: &Path) -> anyhow::Result<(Manifest, Option<PathBuf>)> {
    let _lock = ServingLock::take(data_dir)?;
    let file = File::open(from).with_context(|| format!("cannot open the backup {}", from.display()))?;
    // Everything happens inside the data dir, the one place the hub's user may write (a
    // packaged hub's /var/lib/antrian-hub; its parent /var/lib is root's).
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(data_dir)
        .with_context(|| format!("cannot write in the data dir {}", data_dir.display()))?;
    let mut archive = tar::Archive::new(file);
    let not_a_backup = || {
        format!("{} is not an antrian-hub backup (not an archive `antrian-hub backup` wrote)", from.display())
    };
    for entry in archive.entries().with_context(not_a_backup)? {
        let mut entry = entry.with_context(not_a_backup)?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if ![DB_FILE, SIGNING_KEY_FILE, HUB_SECRET_FILE, MANIFEST_FILE].contains(&name.as_str()) {
            bail!("the backup holds {name:?}, which no antrian-hub backup has; not restored");
        }
        entry.unpack(staging.path().join(&name))?;
    }
    let manifest: Manifest = toml::from_str(
        &std::fs::read_to_string(staging.path().join(MANIFEST_FILE))
            .context("this file is not an antrian-hub backup (no antrian-backup.toml)")?,
    )?;
    if manifest.office != office {
        bail!("the backup is of office {:?}; this hub serves {office:?}", manifest.office);
    }
    for key in [DB_FILE, SIGNING_KEY_FILE, HUB_SECRET_FILE] {
        if !staging.path().join(key).exists() {
            bail!("the backup has no {key}; not restored");
        }
    }
    check_database(&staging.path().join(DB_FILE), office)?;
    std::fs::remove_file(staging.path().join(MANIFEST_FILE))?;
    mark_restore(&data_dir.join(DB_FILE), &staging.path().join(DB_FILE), office)?;
    // The current data aside, the backup's in its place.
    // Kept in the data dir, readable by the hub's user only (it holds personal data).
    let aside = if data_dir.join(DB_FILE).exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%SZ").to_string();
        let mut aside = data_dir.join(format!("{ASIDE_PREFIX}{stamp}"));
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // (Two restores within a second get two folders.)
        let mut n = 1;
        while let Err(error) = builder.create(&aside) {
            if error.kind() != std::io::ErrorKind::AlreadyExists || n > 99 {
                return Err(error).with_context(|| format!("cannot create {}", aside.display()));
            }
            n += 1;
            aside = data_dir.join(format!("{ASIDE_PREFIX}{stamp}-{n}"));
        }
        for entry in std::fs::read_dir(data_dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name == LOCK_FILE || name.starts_with(STAGING_PREFIX) || name.starts_with(ASIDE_PREFIX) {
                continue;
            }
            std::fs::rename(&path, aside.join(name))?;
        }
        Some(aside)
    } else {
        None
    };
    // Run as root (sudo antrian-hub … restore), the restored files still belong to the data
    // dir's owner, the user the hub runs as: a root-owned database it could not write.
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(data_dir)?);
    let group = std::os::unix::fs::MetadataExt::gid(&std::fs::metadata(data_dir)?);
    for key in [DB_FILE, SIGNING_KEY_FILE, HUB_SECRET_FILE] {
        let path = staging.path().join(key);
        let meta = std::fs::metadata(&path)?;
        if std::os::unix::fs::MetadataExt::uid(&meta) != owner
            || std::os::unix::fs::MetadataExt::gid(&meta) != group
        {
            std::os::unix::fs::chown(&path, Some(owner), Some(group))
                .with_context(|| format!("cannot give {key} to the data dir's owner"))?;
        }
        std::fs::rename(&path, data_dir.join(key))?;
    }
    File::open(data_dir)?.sync_all()?;
    Ok((manifest, aside))
}

/// The folder a restore unpacks into, inside the data dir, gone when it ends.
const STAGING_PREFIX: &str = ".restore-";
/// The folder, inside the data dir, a restore moves the data it replaces to.
pub const ASIDE_PREFIX: &str = "before-restore-";
