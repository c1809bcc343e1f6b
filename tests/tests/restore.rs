//! The hub's data restored from a backup while displays and other clients are connected
//! (issue 18, item 1): their `Last-Event-ID` is then ahead of the restored log. The hub tells
//! them so (`reset`), they reload what they show, and the next call reaches every display and
//! is announced — instead of every call being dropped until the ids catch up.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_display::feed::{self, Shared};
use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::{Client, HubEvent, StreamItem};

const CLOCK: &str = "2026-11-25T09:05:00+07:00";
/// The restored hub starts later the same day, as it would: a hub clock that started again at
/// [`CLOCK`] could stamp the repeat call of C001 with the very millisecond of its first call,
/// and a display rightly tells one call (ticket, recall, time) only once.
const RESTORED_CLOCK: &str = "2026-11-25T09:35:00+07:00";

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("backup dir");
    for entry in std::fs::read_dir(from).expect("data dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_ahead_of_a_restored_log_are_told_to_reload_and_hear_the_next_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, backup) = (dir.path().join("data"), dir.path().join("backup"));
    let data_s = data.to_str().expect("utf8").to_owned();
    let global = ["--data-dir", data_s.as_str()];
    assert!(
        run_cli(&[&global[..], &["user", "add", "loket", "--role", "staff"]].concat(), "loket-password\n").0
    );
    let (_, kiosk_token, _) =
        run_cli(&[&global[..], &["device", "add", "kiosk-1", "--role", "kiosk"]].concat(), "");
    let (_, display_token, _) =
        run_cli(&[&global[..], &["device", "add", "tv-1", "--role", "display"]].concat(), "");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let serve = ["--listen", listen.as_str(), "--clock", CLOCK];
    let log = dir.path().join("hub.log");

    // Three walk-ins; the office takes its backup.
    let hub = RunningHub::start(&global, &serve, &log);
    hub.wait_healthy().await;
    let url = hub.url.clone();
    let kiosk = Client::new(&url).with_token(kiosk_token.trim());
    for _ in 0..3 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }
    hub.kill();
    copy_dir(&data, &backup);

    // The day goes on: three calls, each finished; a display follows them.
    let hub = RunningHub::start(&global, &serve, &log);
    hub.wait_healthy().await;
    let shared = Arc::new(Mutex::new(Shared::default()));
    let announced: Arc<Mutex<Vec<String>>> = Arc::default();
    let heard = announced.clone();
    let display = Client::new(&url).with_token(display_token.trim());
    tokio::spawn(feed::run(
        display.clone(),
        "kanim-jaksel".into(),
        shared.clone(),
        move |call| heard.lock().expect("lock").push(call.number.clone()),
        || {},
    ));
    let (staff, _) = Client::new(&url).login("loket", "loket-password").await.expect("login");
    for _ in 0..3 {
        let ticket = staff.call_next("1", None).await.expect("call").expect("a ticket");
        staff.finish(&ticket.id, None).await.expect("finish");
    }
    wait_until("the display heard three calls", || announced.lock().expect("lock").len() == 3).await;
    // 3 walk-ins × 2 events, then 3 × (call-next 3 + finish 3).
    let seen = 24;
    wait_until("the display saw every event", || {
        shared.lock().expect("lock").state.last_event_id == Some(seen)
    })
    .await;

    // The hub's disk is replaced by the backup.
    hub.kill();
    std::fs::remove_dir_all(&data).expect("remove data");
    copy_dir(&backup, &data);
    let serve = ["--listen", listen.as_str(), "--clock", RESTORED_CLOCK];
    let hub = RunningHub::start(&global, &serve, &log);
    hub.wait_healthy().await;

    // A stream resumed from id 24 is told where the log really is.
    let mut resumed = display.subscribe("kanim-jaksel", Some(seen));
    let first = loop {
        match tokio::time::timeout(Duration::from_secs(10), resumed.recv()).await.expect("an item") {
            Some(StreamItem::Connected) => continue,
            other => break other,
        }
    };
    assert_eq!(first, Some(StreamItem::Reset { last_event_id: 6 }), "the restored log ends at 6");

    // The next call reaches the stream, and the display shows and announces it.
    let (staff, _) = Client::new(&url).login("loket", "loket-password").await.expect("login again");
    let ticket = staff.call_next("1", None).await.expect("call").expect("C001 waits again");
    assert_eq!(ticket.number, "C001");
    let called = loop {
        match tokio::time::timeout(Duration::from_secs(10), resumed.recv()).await.expect("an event") {
            Some(StreamItem::Event(envelope)) => {
                if let HubEvent::Called(call) = envelope.event {
                    break call;
                }
            }
            Some(_) => continue,
            None => panic!("the stream ended"),
        }
    };
    assert_eq!(called.number, "C001");
    wait_until("the display announced the call after the restore", || {
        announced.lock().expect("lock").len() == 4
    })
    .await;
    assert_eq!(announced.lock().expect("lock").last().map(String::as_str), Some("C001"));
    let state = shared.lock().expect("lock").state.clone();
    assert_eq!(state.latest.map(|c| c.number).as_deref(), Some("C001"));
    assert_eq!(state.counters.get("1").and_then(|c| c.number.clone()).as_deref(), Some("C001"));
    hub.kill();
}
