//! # antrian-hub
//!
//! The one server of a passport office's LAN. It owns every appointment, ticket and counter,
//! serves the v1 API of `API.md` to kiosks, displays and staff, and streams live events.
//!
//! ## Layout
//! - [`config`]: `hub.toml`, checked as a whole at start; [`clock`]: the office clock.
//! - [`engine`]: the queue rules, pure — order, call next, transitions, waiting estimates.
//! - [`db`]: SQLite in WAL mode, one writer thread with group commit, a pool of readers.
//! - [`queue`], [`appointments`], [`auth`]: the operations, each run inside one writer
//!   transaction; [`secrets`]: the signing key and the keys for NIK hashes and status tokens.
//! - [`api`]: the axum router, extractors by role, handlers, the SSE endpoint, OpenAPI.
//! - [`cli`]: the `antrian-hub` commands; [`demo`]: the demo office's seed data.
//!
//! [`serve`] takes an already-bound listener and a shutdown future, so tests run the real
//! hub on `127.0.0.1:0`.

pub mod api;
pub mod appointments;
pub mod auth;
pub mod booking;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod engine;
pub mod error;
pub mod hub;
pub mod i18n;
pub mod pages;
pub mod pdf;
pub mod queue;
pub mod report;
pub mod secrets;
pub mod summary;

use std::future::Future;
use std::sync::Arc;

pub use api::router;
pub use hub::Hub;

/// Serves the hub on `listener` until `shutdown` resolves, then lets open requests finish and
/// ends the event streams.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    if address.ip().is_unspecified() && hub.public_url().is_empty() {
        tracing::warn!(
            "hub.public_url is empty: ticket links will point to 127.0.0.1, which phones cannot reach; \
             set it to this server's LAN address"
        );
    }
    let shown = if address.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), address.port())
    } else {
        address
    };
    hub.set_public_url_if_unset(&format!("http://{shown}"));
    let app = router(hub.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let signal_hub = hub.clone();
    let sweeper = tokio::spawn(sweep_no_shows(hub.clone()));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            signal_hub.begin_shutdown();
        })
        .await;
    sweeper.abort();
    served
}

/// Marks applicants who never came as no-show and removes old personal data, every
/// `booking.no_show_sweep_seconds`.
async fn sweep_no_shows(hub: Arc<Hub>) {
    let period = std::time::Duration::from_secs(u64::from(hub.config.booking.no_show_sweep_seconds.max(1)));
    let mut ticker = tokio::time::interval(period);
    loop {
        ticker.tick().await;
        let job_hub = hub.clone();
        match hub.db.write(move |tx| booking::mark_no_shows(tx, &job_hub, job_hub.clock.now_ms())).await {
            Ok(0) => {}
            Ok(marked) => tracing::info!(marked, "bookings past their arrival window marked no-show"),
            Err(error) => tracing::warn!(%error, "no-show sweep failed; will retry"),
        }
        let job_hub = hub.clone();
        let days = hub.config.retention.personal_data_days;
        match hub
            .db
            .write(move |tx| report::apply_retention(tx, &job_hub, job_hub.clock.now_ms(), days))
            .await
        {
            Ok(0) => {}
            Ok(cleared) => {
                tracing::info!(cleared, days, "personal data of old appointments removed");
                let db = hub.db.clone();
                match tokio::task::spawn_blocking(move || db.checkpoint()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::warn!(%error, "checkpoint after retention failed"),
                    Err(error) => tracing::warn!(%error, "checkpoint task failed"),
                }
            }
            Err(error) => tracing::warn!(%error, "retention failed; will retry"),
        }
    }
}
