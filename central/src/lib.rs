//! # antrian-central — Antrian Pusat
//!
//! The national online service above the office hubs (CENTRAL.md): applicant accounts signed
//! in by a one-time code sent by e-mail, applicants with the NIK checks, documents, every
//! office's quota and release schedule, holds with a bill that expires, signed payment
//! notifications, the booking QR signed by the central issuer key, cancel and one reschedule,
//! and the sync API the office hubs follow.
//!
//! ## Layout
//! - [`config`]: the configuration file, `central.toml`.
//! - [`db`]: the pool, migrations, office registration; [`secrets`]: the shared keys.
//! - [`booking`]: the transactions of the booking path (hold, pay, cancel, reschedule, expire)
//!   and the change feed; every lock order is written there once.
//! - [`waitlist`]: the waitlist of a full date and offers of returned places.
//! - [`waiting`]: the waiting room in front of a quota release (pre-queue, draw, admission).
//! - [`letters`]: the e-mails an applicant gets (text and HTML, in the account's language),
//!   queued in the transaction that causes them and sent after it by any replica.
//! - [`pages`]: the applicant's web pages; [`i18n`]: their texts; [`receipt`]: the PDF.
//! - [`api`]: the HTTP API under `/api/v1`; [`sync`]: the hubs' part of it.
//! - [`pgtest`]: a throwaway PostgreSQL cluster for the tests, the benchmark and the demo.
//!
//! Nothing that matters lives in a replica's memory: sessions, codes, holds, idempotency and
//! the feed are in PostgreSQL, so any number of `serve` replicas on one database behave as one.

pub mod api;
pub mod booking;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod documents;
pub mod error;
pub mod i18n;
pub mod letters;
pub mod loadgen;
pub mod mail;
pub mod pages;
pub mod pgtest;
pub mod receipt;
pub mod secrets;
pub mod sync;
pub mod waiting;
pub mod waitlist;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::broadcast;

/// One replica's shared state.
pub struct Central {
    pub config: config::Config,
    pub pool: db::Pool,
    pub clock: clock::Clock,
    pub keys: secrets::Keys,
    pub mailer: mail::Mailer,
    /// Office id → its number (the first three digits of its bill codes), and back.
    pub numbers: HashMap<String, i32>,
    pub offices_by_number: HashMap<i32, String>,
    /// Offices whose change feed moved (from PostgreSQL's NOTIFY, any replica's commits).
    pub changed: broadcast::Sender<String>,
    /// The waiting rooms as this replica last read them (a cache; see [`waiting`]).
    pub rooms: waiting::Snapshots,
    /// Where applicants reach the pages (links in e-mails): `central.public_url`, or else the
    /// address `serve` listens on, set once it is known.
    pub public_url: std::sync::OnceLock<String>,
}

impl std::fmt::Debug for Central {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Central").field("offices", &self.numbers).finish_non_exhaustive()
    }
}

impl Central {
    /// The pages' address for links, without a trailing slash.
    pub fn public_url(&self) -> String {
        let configured = self.config.central.public_url.trim_end_matches('/');
        if !configured.is_empty() {
            return configured.to_owned();
        }
        self.public_url.get().cloned().unwrap_or_else(|| format!("http://{}", self.config.central.listen))
    }

    /// Connects, brings the schema up to date (`migrate`) or only checks that it is (`!migrate`:
    /// replicas of a deployment, where `antrian-central migrate` runs once per upgrade),
    /// registers the offices and loads the keys.
    pub async fn start(
        config: config::Config,
        database_url: &str,
        clock: clock::Clock,
        migrate: bool,
    ) -> anyhow::Result<Arc<Central>> {
        let pool = db::pool(database_url, config.central.pool_size)?;
        if migrate {
            db::migrate(&pool).await?;
        } else {
            db::check_schema(&pool).await?;
        }
        db::register_offices(&pool, &config).await?;
        let keys = secrets::Keys::load(&pool).await?;
        let mailer = mail::Mailer::from_transport(&config.mail.transport)?;
        let numbers: HashMap<String, i32> = db::office_numbers(&pool).await?.into_iter().collect();
        let offices_by_number = numbers.iter().map(|(id, n)| (*n, id.clone())).collect();
        let (changed, _) = broadcast::channel(1024);
        let central = Arc::new(Central {
            config,
            pool,
            clock,
            keys,
            mailer,
            numbers,
            offices_by_number,
            changed,
            rooms: waiting::Snapshots::default(),
            public_url: std::sync::OnceLock::new(),
        });
        sync::listen(central.clone(), database_url.to_owned());
        booking::spawn_sweeper(central.clone());
        letters::spawn(central.clone());
        waiting::spawn_admitter(central.clone());
        Ok(central)
    }
}
