//! `antrian-hub backup` while eight kiosks check in, then `antrian-hub restore` (issue 17,
//! acceptance 3), through the real binary: the restored hub holds every ticket acknowledged
//! before the backup began (and none acknowledged after it ended: a snapshot, not the live
//! file), `PRAGMA integrity_check` is ok, a restore is refused while the hub serves and for a
//! file that is not a backup, and a display connected since before the restore shows the
//! restored board and then hears every new call exactly once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_display::feed::{self, Shared};
use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::Client;

const CLOCK: &str = "2026-11-25T09:05:00+07:00";
const RESTORED_CLOCK: &str = "2026-11-25T09:40:00+07:00";

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_eight_kiosks_check_in_restores_all_acknowledged_before_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8").to_owned();
    // The demo office, with room for thousands of walk-in pickups.
    let (ok, text, err) = run_cli(&["default-config"], "");
    assert!(ok, "{err}");
    let config = dir.path().join("hub.toml");
    std::fs::write(&config, text.replace("walk_in_quota = 300", "walk_in_quota = 100000")).expect("config");
    let config_s = config.to_str().expect("utf8").to_owned();
    let global = ["--config", config_s.as_str(), "--data-dir", data_s.as_str()];
    let cli = |rest: &[&str]| run_cli(&[&global[..], rest].concat(), "");
    assert!(
        run_cli(&[&global[..], &["user", "add", "loket", "--role", "staff"]].concat(), "loket-password\n").0
    );
    let mut kiosk_tokens = Vec::new();
    for k in 1..=8 {
        let (ok, token, err) = cli(&["device", "add", &format!("kiosk-{k}"), "--role", "kiosk"]);
        assert!(ok, "{err}");
        kiosk_tokens.push(token.trim().to_owned());
    }
    let (_, display_token, _) = cli(&["device", "add", "tv-1", "--role", "display"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let log = dir.path().join("hub.log");
    let hub = RunningHub::start(&global, &["--listen", listen.as_str(), "--clock", CLOCK], &log);
    hub.wait_healthy().await;
    let url = hub.url.clone();

    // A display follows the day from the start, through the restore.
    let shared = Arc::new(Mutex::new(Shared::default()));
    let announced: Arc<Mutex<Vec<String>>> = Arc::default();
    let heard = announced.clone();
    tokio::spawn(feed::run(
        Client::new(&url).with_token(display_token.trim()),
        "kanim-jaksel".into(),
        shared.clone(),
        move |call| heard.lock().expect("lock").push(call.number.clone()),
        || {},
    ));
    let (staff, _) = Client::new(&url).login("loket", "loket-password").await.expect("login");

    // Eight kiosks issue pickup tickets as fast as they are answered.
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let mut kiosks = Vec::new();
    for token in &kiosk_tokens {
        let (kiosk, stop, acked) = (Client::new(&url).with_token(token), stop.clone(), acked.clone());
        kiosks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(ticket) = kiosk.walkin("D", None).await {
                    acked.lock().expect("lock").push((ticket.id, Instant::now()));
                }
            }
        }));
    }
    // Counter 8 calls a few before the backup.
    tokio::time::sleep(Duration::from_millis(400)).await;
    for _ in 0..3 {
        let ticket = staff.call_next("8", None).await.expect("call").expect("a ticket");
        staff.finish(&ticket.id, None).await.expect("finish");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;

    // The backup, while the kiosks go on.
    let backup = dir.path().join("kanim-jaksel.backup");
    let backup_s = backup.to_str().expect("utf8").to_owned();
    let began = Instant::now();
    let (ok, out, err) = tokio::task::block_in_place(|| cli(&["backup", "--out", backup_s.as_str()]));
    let ended = Instant::now();
    assert!(ok, "backup: {err}");
    assert!(out.contains("written to"), "{out}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);
    for kiosk in kiosks {
        kiosk.await.expect("kiosk");
    }
    let acked = acked.lock().expect("lock").clone();
    let before: Vec<&String> = acked.iter().filter(|(_, at)| *at < began).map(|(id, _)| id).collect();
    let after: Vec<&String> = acked.iter().filter(|(_, at)| *at > ended).map(|(id, _)| id).collect();
    assert!(
        before.len() > 20 && !after.is_empty(),
        "check-ins before {} and after {}",
        before.len(),
        after.len()
    );
    eprintln!(
        "{} check-ins acknowledged before the backup began, {} after it ended",
        before.len(),
        after.len()
    );

    // A restore while the hub serves is refused, and so is a file that is not a backup.
    let (ok, _, err) = tokio::task::block_in_place(|| cli(&["restore", "--from", backup_s.as_str()]));
    assert!(!ok && err.contains("another antrian-hub is serving"), "{err}");
    let wrong = dir.path().join("notes.txt");
    std::fs::write(&wrong, "not a backup").expect("write");
    hub.kill();
    let (ok, _, err) =
        tokio::task::block_in_place(|| cli(&["restore", "--from", wrong.to_str().expect("utf8")]));
    assert!(!ok && err.contains("not an antrian-hub backup"), "{err}");
    let calls_before_restore = announced.lock().expect("lock").len();
    assert_eq!(calls_before_restore, 3);

    // The restore: the data aside, the backup in place, whole.
    let (ok, out, err) = tokio::task::block_in_place(|| cli(&["restore", "--from", backup_s.as_str()]));
    assert!(ok, "restore: {err}");
    assert!(out.contains("is kept in"), "{out}");
    let aside = std::fs::read_dir(&data)
        .expect("dir")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("before-restore-"))
        .expect("the data before the restore is kept");
    assert!(aside.path().join("antrian.db").exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(&aside.metadata().expect("aside").permissions());
    assert_eq!(mode & 0o777, 0o700, "the data kept aside is readable by the hub's user only");
    let leftovers: Vec<String> = std::fs::read_dir(&data)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with(".restore-"))
        .collect();
    assert!(leftovers.is_empty(), "the restore left {leftovers:?}");
    let (restored_ids, last_event): (Vec<String>, i64) = {
        let db = rusqlite::Connection::open(data.join("antrian.db")).expect("restored db");
        let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
        assert_eq!(integrity, "ok");
        let ids = db
            .prepare("SELECT id FROM tickets")
            .expect("tickets")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("ids");
        (ids, db.query_row("SELECT MAX(id) FROM events", [], |r| r.get(0)).expect("events"))
    };
    for id in &before {
        assert!(
            restored_ids.contains(id),
            "ticket {id}, acknowledged before the backup began, is in the restored data"
        );
    }
    for id in &after {
        assert!(
            !restored_ids.contains(id),
            "ticket {id} came after the backup ended: the backup is one moment"
        );
    }

    // The hub again: the display, ahead of the restored log, reloads the restored board.
    let hub = RunningHub::start(&global, &["--listen", listen.as_str(), "--clock", RESTORED_CLOCK], &log);
    hub.wait_healthy().await;
    wait_until("the display follows the restored log", || {
        shared.lock().expect("lock").state.last_event_id == Some(last_event as u64)
    })
    .await;
    // Every new call, once.
    let (staff, _) = Client::new(&url).login("loket", "loket-password").await.expect("login again");
    let mut called = Vec::new();
    for _ in 0..3 {
        let ticket = staff.call_next("8", None).await.expect("call").expect("a restored ticket waits");
        called.push(ticket.number.clone());
        staff.finish(&ticket.id, None).await.expect("finish");
    }
    wait_until("the display heard the three new calls", || {
        announced.lock().expect("lock").len() >= calls_before_restore + 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let heard = announced.lock().expect("lock").clone();
    assert_eq!(heard[calls_before_restore..], called[..], "every new call once, in order");
    let board = shared.lock().expect("lock").state.clone();
    assert_eq!(board.latest.map(|c| c.number), called.last().cloned());
    hub.kill();
}

/// The race the stream cannot see alone: a client that saw ids up to N of the replaced log
/// reconnects only after the restored hub has logged past N. It must get `reset` first (and
/// then everything after it), not take up mid-log with the lost timeline on its board.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reconnects_after_the_restored_log_grew_past_it_is_told_to_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8").to_owned();
    let global = ["--data-dir", data_s.as_str()];
    let cli = |rest: &[&str], stdin: &str| {
        let (ok, out, err) = run_cli(&[&global[..], rest].concat(), stdin);
        assert!(ok, "{rest:?}: {err}");
        out.trim().to_owned()
    };
    cli(&["user", "add", "loket", "--role", "staff"], "loket-password\n");
    let kiosk_token = cli(&["device", "add", "kiosk-1", "--role", "kiosk"], "");
    let display_token = cli(&["device", "add", "tv-1", "--role", "display"], "");
    let log = dir.path().join("hub.log");
    let port = antrian_e2e::free_port();
    let serve = |clock: &'static str| {
        let listen = format!("127.0.0.1:{port}");
        RunningHub::start(&global, &["--listen", listen.as_str(), "--clock", clock], &log)
    };
    let hub = serve(CLOCK);
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(&kiosk_token);
    for _ in 0..40 {
        kiosk.walkin("D", None).await.expect("walk-in");
    }
    calls(&hub.url, 2).await;
    let backup = dir.path().join("b.backup");
    cli(&["backup", "--out", backup.to_str().expect("utf8")], "");
    calls(&hub.url, 4).await;
    // What a display had seen when the hub went down.
    let seen = last_id(&hub.url, &display_token).await;
    hub.kill();
    let said = cli(&["restore", "--from", backup.to_str().expect("utf8")], "");
    {
        let db = rusqlite::Connection::open(data.join("antrian.db")).expect("restored db");
        let (id, kind): (u64, String) = db
            .query_row("SELECT id, kind FROM events ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("the restored log's end");
        assert_eq!((id, kind.as_str()), (seen + 1, "reset"), "the restored log goes on past {seen}: {said}");
    }

    // The restored hub calls on, past `seen`, before the display is back.
    let hub = serve(RESTORED_CLOCK);
    hub.wait_healthy().await;
    calls(&hub.url, 12).await;
    let now = last_id(&hub.url, &display_token).await;
    assert!(now > seen, "the restored log grew past the display's id ({now} vs {seen})");

    // The display reconnects with Last-Event-ID: the first thing it hears is to reload.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/offices/kanim-jaksel/events", hub.url))
        .bearer_auth(&display_token)
        .header("Last-Event-ID", seen.to_string())
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !text.contains("\n\n") {
        assert!(Instant::now() < deadline, "no event in 10 s: {text:?}");
        if let Ok(Some(Ok(chunk))) =
            tokio::time::timeout(Duration::from_secs(1), futures_util::StreamExt::next(&mut stream)).await
        {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    let first = text.split("\n\n").find(|e| e.contains("event:")).expect("an event");
    assert!(first.contains("event: reset"), "the first event after the restore is not a reset: {first}");
    hub.kill();
}

/// Counter 8 (passport pickup) calls and finishes `n` tickets.
async fn calls(url: &str, n: usize) {
    let (staff, _) = Client::new(url).login("loket", "loket-password").await.expect("login");
    for _ in 0..n {
        let ticket = staff.call_next("8", None).await.expect("call").expect("a ticket");
        staff.finish(&ticket.id, None).await.expect("finish");
    }
}

/// The last event id the board of the hub at `url` is at.
async fn last_id(url: &str, display_token: &str) -> u64 {
    Client::new(url).with_token(display_token).board("kanim-jaksel").await.expect("board").last_event_id
}
