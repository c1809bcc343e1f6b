//! A display loses its link while calls go on (issue 18, item 2): ten calls are made and each
//! marked no-show while it is cut off. On reconnect the screen catches up, but those calls are
//! not spoken any more — and the next live call is spoken at once, not a minute later.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_display::announce::{Announcer, Speaker};
use antrian_display::feed::{self, Shared, StillHappening};
use antrian_e2e::{Link, RunningHub, run_cli};
use antrian_proto::Client;

/// Speaks by waiting as long as a real announcement takes, and writes down what it said.
struct Recorder(Arc<Mutex<Vec<(String, Instant)>>>);

impl Speaker for Recorder {
    fn say(&mut self, text: &str) {
        self.0.lock().expect("lock").push((text.to_owned(), Instant::now()));
        std::thread::sleep(Duration::from_millis(1500));
    }
}

async fn wait_until(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_lost_link_only_what_still_happens_is_spoken_and_the_live_call_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8").to_owned();
    let global = ["--data-dir", data_s.as_str()];
    assert!(
        run_cli(&[&global[..], &["user", "add", "loket", "--role", "staff"]].concat(), "loket-password\n").0
    );
    let (_, kiosk_token, _) =
        run_cli(&[&global[..], &["device", "add", "kiosk-1", "--role", "kiosk"]].concat(), "");
    let (_, display_token, _) =
        run_cli(&[&global[..], &["device", "add", "tv-1", "--role", "display"]].concat(), "");
    let hub =
        RunningHub::start(&global, &["--clock", "2026-11-25T09:05:00+07:00"], &dir.path().join("hub.log"));
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(kiosk_token.trim());
    for _ in 0..11 {
        kiosk.walkin("D", None).await.expect("walk-in");
    }

    // The display reaches the hub through a cable that can be pulled.
    let link = Link::start(&hub.url).await;
    let shared = Arc::new(Mutex::new(Shared::default()));
    let spoken: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let announcer = Announcer::start(Recorder(spoken.clone()), StillHappening(shared.clone()));
    let display = Client::new(&link.url).with_token(display_token.trim());
    tokio::spawn(feed::run(
        display,
        "kanim-jaksel".into(),
        shared.clone(),
        move |call| announcer.announce(call.clone()),
        || {},
    ));
    wait_until("the display is connected", 10, || shared.lock().expect("lock").state.connected).await;

    link.cut();
    wait_until("the display notices the lost link", 10, || !shared.lock().expect("lock").state.connected)
        .await;
    let (staff, _) = Client::new(&hub.url).login("loket", "loket-password").await.expect("login");
    for _ in 0..10 {
        let ticket = staff.call_next("8", None).await.expect("call").expect("a ticket");
        staff.ticket_action(&ticket.id, "no-show").await.expect("no-show");
    }
    link.mend();
    let last = staff.board("kanim-jaksel").await.expect("board").last_event_id;
    wait_until("the display caught up", 15, || {
        shared.lock().expect("lock").state.last_event_id == Some(last)
    })
    .await;
    assert_eq!(shared.lock().expect("lock").state.recent.len(), 6, "the missed calls are shown");

    let live = staff.call_next("8", None).await.expect("call").expect("D011");
    let called = Instant::now();
    assert_eq!(live.number, "D011");
    wait_until("the live call is spoken", 10, || !spoken.lock().expect("lock").is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let spoken = spoken.lock().expect("lock").clone();
    let said: Vec<&str> = spoken.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(said.len(), 1, "only the live call is spoken: {said:?}");
    assert!(said[0].contains("D") && said[0].contains("sebelas"), "{said:?}");
    let delay = spoken[0].1.duration_since(called);
    assert!(delay < Duration::from_secs(2), "the live call was spoken {delay:?} after it was made");
    hub.kill();
}
