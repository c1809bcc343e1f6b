//! What the waiting-room screen shows, as plain data, and the reducer that applies the hub's
//! events to it. An event whose id is not above the last applied one is a replay after a
//! reconnect and is ignored, so every call is shown and announced exactly once.

use std::collections::{BTreeMap, VecDeque};

use antrian_proto::events::CalledEvent;
use antrian_proto::{CounterState, EventEnvelope, HubEvent, TicketState};

/// How many calls the "recent" list keeps.
pub const RECENT: usize = 6;

/// Which part of the office a display shows: stages and counters (empty: all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub stages: Vec<String>,
    pub counters: Vec<String>,
}

impl Filter {
    fn stage(&self, stage: &str) -> bool {
        self.stages.is_empty() || self.stages.iter().any(|s| s == stage)
    }

    fn counter(&self, counter: &str) -> bool {
        self.counters.is_empty() || self.counters.iter().any(|c| c == counter)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CounterView {
    pub state: CounterState,
    /// The number called to or served at the counter.
    pub number: Option<String>,
    ticket_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisplayState {
    pub filter: Filter,
    /// The newest call, shown large.
    pub latest: Option<CalledEvent>,
    /// Recent calls, newest first, one entry per ticket.
    pub recent: VecDeque<CalledEvent>,
    pub counters: BTreeMap<String, CounterView>,
    /// Waiting tickets per stage.
    pub waiting: BTreeMap<String, u32>,
    pub last_event_id: Option<u64>,
    pub connected: bool,
    pub office_name: String,
    /// Stage id → name, for the waiting counts.
    pub stage_names: BTreeMap<String, String>,
    /// Counter id → name.
    pub counter_names: BTreeMap<String, String>,
    /// Stage ids in the office's order (from the board).
    pub stages: Vec<String>,
}

impl DisplayState {
    pub fn new(filter: Filter) -> Self {
        DisplayState { filter, ..Default::default() }
    }

    /// Starts from the hub's board: counters, waiting counts, today's recent calls; events
    /// after `last_event_id` follow.
    pub fn load_board(&mut self, board: &antrian_proto::BoardResponse) {
        self.office_name = board.office_name.clone();
        self.counters.clear();
        for counter in board.counters.iter().filter(|c| self.filter.counter(&c.id)) {
            if !self.filter.stages.is_empty() && !counter.stages.iter().any(|s| self.filter.stage(s)) {
                continue;
            }
            self.counter_names.insert(counter.id.clone(), counter.name.clone());
            self.counters.insert(
                counter.id.clone(),
                CounterView {
                    state: counter.state,
                    number: counter.number.clone(),
                    ticket_id: counter.ticket_id.clone(),
                },
            );
        }
        self.waiting.clear();
        self.stages =
            board.waiting.iter().filter(|w| self.filter.stage(&w.stage)).map(|w| w.stage.clone()).collect();
        for waiting in board.waiting.iter().filter(|w| self.filter.stage(&w.stage)) {
            self.stage_names.insert(waiting.stage.clone(), waiting.name.clone());
            self.waiting.insert(waiting.stage.clone(), waiting.count);
        }
        self.recent = board
            .recent
            .iter()
            .filter(|c| self.filter.stage(&c.stage) && self.filter.counter(&c.counter))
            .take(RECENT)
            .cloned()
            .collect();
        self.latest = self.recent.front().cloned();
        self.last_event_id = Some(board.last_event_id);
    }

    /// Whether `call` is still being called: its counter shows its ticket (a ticket finished,
    /// missed or moved since then has left the counter).
    pub fn still_current(&self, call: &CalledEvent) -> bool {
        self.counters
            .get(&call.counter)
            .is_some_and(|c| c.ticket_id.as_deref() == Some(call.ticket_id.as_str()))
    }

    /// The stages to show counts for: the office's order, then any others seen in events.
    pub fn stage_order(&self) -> Vec<String> {
        let mut order = self.stages.clone();
        for stage in self.waiting.keys() {
            if !order.contains(stage) {
                order.push(stage.clone());
            }
        }
        order
    }

    /// Applies one event; returns the call to announce, if it is one this display shows.
    pub fn apply(&mut self, envelope: &EventEnvelope) -> Option<CalledEvent> {
        if self.last_event_id.is_some_and(|last| envelope.id <= last) {
            return None;
        }
        self.last_event_id = Some(envelope.id);
        match &envelope.event {
            HubEvent::Called(call) => {
                if !self.filter.stage(&call.stage) || !self.filter.counter(&call.counter) {
                    return None;
                }
                self.recent.retain(|c| c.ticket_id != call.ticket_id);
                self.recent.push_front(call.clone());
                self.recent.truncate(RECENT);
                self.latest = Some(call.clone());
                self.counter_names.entry(call.counter.clone()).or_insert_with(|| call.counter_name.clone());
                let counter = self.counters.entry(call.counter.clone()).or_insert(CounterView {
                    state: CounterState::Open,
                    number: None,
                    ticket_id: None,
                });
                counter.state = CounterState::Open;
                counter.number = Some(call.number.clone());
                counter.ticket_id = Some(call.ticket_id.clone());
                Some(call.clone())
            }
            HubEvent::Ticket(ticket) => {
                if !matches!(ticket.state, TicketState::Called | TicketState::Serving) {
                    for counter in self.counters.values_mut() {
                        if counter.ticket_id.as_deref() == Some(ticket.ticket_id.as_str()) {
                            counter.number = None;
                            counter.ticket_id = None;
                        }
                    }
                }
                None
            }
            HubEvent::Waiting(waiting) => {
                if self.filter.stage(&waiting.stage) {
                    self.waiting.insert(waiting.stage.clone(), waiting.count);
                }
                None
            }
            HubEvent::Counter(counter) => {
                if self.filter.counter(&counter.counter) {
                    self.counters.insert(
                        counter.counter.clone(),
                        CounterView {
                            state: counter.state,
                            number: counter.ticket.clone(),
                            ticket_id: counter.ticket_id.clone(),
                        },
                    );
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use antrian_proto::events::{CounterEvent, TicketEvent, WaitingEvent};

    fn at() -> chrono::DateTime<chrono::FixedOffset> {
        chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time")
    }

    fn called(id: u64, number: &str, counter: &str, stage: &str, recall: u32) -> EventEnvelope {
        EventEnvelope {
            id,
            event: HubEvent::Called(CalledEvent {
                ticket_id: format!("t-{number}"),
                number: number.into(),
                counter: counter.into(),
                counter_name: format!("Loket {counter}"),
                stage: stage.into(),
                at: at(),
                recall,
            }),
        }
    }

    fn ticket(id: u64, number: &str, state: TicketState) -> EventEnvelope {
        EventEnvelope {
            id,
            event: HubEvent::Ticket(TicketEvent {
                ticket_id: format!("t-{number}"),
                number: number.into(),
                state,
                stage: "berkas".into(),
                counter: None,
            }),
        }
    }

    #[test]
    fn calls_become_the_latest_the_recent_list_and_the_counters() {
        let mut state = DisplayState::default();
        assert!(state.apply(&called(1, "A001", "1", "berkas", 0)).is_some());
        assert!(state.apply(&called(2, "A002", "2", "berkas", 0)).is_some());
        assert_eq!(state.latest.as_ref().map(|c| c.number.as_str()), Some("A002"));
        let recent: Vec<&str> = state.recent.iter().map(|c| c.number.as_str()).collect();
        assert_eq!(recent, ["A002", "A001"]);
        assert_eq!(state.counters["1"].number.as_deref(), Some("A001"));
        // A recall comes first again and is announced again, without a second list entry.
        let recall = state.apply(&called(3, "A001", "1", "berkas", 1)).expect("announced again");
        assert_eq!(recall.recall, 1);
        let recent: Vec<&str> = state.recent.iter().map(|c| c.number.as_str()).collect();
        assert_eq!(recent, ["A001", "A002"]);
        // Finishing frees the counter on screen.
        state.apply(&ticket(4, "A001", TicketState::Waiting));
        assert_eq!(state.counters["1"].number, None);
        assert_eq!(state.counters["2"].number.as_deref(), Some("A002"));
    }

    #[test]
    fn a_replay_after_reconnect_is_applied_once() {
        let events: Vec<EventEnvelope> =
            (1..=5).map(|i| called(i, &format!("C00{i}"), "1", "berkas", 0)).collect();
        let mut state = DisplayState::default();
        let mut announced = 0;
        for event in &events {
            announced += usize::from(state.apply(event).is_some());
        }
        let before = state.clone();
        // The stream reconnects and the hub replays from an older id.
        for event in &events[2..] {
            assert!(state.apply(event).is_none(), "a replayed call is not announced twice");
        }
        assert_eq!(announced, 5);
        assert_eq!(state, before, "nothing changed");
    }

    #[test]
    fn the_recent_list_is_bounded_and_counts_and_counters_follow_events() {
        let mut state = DisplayState::default();
        for i in 1..=10 {
            state.apply(&called(i, &format!("D{i:03}"), "8", "pengambilan", 0));
        }
        assert_eq!(state.recent.len(), RECENT);
        assert_eq!(state.recent.front().map(|c| c.number.as_str()), Some("D010"));
        state.apply(&EventEnvelope {
            id: 11,
            event: HubEvent::Waiting(WaitingEvent { stage: "berkas".into(), count: 7 }),
        });
        assert_eq!(state.waiting.get("berkas"), Some(&7));
        state.apply(&EventEnvelope {
            id: 12,
            event: HubEvent::Counter(CounterEvent {
                counter: "3".into(),
                state: CounterState::Paused,
                ticket: None,
                ticket_id: None,
            }),
        });
        assert_eq!(state.counters["3"].state, CounterState::Paused);
    }

    #[test]
    fn a_display_shows_only_its_stages_and_counters() {
        let mut state = DisplayState::new(Filter { stages: vec!["pengambilan".into()], counters: vec![] });
        assert!(state.apply(&called(1, "A001", "1", "berkas", 0)).is_none(), "another hall's call");
        assert!(state.apply(&called(2, "D001", "8", "pengambilan", 0)).is_some());
        assert_eq!(state.latest.as_ref().map(|c| c.number.as_str()), Some("D001"));
        assert_eq!(state.recent.len(), 1);
        assert_eq!(state.last_event_id, Some(2), "skipped events still count as seen");
    }
}
