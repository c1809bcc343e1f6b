//! `GET /api/v1/offices/{office}/events`: the event log as server-sent events.
//!
//! A client that sends `Last-Event-ID` (or `?since=`) first gets every event after that id
//! from the database, then live ones. A client that is *ahead* of the log — it saw ids the log
//! no longer has, because the hub's data was restored from a backup — first gets a `reset`
//! event carrying the log's last id: it must reload what it shows (a display its board) and
//! follow on from there, instead of waiting for ids to catch up while calls go unseen. A
//! restore also leaves a `reset` in the log itself, numbered past every id the replaced log
//! gave out (`backup::restore`): a client that reconnects only after the restored log has
//! grown past its id meets it in the replay. The live subscription is taken *before* the backlog is
//! read and events are filtered by id, so nothing falls between the two and nothing comes
//! twice. A subscriber too slow for the live channel is caught up from the database.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use antrian_proto::Role;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, caller_of};
use crate::hub::Hub;
use crate::store::{StoreError, WireEvent};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Replay the events after this id (instead of the `Last-Event-ID` header).
    since: Option<u64>,
    /// A ticket's status token, for the applicant's status page.
    token: Option<String>,
}

const PAGE: u32 = 1000;
/// Keep-alive comments at least this often, so proxies and clients see a live link.
pub const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Live events of the office (display, staff, or a ticket's status token).
#[utoipa::path(get, path = "/api/v1/offices/{office}/events", params(("office" = String, Path), EventsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of called, ticket, waiting and counter events; \
        a `reset` event (`{\"last_event_id\"}`) first when the client's Last-Event-ID is ahead of the log (restored from a backup), \
        and in a replay where a restore replaced the log: reload, then follow", content_type = "text/event-stream"),
        (status = 401, body = antrian_proto::ErrorBody), (status = 403, body = antrian_proto::ErrorBody),
        (status = 404, body = antrian_proto::ErrorBody)))]
pub async fn events(
    State(hub): State<Arc<Hub>>,
    Path(office): Path<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    if office != hub.config.office.id {
        return Err(ApiError::not_found(format!("office {office:?}")));
    }
    let by_token = query.token.as_deref().and_then(|t| hub.secrets.check_status_token(t)).is_some();
    if !by_token {
        let caller = caller_of(&hub, &headers).await?.ok_or_else(ApiError::unauthorized)?;
        if !(caller.role == Role::Display || caller.role.satisfies(Role::Staff)) {
            return Err(ApiError::forbidden());
        }
    }
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let since = last_event_id.or(query.since);
    // Subscribe first, then read: nothing can fall between the backlog and the live events.
    let live = hub.store.subscribe();
    let last_id = hub.store.read(|r| r.events().last_id()).await?;
    let (start, reset) = match since {
        Some(since) if since > last_id => {
            tracing::warn!(
                since,
                last_id,
                "a client is ahead of the event log (data restored from a backup?); told to reload"
            );
            (last_id, Some(last_id))
        }
        Some(since) => (since, None),
        None => (last_id, None),
    };
    let shutdown = hub.shutdown_signal();
    let from_db = since.is_some() && reset.is_none();
    let state = Subscription { hub, shutdown, live, last: start, backlog: VecDeque::new(), from_db };
    let reset = reset.map(|last| {
        let data = serde_json::json!({ "last_event_id": last }).to_string();
        Ok(Event::default().id(last.to_string()).event(antrian_proto::events::RESET).data(data))
    });
    let events = futures_util::stream::unfold(state, |mut s| async move {
        let event = s.next().await?;
        let sse = Event::default().id(event.id.to_string()).event(event.kind).data(&*event.data);
        Some((Ok(sse), s))
    });
    let stream = futures_util::stream::iter(reset).chain(events);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

struct Subscription {
    hub: Arc<Hub>,
    live: broadcast::Receiver<WireEvent>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    last: u64,
    backlog: VecDeque<WireEvent>,
    from_db: bool,
}

impl Subscription {
    /// The next page of the log after `since`; `None` when the storage cannot be read (the
    /// stream ends and the client reconnects, resuming where it was).
    async fn page_after(&self, since: u64) -> Option<Vec<WireEvent>> {
        let page = self.hub.store.read(move |r| r.events().after(since, PAGE)).await;
        page.map_err(|error: StoreError| tracing::warn!(%error, "event log unreadable; ending the stream"))
            .ok()
    }

    /// The next event after `last`; `None` ends the stream (hub shutting down, storage gone).
    async fn next(&mut self) -> Option<WireEvent> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                if event.id > self.last {
                    self.last = event.id;
                    return Some(event);
                }
                continue;
            }
            if self.from_db {
                let page = self.page_after(self.last).await?;
                self.from_db = page.len() == PAGE as usize;
                self.backlog.extend(page);
                continue;
            }
            if *self.shutdown.borrow() {
                return None;
            }
            let received = tokio::select! {
                received = self.live.recv() => received,
                _ = self.shutdown.changed() => return None,
            };
            match received {
                Ok(event) if event.id > self.last => {
                    if event.id > self.last + 1 {
                        // One we have not seen in between: read the log to be sure nothing is
                        // skipped.
                        self.backlog.push_back(event);
                        let page = self.page_after(self.last).await?;
                        let mut merged: Vec<WireEvent> = page;
                        merged.extend(self.backlog.drain(..));
                        merged.sort_by_key(|e| e.id);
                        merged.dedup_by_key(|e| e.id);
                        self.backlog.extend(merged);
                        continue;
                    }
                    self.last = event.id;
                    return Some(event);
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "slow event subscriber; catching up from the log");
                    self.from_db = true;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
