//! Storage that fails under a running hub, in the two ways a real office sees it:
//! - full: the real hub on a small tmpfs whose space runs out;
//! - unreadable: the real hub on a pass-through FUSE file system that starts answering every
//!   operation with an I/O error, as a dying disk does, and later comes back.
//!
//! Every write is refused with 503 `unavailable` and a clear message, nothing half-done is
//! left (`PRAGMA integrity_check`, no number used twice or skipped), and the hub works on by
//! itself once the storage does. Both need root to mount; without that privilege each test
//! says so loudly and skips.

use std::process::Command;

use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::Client;
use antrian_proto::ClientError;

struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn mount_tmpfs(at: &std::path::Path, size: &str) -> Option<Tmpfs> {
    std::fs::create_dir_all(at).ok()?;
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        antrian_proto::skip::skipped("cannot mount a tmpfs here", "run as root with CAP_SYS_ADMIN");
        return None;
    }
    Some(Tmpfs(at.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn full_storage_refuses_with_503_changes_nothing_and_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let Some(_mount) = mount_tmpfs(&data, "8m") else { return };
    let data_s = data.to_str().expect("utf8");
    let token = add_device(data_s, "kiosk-1", "kiosk");
    let hub = serve(data_s, "2026-11-25T09:05:00+07:00", &dir.path().join("hub.log")).await;
    let kiosk = Client::new(&hub.url).with_token(&token);
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D001");

    // Fill the disk.
    let filler = data.join("filler");
    let _ =
        Command::new("dd").arg("if=/dev/zero").arg(format!("of={}", filler.display())).arg("bs=64k").output();
    for _ in 0..3 {
        assert_unavailable(&kiosk.walkin("D", Some("while-full")).await.expect_err("no space"));
    }
    // Reading still answers.
    assert!(kiosk.health().await.is_ok());

    // Space is back: the hub goes on by itself, the next number follows D001, and the
    // request refused while full was never recorded (its id acts now, once).
    std::fs::remove_file(&filler).expect("remove filler");
    assert_eq!(kiosk.walkin("D", Some("while-full")).await.expect("walk-in").number, "D002");
    assert_eq!(kiosk.walkin("D", Some("while-full")).await.expect("same request").number, "D002");
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D003");
    hub.kill();

    assert_eq!(numbers_in(&data.join("antrian.db")), vec!["D001", "D002", "D003"]);
}

/// Adds a device to the hub's data dir; its token.
fn add_device(data: &str, name: &str, role: &str) -> String {
    let (ok, token, err) = run_cli(&["--data-dir", data, "device", "add", name, "--role", role], "");
    assert!(ok, "{err}");
    token.trim().to_owned()
}

/// The real hub serving `data` at `clock`, answering.
async fn serve(data: &str, clock: &str, log: &std::path::Path) -> RunningHub {
    let hub = RunningHub::start(&["--data-dir", data], &["--clock", clock], log);
    hub.wait_healthy().await;
    hub
}

/// Ticket numbers in the database file at `path`, after checking the file is whole.
fn numbers_in(path: &std::path::Path) -> Vec<String> {
    let db = rusqlite::Connection::open(path).expect("open db");
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(check, "ok");
    db.prepare("SELECT number FROM tickets ORDER BY number")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("numbers")
}

fn waiting(board: &antrian_proto::BoardResponse) -> u32 {
    board.waiting.iter().map(|w| w.count).sum()
}

fn assert_unavailable(error: &ClientError) {
    assert_eq!((error.status(), error.code()), (Some(503), Some("unavailable")), "{error}");
    assert!(error.to_string().contains("storage"), "a clear message: {error}");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unreadable_storage_refuses_with_503_changes_nothing_and_recovers() {
    use antrian_e2e::faultfs::FaultFs;

    let dir = tempfile::tempdir().expect("tempdir");
    let (disk, data) = (dir.path().join("disk"), dir.path().join("data"));
    std::fs::create_dir_all(&disk).expect("disk dir");
    std::fs::create_dir_all(&data).expect("data dir");
    let Some(storage) = FaultFs::mount(&disk, &data) else { return };
    let data_s = data.to_str().expect("utf8");
    let token = add_device(data_s, "kiosk-1", "kiosk");
    let display_token = add_device(data_s, "display-1", "display");
    let hub = serve(data_s, "2026-11-25T09:05:00+07:00", &dir.path().join("hub.log")).await;
    let kiosk = Client::new(&hub.url).with_token(&token);
    let display = Client::new(&hub.url).with_token(&display_token);
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D001");

    // The disk fails: every operation on its files is an I/O error.
    storage.switch.fail(true);
    for _ in 0..3 {
        let error = kiosk.walkin("D", Some("while-broken")).await.expect_err("storage failing");
        assert_unavailable(&error);
    }
    // A screen's read is answered from what the hub has in memory or refused the same way,
    // never with anything else.
    match display.board("kanim-jaksel").await {
        Ok(board) => assert_eq!(waiting(&board), 1, "{board:?}"),
        Err(error) => assert_unavailable(&error),
    }
    // The hub itself still answers, so kiosks show the storage error rather than "no hub".
    assert!(kiosk.health().await.is_ok());

    // The disk is back: the hub goes on by itself; the request refused while it failed was
    // never recorded (its id acts now, once) and no number was used up.
    storage.switch.fail(false);
    assert_eq!(kiosk.walkin("D", Some("while-broken")).await.expect("walk-in").number, "D002");
    assert_eq!(kiosk.walkin("D", Some("while-broken")).await.expect("same request").number, "D002");
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D003");
    let board = display.board("kanim-jaksel").await.expect("board after recovery");
    assert_eq!(waiting(&board), 3, "{board:?}");

    // A second failure in the middle of the day, then a restart on the recovered disk.
    storage.switch.fail(true);
    assert_unavailable(&kiosk.walkin("D", None).await.expect_err("storage failing"));
    hub.kill();
    // Starting on a failing disk is refused with a message naming the storage.
    let (ok, out, err) = run_cli(&["--data-dir", data_s, "device", "add", "kiosk-2", "--role", "kiosk"], "");
    assert!(!ok, "a command on failing storage must not succeed: {out}");
    assert!(err.contains("storage") && err.contains("Input/output error"), "a clear message: {err}");
    storage.switch.fail(false);
    let hub = serve(data_s, "2026-11-25T09:30:00+07:00", &dir.path().join("hub-2.log")).await;
    let kiosk = Client::new(&hub.url).with_token(&token);
    assert_eq!(kiosk.walkin("D", Some("while-broken")).await.expect("same request").number, "D002");
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D004");
    hub.kill();
    drop(storage);
    assert_eq!(numbers_in(&disk.join("antrian.db")), vec!["D001", "D002", "D003", "D004"]);
}
