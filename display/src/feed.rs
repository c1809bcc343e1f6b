//! The display's link to the hub: the board once at start, then the event stream, which
//! reconnects by itself and resumes after the last event seen; each event goes through the
//! reducer, so a call made while the display was away is shown once, in order (and handed to
//! the announcer, which says only what is still happening). If the hub's log went back (its
//! data restored from a backup), the board is loaded again and the calls on it this display
//! has not shown are handed on too.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_proto::events::CalledEvent;
use antrian_proto::{Client, StreamItem};

use crate::state::DisplayState;

/// What the UI thread reads and the feed writes.
#[derive(Debug, Default)]
pub struct Shared {
    pub state: DisplayState,
    /// When the latest call arrived, for the highlight.
    pub new_call_at: Option<Instant>,
    /// The hub's clock as last read, and when: the screen shows the office's time (a hub
    /// started with `--clock`, as in the demo, may differ from this PC's).
    pub hub_clock: Option<(chrono::DateTime<chrono::FixedOffset>, Instant)>,
}

impl Shared {
    /// The office's time now: the hub's clock carried forward, else this PC's.
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        match self.hub_clock {
            Some((at, read)) => at + chrono::Duration::from_std(read.elapsed()).unwrap_or_default(),
            None => chrono::Local::now().fixed_offset(),
        }
    }
}

/// The announcer's policy on a display: speak a call only while it is still happening on this
/// screen — recent when it arrives, its ticket still at the counter when its turn comes.
pub struct StillHappening(pub Arc<Mutex<Shared>>);

impl crate::announce::Policy for StillHappening {
    fn fresh(&self, call: &CalledEvent) -> bool {
        self.0.lock().is_ok_and(|shared| shared.now() - call.at <= crate::announce::FRESH)
    }

    fn current(&self, call: &CalledEvent) -> bool {
        self.0.lock().is_ok_and(|shared| shared.state.still_current(call))
    }
}

/// A call as told on: ticket, recall and time.
type CallKey = (String, u32, chrono::DateTime<chrono::FixedOffset>);

fn key(call: &CalledEvent) -> CallKey {
    (call.ticket_id.clone(), call.recall, call.at)
}

/// Calls remembered as told, so that none is told twice across a reload.
const TOLD: usize = 200;

/// Follows the hub forever. `on_call` is told every call shown, once, in order; `wake` asks
/// the UI to repaint.
pub async fn run(
    client: Client,
    office: String,
    shared: Arc<Mutex<Shared>>,
    on_call: impl Fn(&CalledEvent) + Send + 'static,
    wake: impl Fn() + Send + 'static,
) {
    let start = loop {
        match client.board(&office).await {
            Ok(board) => {
                let hub_now = client.health().await.ok().map(|h| (h.now, Instant::now()));
                if let Ok(mut shared) = shared.lock() {
                    shared.hub_clock = hub_now.or(shared.hub_clock);
                    shared.state.load_board(&board);
                    shared.state.connected = true;
                }
                wake();
                break board.last_event_id;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot reach the hub; retrying");
                if let Ok(mut shared) = shared.lock() {
                    shared.state.connected = false;
                }
                wake();
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    };
    let mut told: VecDeque<CallKey> = VecDeque::new();
    let tell = |call: &CalledEvent, told: &mut VecDeque<CallKey>| {
        let key = key(call);
        if !told.contains(&key) {
            on_call(call);
            told.push_back(key);
            if told.len() > TOLD {
                told.pop_front();
            }
        }
    };
    let mut events = client.subscribe(&office, Some(start));
    while let Some(item) = events.recv().await {
        if let StreamItem::Reset { last_event_id } = item {
            // The hub's log went back (restored from a backup): what is shown may be ahead of
            // it. Show the board as the hub has it now, then follow on.
            tracing::warn!(last_event_id, "the hub's event log went back; reloading the board");
            let recent = reload_board(&client, &office, &shared).await;
            for call in recent.iter().rev() {
                tell(call, &mut told);
            }
            wake();
            continue;
        }
        let Ok(mut guard) = shared.lock() else { return };
        match item {
            StreamItem::Connected => guard.state.connected = true,
            StreamItem::Disconnected(reason) => {
                tracing::warn!(%reason, "event stream lost; reconnecting");
                guard.state.connected = false;
            }
            StreamItem::Event(envelope) => {
                if let Some(call) = guard.state.apply(&envelope) {
                    guard.new_call_at = Some(Instant::now());
                    tell(&call, &mut told);
                }
            }
            StreamItem::Reset { .. } => {}
        }
        drop(guard);
        wake();
    }
}

/// Loads the board again, trying until the hub answers; the recent calls it shows, newest
/// first.
async fn reload_board(client: &Client, office: &str, shared: &Arc<Mutex<Shared>>) -> Vec<CalledEvent> {
    loop {
        match client.board(office).await {
            Ok(board) => {
                let Ok(mut shared) = shared.lock() else { return Vec::new() };
                shared.state.load_board(&board);
                return shared.state.recent.iter().cloned().collect();
            }
            Err(error) => {
                tracing::warn!(%error, "cannot reload the board; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
