//! What the hub does on its own, every `booking.no_show_sweep_seconds`: tickets an earlier day
//! left open are closed (so no counter starts the day busy, and no status page still says
//! "waiting"), applicants whose arrival window ended without a check-in become no-shows, and
//! personal data older than
//! `retention.personal_data_days` is removed — applicants' names and NIK hashes (the figures
//! stay as they were), and the stored answers to repeated requests after a day (staff answers
//! carry names). The database runs with `secure_delete`, and the log is checkpointed after a
//! removal, so the removed bytes are overwritten, not left in free space.

use std::sync::Arc;

use crate::error::Result;
use crate::hub::Hub;
use crate::office::Office;
use crate::store::Write;
use crate::{booking, queue};

/// Removes the personal data of appointments older than `days`, and stored answers older
/// than a day. Returns how many appointments were cleared.
pub fn apply(tx: &mut Write<'_>, office: &Office, now: i64, days: u32) -> Result<usize> {
    let cutoff = office.day_of(now) - chrono::Duration::days(i64::from(days));
    let cleared = tx.appointments().clear_personal_data(cutoff)?;
    tx.idempotency().forget_before(now - 86_400_000)?;
    Ok(cleared)
}

/// Runs the sweeps until the task is dropped.
pub async fn sweep(hub: Arc<Hub>) {
    let period = std::time::Duration::from_secs(u64::from(hub.config.booking.no_show_sweep_seconds.max(1)));
    let mut ticker = tokio::time::interval(period);
    loop {
        ticker.tick().await;
        let office = hub.office.clone();
        match hub.store.write(move |tx| queue::close_day(tx, &office, office.clock.now_ms())).await {
            Ok(0) => {}
            Ok(closed) => tracing::info!(closed, "tickets left open by an earlier day closed"),
            Err(error) => tracing::warn!(%error, "closing the earlier day's tickets failed; will retry"),
        }
        let office = hub.office.clone();
        match hub.store.write(move |tx| booking::mark_no_shows(tx, &office, office.clock.now_ms())).await {
            Ok(0) => {}
            Ok(marked) => tracing::info!(marked, "bookings past their arrival window marked no-show"),
            Err(error) => tracing::warn!(%error, "no-show sweep failed; will retry"),
        }
        let office = hub.office.clone();
        let days = hub.config.retention.personal_data_days;
        match hub.store.write(move |tx| apply(tx, &office, office.clock.now_ms(), days)).await {
            Ok(0) => {}
            Ok(cleared) => {
                tracing::info!(cleared, days, "personal data of old appointments removed");
                let store = hub.store.clone();
                match tokio::task::spawn_blocking(move || store.checkpoint()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::warn!(%error, "checkpoint after retention failed"),
                    Err(error) => tracing::warn!(%error, "checkpoint task failed"),
                }
            }
            Err(error) => tracing::warn!(%error, "retention failed; will retry"),
        }
    }
}
