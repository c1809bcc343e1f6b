//! Following the national service (CENTRAL.md, "the sync"): with `[central]` configured, the
//! hub long-polls its office's change feed by cursor and applies each change idempotently (new,
//! moved and cancelled bookings, with the applicant's name and NIK — kept here as the hub's own
//! keyed hash), and sends what happened at the office back from the outbox the store fills
//! (check-ins, no-shows, stages done, done, ready for pickup, picked up), retrying until the
//! service acknowledges. The cursor and the outbox live in the hub's database, so a restart or
//! an outage loses nothing; while the service is away the hub goes on checking in from signed
//! QR codes alone.

use std::sync::Arc;
use std::time::Duration;

use antrian_rules::nik;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::config::CentralSection;
use crate::hub::Hub;
use crate::store::StoreError;
use crate::store::central::Synced;

#[derive(Debug, Deserialize)]
struct Feed {
    changes: Vec<Change>,
    next: i64,
}

#[derive(Debug, Deserialize)]
struct Change {
    kind: String,
    appointment: Appointment,
}

#[derive(Debug, Deserialize)]
struct Appointment {
    booking_code: String,
    office: String,
    service: String,
    date: NaiveDate,
    slot: String,
    name: String,
    nik: Option<String>,
    nik_last4: String,
    qr: Option<String>,
    #[serde(default)]
    rescheduled: bool,
}

/// Starts the two loops (pull the feed, push the outbox); they run until the hub stops.
pub fn start(hub: Arc<Hub>) -> Vec<tokio::task::JoinHandle<()>> {
    let Some(central) = hub.config.central.clone() else { return Vec::new() };
    let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build().unwrap_or_default();
    tracing::info!(url = %central.url, "following the national service");
    vec![
        tokio::spawn(pull(hub.clone(), central.clone(), http.clone())),
        tokio::spawn(push(hub, central, http)),
    ]
}

fn api(central: &CentralSection, path: &str) -> String {
    format!("{}/api/v1{path}", central.url.trim_end_matches('/'))
}

/// Waits before the next try after `failures` failures in a row: 1 s, 2 s, 4 s … at most 30 s.
async fn back_off(failures: u32) {
    tokio::time::sleep(
        Duration::from_secs(1 << failures.saturating_sub(1).min(5)).min(Duration::from_secs(30)),
    )
    .await;
}

/// Runs `step` until the task is dropped. `step` answers how much it did; after it did nothing
/// the loop waits `idle`. After a failure it waits 1 s, 2 s, 4 s … at most 30 s, and says so
/// once, and once again when the service answers.
async fn keep_going<F, Fut>(what: &'static str, idle: Duration, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let mut failures = 0u32;
    loop {
        match step().await {
            Ok(done) => {
                if failures > 0 {
                    tracing::info!(what, "the national service answers again");
                }
                failures = 0;
                if done > 0 {
                    tracing::info!(what, done, "synced with the national service");
                } else {
                    tokio::time::sleep(idle).await;
                }
            }
            Err(error) => {
                if failures == 0 {
                    tracing::warn!(what, %error, "the national service cannot be reached; check-ins go on, retrying");
                }
                failures += 1;
                back_off(failures).await;
            }
        }
    }
}

/// The response if it is a success; else the service's status and words as the error.
async fn accepted(response: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    anyhow::bail!("the service answered {status}: {body}")
}

/// Follows the change feed (each poll waits at the service, so no idle wait here).
async fn pull(hub: Arc<Hub>, central: CentralSection, http: reqwest::Client) {
    keep_going("bookings received", Duration::ZERO, || pull_once(&hub, &central, &http)).await;
}

async fn pull_once(
    hub: &Arc<Hub>,
    central: &CentralSection,
    http: &reqwest::Client,
) -> anyhow::Result<usize> {
    let cursor =
        hub.store.read(|r| r.central().cursor()).await.map_err(|e: StoreError| anyhow::anyhow!(e))?;
    let url = api(central, &format!("/sync/appointments?after={cursor}&wait={}", central.wait_seconds));
    let response = http
        .get(url)
        .bearer_auth(&central.token)
        .timeout(Duration::from_secs(u64::from(central.wait_seconds) + 15))
        .send()
        .await?;
    let response = accepted(response).await?;
    let feed: Feed = response.json().await?;
    let office_id = hub.config.office.id.clone();
    let mut synced = Vec::new();
    for change in feed.changes {
        let a = change.appointment;
        if a.office != office_id {
            tracing::warn!(office = %a.office, "a change for another office was skipped");
            continue;
        }
        let Some(qr) = a.qr else { continue };
        let nik_hash = match a.nik.as_deref() {
            Some(nik_text) if nik::check(nik_text).is_ok() => hub.secrets.nik_hash(nik_text),
            _ => Vec::new(),
        };
        synced.push(Synced {
            booking_code: a.booking_code,
            service: a.service,
            date: a.date,
            slot: a.slot,
            name: a.name,
            nik_hash,
            nik_last4: a.nik_last4,
            qr,
            rescheduled: a.rescheduled,
            active: change.kind != "cancel",
        });
    }
    let next = feed.next;
    let count = synced.len();
    let at = hub.clock.now_ms();
    hub.store
        .write(move |tx| -> Result<(), StoreError> {
            let now = tx.read().central().cursor()?;
            if next <= now {
                return Ok(()); // applied already (two pulls overlapping)
            }
            for booking in &synced {
                tx.central().apply(booking, at)?;
            }
            tx.central().set_cursor(next)
        })
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(count)
}

/// Sends the outbox, looking for new reports twice a second.
async fn push(hub: Arc<Hub>, central: CentralSection, http: reqwest::Client) {
    keep_going("visits reported", Duration::from_millis(500), || push_once(&hub, &central, &http)).await;
}

async fn push_once(
    hub: &Arc<Hub>,
    central: &CentralSection,
    http: &reqwest::Client,
) -> anyhow::Result<usize> {
    let outbox =
        hub.store.read(|r| r.central().outbox(500)).await.map_err(|e: StoreError| anyhow::anyhow!(e))?;
    if outbox.is_empty() {
        return Ok(0);
    }
    let events: Vec<_> = outbox
        .iter()
        .map(|o| json!({"id": o.id, "booking_code": o.booking_code, "kind": o.kind, "at": hub.clock.to_local(o.at).to_rfc3339()}))
        .collect();
    let response = http
        .post(api(central, "/sync/visits"))
        .bearer_auth(&central.token)
        .timeout(Duration::from_secs(30))
        .json(&json!({"events": events}))
        .send()
        .await?;
    accepted(response).await?;
    let ids: Vec<String> = outbox.into_iter().map(|o| o.id).collect();
    let sent = ids.len();
    hub.store.write(move |tx| tx.central().sent(&ids)).await.map_err(|e: StoreError| anyhow::anyhow!(e))?;
    Ok(sent)
}
