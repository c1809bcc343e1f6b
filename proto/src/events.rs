//! The live events of `GET /api/v1/offices/{office}/events`.
//!
//! Every event has an increasing id from the hub's persisted event log. The SSE `event:`
//! field is the kind (`called`, `ticket`, `waiting`, `counter`) and `data:` the JSON body.
//! Events never hold applicants' names or NIK.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::types::{BoardCounter, CounterState, TicketState, WaitingCount};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalledEvent {
    pub ticket_id: String,
    pub number: String,
    pub counter: String,
    pub counter_name: String,
    pub stage: String,
    pub at: DateTime<FixedOffset>,
    /// 0 for the first call at this stage; 1, 2, … for recalls.
    pub recall: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    pub ticket_id: String,
    pub number: String,
    pub state: TicketState,
    pub stage: String,
    pub counter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingEvent {
    pub stage: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterEvent {
    pub counter: String,
    pub state: CounterState,
    /// Number of the ticket at the counter, if any.
    pub ticket: Option<String>,
    #[serde(default)]
    pub ticket_id: Option<String>,
}

/// `GET /api/v1/offices/{office}/board`: what a display needs at start — then it follows the
/// events after `last_event_id`. No names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardResponse {
    #[serde(default)]
    pub office_name: String,
    pub counters: Vec<BoardCounter>,
    /// Waiting tickets per stage id.
    pub waiting: Vec<WaitingCount>,
    /// Today's most recent calls, newest first.
    #[serde(default)]
    pub recent: Vec<CalledEvent>,
    pub last_event_id: u64,
}

/// The SSE kind that is not in the log: sent first to a client whose `Last-Event-ID` is ahead
/// of the hub's log (the hub's data was restored from a backup). Its `id` and its data
/// `{"last_event_id": n}` give the log's last id: reload what you show, then follow from there.
pub const RESET: &str = "reset";

/// One event of the log, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum HubEvent {
    Called(CalledEvent),
    Ticket(TicketEvent),
    Waiting(WaitingEvent),
    Counter(CounterEvent),
}

impl HubEvent {
    /// The SSE `event:` name.
    /// Every kind, as [`HubEvent::kind`] names it.
    pub const KINDS: [&'static str; 4] = ["called", "ticket", "waiting", "counter"];

    pub fn kind(&self) -> &'static str {
        match self {
            HubEvent::Called(_) => "called",
            HubEvent::Ticket(_) => "ticket",
            HubEvent::Waiting(_) => "waiting",
            HubEvent::Counter(_) => "counter",
        }
    }

    /// The SSE `data:` JSON.
    pub fn data_json(&self) -> String {
        let value = match self {
            HubEvent::Called(e) => serde_json::to_string(e),
            HubEvent::Ticket(e) => serde_json::to_string(e),
            HubEvent::Waiting(e) => serde_json::to_string(e),
            HubEvent::Counter(e) => serde_json::to_string(e),
        };
        // Serializing these plain structs cannot fail.
        value.unwrap_or_else(|_| "{}".to_owned())
    }

    /// Rebuilds an event from its kind and data; `None` for an unknown kind or bad data
    /// (a newer hub may add kinds: old clients skip them).
    pub fn parse(kind: &str, data: &str) -> Option<HubEvent> {
        Some(match kind {
            "called" => HubEvent::Called(serde_json::from_str(data).ok()?),
            "ticket" => HubEvent::Ticket(serde_json::from_str(data).ok()?),
            "waiting" => HubEvent::Waiting(serde_json::from_str(data).ok()?),
            "counter" => HubEvent::Counter(serde_json::from_str(data).ok()?),
            _ => return None,
        })
    }
}

/// An event with its log number.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEnvelope {
    pub id: u64,
    pub event: HubEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_survives_the_wire() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
        let events = [
            HubEvent::Called(CalledEvent {
                ticket_id: "t".into(),
                number: "A012".into(),
                counter: "3".into(),
                counter_name: "Loket 3".into(),
                stage: "berkas".into(),
                at,
                recall: 1,
            }),
            HubEvent::Ticket(TicketEvent {
                ticket_id: "t".into(),
                number: "A012".into(),
                state: TicketState::Serving,
                stage: "berkas".into(),
                counter: Some("3".into()),
            }),
            HubEvent::Waiting(WaitingEvent { stage: "berkas".into(), count: 7 }),
            HubEvent::Counter(CounterEvent {
                counter: "3".into(),
                state: CounterState::Paused,
                ticket: None,
                ticket_id: None,
            }),
        ];
        for event in events {
            let back = HubEvent::parse(event.kind(), &event.data_json());
            assert_eq!(back.as_ref(), Some(&event));
        }
        assert_eq!(HubEvent::parse("future_kind", "{}"), None);
        assert_eq!(HubEvent::parse("called", "{not json"), None);
    }
}
