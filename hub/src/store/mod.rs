//! # Storage
//!
//! Everything the hub keeps, behind operations named by what they keep: [`tickets`] (with
//! their stage visits and the waiting counts), [`counters`], [`appointments`], [`events`],
//! [`idempotency`], [`accounts`] (users, sessions, devices), [`skm`] (the satisfaction
//! survey) and [`figures`] (what reports read). Only this module sees SQL or `rusqlite`; the queue rules and the operations above
//! it work on the row types here.
//!
//! The implementation is one SQLite file in the data dir (`antrian.db`), in WAL mode with
//! `synchronous=FULL`, so an acknowledged write survives a crash or a power cut
//! ([`schema`] opens it and applies the numbered migrations). One data dir holds one office:
//! its id is stamped in the file on first open, and a hub configured for another office is
//! refused, so no table carries an office column.
//!
//! ## Writing
//! [`Store::write`] runs a job on the one writer thread ([`writer`]). Jobs that arrive while a
//! commit is in flight share the next transaction (group commit), each in its own savepoint so
//! a job that fails rolls back alone; every caller is answered only after the shared commit is
//! durable, and the events a job wrote reach live subscribers only after that commit too. A
//! row change and its events are written by one call of this module ([`tickets::TicketsMut`],
//! [`counters::CountersMut`]), so no caller can change a ticket and forget to tell the
//! displays.
//!
//! ## Reading
//! [`Store::read`] runs on a small pool of read-only connections through `spawn_blocking`: no
//! database call ever blocks an async worker thread.

/// A write handle gives the read methods of its aggregate too (through `Deref`), so a write
/// job reads with the same calls as a read job — but only a write handle can write.
macro_rules! reads_through {
    ($writes:ident => $reads:ident) => {
        impl<'a> std::ops::Deref for $writes<'a> {
            type Target = $reads<'a>;

            fn deref(&self) -> &$reads<'a> {
                &self.read
            }
        }
    };
}

pub mod accounts;
pub mod appointments;
pub mod central;
pub mod counters;
pub mod events;
pub mod figures;
pub mod idempotency;
pub mod schema;
pub mod skm;
pub mod tickets;
mod writer;

use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;

pub use events::WireEvent;
pub use schema::DB_FILE;
pub use writer::Store;

/// Why the storage failed. Each is logged once where it is answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The disk is full, unreadable or read-only, or the file is locked or damaged: nothing
    /// was changed, and trying again later may work.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored value this build cannot read (a state it does not know): never taken for
    /// another value.
    #[error("stored {what} {value:?} cannot be read")]
    BadValue { what: &'static str, value: String },
    /// The data dir belongs to another office.
    #[error(
        "this data dir belongs to office {stored:?}, not {configured:?}; give this office its own --data-dir"
    )]
    OtherOffice { stored: String, configured: String },
    /// The writer has stopped (the hub is shutting down).
    #[error("the hub is shutting down")]
    Closed,
    /// Any other failure of the database.
    #[error("storage error: {0}")]
    Failed(String),
}

impl StoreError {
    /// Whether the failure is the storage's state (disk, file, shutdown) rather than a fault
    /// of the hub: such failures are answered `unavailable` (503).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Closed)
    }

    pub(crate) fn bad_value(what: &'static str, value: impl Into<String>) -> StoreError {
        StoreError::BadValue { what, value: value.into() }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as E;
        match error.sqlite_error_code() {
            Some(
                E::DiskFull
                | E::SystemIoFailure
                | E::CannotOpen
                | E::ReadOnly
                | E::DatabaseBusy
                | E::DatabaseLocked
                | E::DatabaseCorrupt
                | E::NotADatabase
                | E::PermissionDenied,
            ) => StoreError::Unavailable(error.to_string()),
            _ => StoreError::Failed(error.to_string()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// When a change happens: milliseconds since the Unix epoch (the unit of every stored time)
/// and the same instant in the office's time, as events carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub ms: i64,
    pub local: DateTime<FixedOffset>,
}

/// A write job's view of the transaction (inside the job's savepoint).
pub struct Write<'a> {
    conn: &'a Connection,
    events: Vec<WireEvent>,
}

impl<'a> Write<'a> {
    pub fn tickets(&mut self) -> tickets::TicketsMut<'_> {
        tickets::TicketsMut::new(self.conn, &mut self.events)
    }

    pub fn counters(&mut self) -> counters::CountersMut<'_> {
        counters::CountersMut::new(self.conn, &mut self.events)
    }

    pub fn appointments(&mut self) -> appointments::AppointmentsMut<'_> {
        appointments::AppointmentsMut::new(self.conn)
    }

    pub fn accounts(&mut self) -> accounts::AccountsMut<'_> {
        accounts::AccountsMut::new(self.conn)
    }

    pub fn idempotency(&mut self) -> idempotency::IdempotencyMut<'_> {
        idempotency::IdempotencyMut::new(self.conn)
    }

    pub fn central(&mut self) -> central::CentralMut<'_> {
        central::CentralMut::new(self.conn)
    }

    pub fn skm(&mut self) -> skm::SkmMut<'_> {
        skm::SkmMut::new(self.conn)
    }

    /// Reads inside this transaction: they see the job's own writes.
    pub fn read(&self) -> Read<'_> {
        Read { conn: self.conn }
    }
}

/// A read job's view: one consistent snapshot.
#[derive(Clone, Copy)]
pub struct Read<'a> {
    conn: &'a Connection,
}

impl<'a> Read<'a> {
    pub fn tickets(&self) -> tickets::Tickets<'a> {
        tickets::Tickets::new(self.conn)
    }

    pub fn counters(&self) -> counters::Counters<'a> {
        counters::Counters::new(self.conn)
    }

    pub fn appointments(&self) -> appointments::Appointments<'a> {
        appointments::Appointments::new(self.conn)
    }

    pub fn accounts(&self) -> accounts::Accounts<'a> {
        accounts::Accounts::new(self.conn)
    }

    pub fn idempotency(&self) -> idempotency::Idempotency<'a> {
        idempotency::Idempotency::new(self.conn)
    }

    pub fn central(&self) -> central::Central<'a> {
        central::Central::new(self.conn)
    }

    pub fn events(&self) -> events::Events<'a> {
        events::Events::new(self.conn)
    }

    pub fn skm(&self) -> skm::Skm<'a> {
        skm::Skm::new(self.conn)
    }

    pub fn figures(&self) -> figures::Figures<'a> {
        figures::Figures::new(self.conn)
    }
}

/// Dates are stored as the office's `YYYY-MM-DD`.
pub(crate) fn date_text(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(text: &str) -> StoreResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| StoreError::bad_value("date", text))
}
