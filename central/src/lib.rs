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
//! - [`waitlist`]: the waitlist of a full date, offers of returned places, queued mail.
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
pub mod mail;
pub mod pgtest;
pub mod secrets;
pub mod sync;
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
}

impl std::fmt::Debug for Central {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Central").field("offices", &self.numbers).finish_non_exhaustive()
    }
}

impl Central {
    /// Connects, checks the schema is current, registers the offices and loads the keys.
    pub async fn start(
        config: config::Config,
        database_url: &str,
        clock: clock::Clock,
    ) -> anyhow::Result<Arc<Central>> {
        let pool = db::pool(database_url, config.central.pool_size)?;
        db::migrate(&pool).await?;
        db::register_offices(&pool, &config).await?;
        let keys = secrets::Keys::load(&pool).await?;
        let mailer = mail::Mailer::from_transport(&config.mail.transport)?;
        let numbers: HashMap<String, i32> = db::office_numbers(&pool).await?.into_iter().collect();
        let offices_by_number = numbers.iter().map(|(id, n)| (*n, id.clone())).collect();
        let (changed, _) = broadcast::channel(1024);
        let central =
            Arc::new(Central { config, pool, clock, keys, mailer, numbers, offices_by_number, changed });
        sync::listen(central.clone(), database_url.to_owned());
        booking::spawn_sweeper(central.clone());
        waitlist::spawn_mailer(central.clone());
        Ok(central)
    }
}
