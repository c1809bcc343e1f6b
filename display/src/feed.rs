//! The display's link to the hub: the board once at start, then the event stream, which
//! reconnects by itself and resumes after the last event seen; each event goes through the
//! reducer, so a call made while the display was away is shown and announced once, in order.

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

/// Follows the hub forever. `on_call` is told every call to announce; `wake` asks the UI to
/// repaint.
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
    let mut events = client.subscribe(&office, Some(start));
    while let Some(item) = events.recv().await {
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
                    on_call(&call);
                }
            }
        }
        drop(guard);
        wake();
    }
}
