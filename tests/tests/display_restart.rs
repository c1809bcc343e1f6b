//! The display's feed against the real hub binary: the hub is killed and restarted while
//! calls go on; the display reconnects by itself and holds every call made while it was
//! away, in order, each announced once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_display::feed::{self, Shared};
use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::Client;

const CLOCK: &str = "2026-11-25T09:05:00+07:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_display_catches_up_on_every_call_made_while_the_hub_was_down() {
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
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let log = dir.path().join("hub.log");
    let serve = ["--listen", listen.as_str(), "--clock", CLOCK];
    let hub = RunningHub::start(&global, &serve, &log);
    hub.wait_healthy().await;
    let url = hub.url.clone();
    let kiosk = Client::new(&url).with_token(kiosk_token.trim());
    for _ in 0..10 {
        kiosk.walkin("C", None).await.expect("walk-in");
    }

    let shared = Arc::new(Mutex::new(Shared::default()));
    let announced: Arc<Mutex<Vec<String>>> = Arc::default();
    let heard = announced.clone();
    let display = Client::new(&url).with_token(display_token.trim());
    tokio::spawn(feed::run(
        display,
        "kanim-jaksel".into(),
        shared.clone(),
        move |call| heard.lock().expect("lock").push(call.number.clone()),
        || {},
    ));

    let call = |staff: Client, counter: &'static str| async move {
        let ticket = staff.call_next(counter, None).await.expect("call").expect("a ticket");
        staff.finish(&ticket.id, None).await.expect("finish");
        ticket.number
    };
    let wait_for = |count: usize| {
        let announced = announced.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            while announced.lock().expect("lock").len() < count {
                assert!(Instant::now() < deadline, "the display did not catch up");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let (staff, _) = Client::new(&url).login("loket", "loket-password").await.expect("login");
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(call(staff.clone(), "1").await);
    }
    wait_for(3).await;

    // The hub dies; it comes back on the same address and data, and calls go on at once.
    hub.kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.lock().expect("lock").state.connected {
        assert!(Instant::now() < deadline, "the display never noticed the hub was gone");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hub = RunningHub::start(&global, &serve, &log);
    hub.wait_healthy().await;
    let (staff, _) = Client::new(&url).login("loket", "loket-password").await.expect("login again");
    for counter in ["1", "2", "3", "1", "2"] {
        made.push(call(staff.clone(), counter).await);
    }
    wait_for(8).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let announced = announced.lock().expect("lock").clone();
    assert_eq!(announced, made, "every call once, in order");
    let state = shared.lock().expect("lock").state.clone();
    assert_eq!(state.latest.map(|c| c.number), made.last().cloned());
    assert!(state.connected);
    hub.kill();
}
