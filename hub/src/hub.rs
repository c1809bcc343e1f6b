//! `Hub`: one office's running hub — its [`Office`] context, storage, keys, the QR verifier and
//! the in-memory request throttles — shared behind an `Arc` by the HTTP layer and the CLI.

use std::path::Path;
use std::sync::Arc;

use antrian_proto::qr::QrVerifier;
use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::office::Office;
use crate::secrets::Secrets;
use crate::store::{Store, StoreError};
use crate::throttle::{LoginThrottle, RateLimiter};

pub struct Hub {
    /// The office this hub serves (configuration, clock, ticket links): what operations get.
    pub office: Office,
    /// The same configuration and clock as `office`'s.
    pub config: Arc<Config>,
    pub clock: Clock,
    pub store: Store,
    pub secrets: Arc<Secrets>,
    /// Checks booking QR codes against the trusted issuers' keys (and this hub's own).
    pub verifier: QrVerifier,
    /// Failed logins per user name.
    pub logins: LoginThrottle,
    /// Booking-page requests per client address.
    pub bookings: RateLimiter,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("office", &self.config.office.id).finish_non_exhaustive()
    }
}

impl Hub {
    /// Opens the data dir (database, keys) for `config`. A data dir that belongs to another
    /// office is refused before anything in it is changed.
    pub fn open(config: Config, data_dir: &Path, clock: Clock) -> anyhow::Result<Arc<Hub>> {
        let store = Store::open(data_dir, &config.office.id)
            .with_context(|| format!("cannot open the data dir {}", data_dir.display()))?;
        let (secrets, created) = Secrets::load_or_create(data_dir)?;
        if created {
            tracing::info!(key_id = secrets.signer.key_id(), "created the booking-signing key");
        }
        let mut verifier = QrVerifier::new(config.trusted_keys.iter().copied());
        verifier.trust(secrets.signer.verifying_key());
        let counters: Vec<(String, String)> =
            config.counters.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
        let now = clock.now_ms();
        store
            .write_blocking(move |tx| tx.counters().sync(&counters, now))
            .map_err(|e: StoreError| anyhow::anyhow!(e))?;
        let config = Arc::new(config);
        let secrets = Arc::new(secrets);
        Ok(Arc::new(Hub {
            office: Office::new(config.clone(), clock.clone(), secrets.status_key()),
            logins: LoginThrottle::new(config.hub.login_free_failures),
            bookings: RateLimiter::default(),
            config,
            clock,
            store,
            secrets,
            verifier,
            shutdown: tokio::sync::watch::Sender::new(false),
        }))
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
