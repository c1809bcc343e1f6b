//! `Hub`: everything a request needs — configuration, clock, keys, storage — shared behind
//! an `Arc` by the HTTP handlers and the CLI.

use std::path::Path;
use std::sync::{Arc, RwLock};

use antrian_proto::qr::QrVerifier;
use rusqlite::params;

use crate::auth::AuthState;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::engine::PriorityPolicy;
use crate::secrets::Secrets;

pub struct Hub {
    pub config: Config,
    pub clock: Clock,
    pub secrets: Secrets,
    pub verifier: QrVerifier,
    pub db: Db,
    pub auth: AuthState,
    pub booking_limiter: crate::booking::RateLimiter,
    public_url: RwLock<String>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("office", &self.config.office.id).finish_non_exhaustive()
    }
}

impl Hub {
    /// Opens the data dir (database, keys) for `config`.
    pub fn open(config: Config, data_dir: &Path, clock: Clock) -> anyhow::Result<Arc<Hub>> {
        let (secrets, created) = Secrets::load_or_create(data_dir)?;
        if created {
            tracing::info!(key_id = secrets.signer.key_id(), "created the booking-signing key");
        }
        let mut verifier = QrVerifier::new(config.trusted_keys.iter().copied());
        verifier.trust(secrets.signer.verifying_key());
        let db = Db::open(data_dir)?;
        let counters: Vec<String> = config.counters.iter().map(|c| c.id.clone()).collect();
        let now = clock.now_ms();
        db.write_blocking(move |tx| {
            for id in counters {
                tx.conn.execute(
                    "INSERT OR IGNORE INTO counters (id, state, since) VALUES (?1, 'closed', ?2)",
                    params![id, now],
                )?;
            }
            Ok(())
        })?;
        let public_url = config.hub.public_url.trim_end_matches('/').to_owned();
        Ok(Arc::new(Hub {
            auth: AuthState::new(&config),
            booking_limiter: crate::booking::RateLimiter::default(),
            config,
            clock,
            secrets,
            verifier,
            db,
            public_url: RwLock::new(public_url),
            shutdown: tokio::sync::watch::Sender::new(false),
        }))
    }

    /// Sets the address ticket links point to, unless the configuration names one.
    pub fn set_public_url_if_unset(&self, url: &str) {
        if let Ok(mut current) = self.public_url.write()
            && current.is_empty()
        {
            *current = url.trim_end_matches('/').to_owned();
        }
    }

    pub fn public_url(&self) -> String {
        self.public_url.read().map(|u| u.clone()).unwrap_or_default()
    }

    pub fn status_url(&self, ticket_id: &str) -> String {
        format!("{}/t/{}", self.public_url(), self.secrets.status_token(ticket_id))
    }

    pub fn policy(&self) -> PriorityPolicy {
        PriorityPolicy::from_max_in_row(self.config.queue.priority_max_in_row)
    }

    /// Tells long-lived responses (event streams) to end, so a graceful shutdown completes.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn office_id(&self) -> &str {
        &self.config.office.id
    }
}
