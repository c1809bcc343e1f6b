//! The hubs' sync (CENTRAL.md): a hub follows its office's change feed by cursor, long-polling
//! when nothing is new, and reports what happened at the office back, each event once.
//!
//! The feed's cursors are handed out under the office's feed-row lock and commit in order
//! ([`crate::booking::append_change`]), so reading `cursor > after` in order never skips a
//! committed change. Any replica's commit wakes the long-polls of every replica through
//! PostgreSQL's `NOTIFY antrian_changes`; a long-poll also looks again every few seconds, so a
//! lost notification only delays.

use std::sync::Arc;
use std::time::Duration;

use antrian_proto::{ErrorBody, ErrorCode};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, FixedOffset, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_postgres::AsyncMessage;

use crate::Central;
use crate::api::{Body, Hub};
use crate::booking::{self, state};
use crate::error::{ApiError, ApiResult};

/// Changes per answer.
const PAGE: i64 = 500;
/// The longest long-poll, seconds.
const MAX_WAIT: u64 = 60;

/// Follows `NOTIFY antrian_changes` on a connection of its own, reconnecting when it drops.
pub fn listen(central: Arc<Central>, url: String) {
    tokio::spawn(async move {
        loop {
            match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
                Ok((client, mut connection)) => {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    let stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    let forward = tokio::spawn(async move {
                        let mut stream = std::pin::pin!(stream);
                        while let Some(message) = stream.next().await {
                            match message {
                                Ok(AsyncMessage::Notification(n)) => {
                                    if tx.send(n.payload().to_owned()).is_err() {
                                        break;
                                    }
                                }
                                Ok(_) => {}
                                Err(error) => {
                                    tracing::warn!(%error, "the change-notification connection failed");
                                    break;
                                }
                            }
                        }
                    });
                    if let Err(error) = client.batch_execute("LISTEN antrian_changes").await {
                        tracing::warn!(%error, "cannot LISTEN for changes");
                    } else {
                        while let Some(office) = rx.recv().await {
                            let _ = central.changed.send(office);
                        }
                    }
                    forward.abort();
                }
                Err(error) => tracing::warn!(%error, "cannot connect to listen for changes; trying again"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    wait: u64,
}

async fn read_feed(central: &Central, office: &str, after: i64) -> ApiResult<Vec<Value>> {
    let client = central.pool.get().await?;
    let rows = client
        .query(
            "SELECT c.cursor, c.kind, c.appointment, p.nik_sealed
             FROM changes c
             JOIN applications a ON a.office_id = c.office_id AND a.id = c.application_id
             JOIN applicants p ON p.id = a.applicant_id
             WHERE c.office_id = $1 AND c.cursor > $2 ORDER BY c.cursor LIMIT $3",
            &[&office, &after, &PAGE],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut appointment: Value = row.get(2);
            let nik = central.keys.open(&row.get::<_, Vec<u8>>(3));
            appointment["nik"] = json!(nik);
            json!({"cursor": row.get::<_, i64>(0), "kind": row.get::<_, String>(1), "appointment": appointment})
        })
        .collect())
}

/// `GET /sync/appointments?after=&wait=` (hub token) → `{changes:[{cursor, kind, appointment}], next}`.
#[utoipa::path(get, path = "/api/v1/sync/appointments", params(("after" = i64, Query, description = "the last cursor applied (0: from the start)"), ("wait" = u64, Query, description = "seconds to wait when nothing is new (at most 60)")), security(("bearer" = [])), responses((status = 200, body = Object, description = "{changes:[{cursor, kind: upsert|cancel, appointment}], next}"), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn appointments(
    State(central): State<Arc<Central>>,
    Hub(office): Hub,
    crate::api::Params(query): crate::api::Params<FeedQuery>,
) -> ApiResult<Json<Value>> {
    if query.after < 0 {
        return Err(ApiError::invalid("after: a cursor from an earlier answer's `next`, or 0"));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(query.wait.min(MAX_WAIT));
    let mut woken = central.changed.subscribe();
    loop {
        let changes = read_feed(&central, &office, query.after).await?;
        let now = tokio::time::Instant::now();
        if !changes.is_empty() || now >= deadline {
            let next = changes.last().and_then(|c| c["cursor"].as_i64()).unwrap_or(query.after);
            return Ok(Json(json!({"changes": changes, "next": next})));
        }
        let look_again = (deadline - now).min(Duration::from_secs(5));
        let _ = tokio::time::timeout(look_again, async {
            loop {
                match woken.recv().await {
                    Ok(changed) if changed == office => break,
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                }
            }
        })
        .await;
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Visits {
    events: Vec<Visit>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    id: String,
    booking_code: String,
    kind: String,
    at: DateTime<FixedOffset>,
}

/// The application state a visit event leads to, from the states it may come from.
fn transition(kind: &str) -> Option<(&'static str, &'static [&'static str])> {
    use state::*;
    Some(match kind {
        "checked_in" => (CHECKED_IN, &[BOOKED, NO_SHOW]),
        "no_show" => (NO_SHOW, &[BOOKED]),
        "stage_done" | "done" => (IN_PROCESS, &[BOOKED, CHECKED_IN]),
        "ready_for_pickup" => (READY_FOR_PICKUP, &[BOOKED, CHECKED_IN, IN_PROCESS]),
        "picked_up" => (PICKED_UP, &[BOOKED, CHECKED_IN, IN_PROCESS, READY_FOR_PICKUP]),
        _ => return None,
    })
}

/// `POST /sync/visits {events:[{id, booking_code, kind, at}]}` (hub token) → `{accepted}`:
/// each event is recorded once by its id; an event id sent again changes nothing. A booking
/// code this service does not know (the hub's own bookings) is recorded and otherwise left.
#[utoipa::path(post, path = "/api/v1/sync/visits", request_body = Visits, security(("bearer" = [])), responses((status = 200, body = Object, description = "{accepted}: every event received (an id sent again changes nothing)"), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn visits(
    State(central): State<Arc<Central>>,
    Hub(office): Hub,
    Body(visits): Body<Visits>,
) -> ApiResult<Json<Value>> {
    if visits.events.len() > 1000 {
        return Err(ApiError::invalid("at most 1,000 events at once"));
    }
    for event in &visits.events {
        if transition(&event.kind).is_none() {
            return Err(ApiError::invalid(format!(
                "event {}: kind {:?} (checked_in, no_show, stage_done, done, ready_for_pickup, picked_up)",
                event.id, event.kind
            )));
        }
        if event.id.is_empty() || event.id.len() > 100 {
            return Err(ApiError::invalid("an event id is 1 to 100 characters"));
        }
    }
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let tx = client.transaction().await?;
    for event in &visits.events {
        let at = event.at.with_timezone(&Utc);
        let new = tx
            .execute(
                "INSERT INTO visit_events (office_id, id, booking_code, kind, at, received_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT DO NOTHING",
                &[&office, &event.id, &event.booking_code, &event.kind, &at, &now],
            )
            .await?;
        if new == 0 {
            continue;
        }
        let Some((to, from)) = transition(&event.kind) else { continue };
        let row = tx
            .query_opt(
                "SELECT id, state FROM applications WHERE office_id = $1 AND booking_code = $2 FOR UPDATE",
                &[&office, &event.booking_code],
            )
            .await?;
        let Some(row) = row else { continue };
        let (id, current): (String, String) = (row.get(0), row.get(1));
        if from.contains(&current.as_str()) {
            tx.execute(
                "UPDATE applications SET state = $3, updated_at = $4 WHERE office_id = $1 AND id = $2",
                &[&office, &id, &to, &now],
            )
            .await?;
            booking::history(&tx, &office, &id, to, at).await?;
        } else if current != to {
            tracing::info!(office, application = %id, current, kind = %event.kind, "visit event left: not from this state");
        }
    }
    tx.commit().await.map_err(|e| {
        tracing::error!(%e, "visits not stored");
        ApiError::new(ErrorCode::Unavailable, "the events could not be stored; send them again")
    })?;
    Ok(Json(json!({"accepted": visits.events.len()})))
}
