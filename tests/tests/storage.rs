//! Full storage: the real hub on a small tmpfs whose space runs out. Every write is refused
//! with 503 `unavailable` and a clear message, nothing half-done is left, and the hub works
//! on by itself (numbers continuing without a gap) once space is back. Needs root to mount a
//! tmpfs; without that privilege the test says so loudly and skips.

use std::process::Command;

use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::Client;

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
        eprintln!("\n*** SKIPPED: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN) ***\n");
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
    let (ok, token, err) =
        run_cli(&["--data-dir", data_s, "device", "add", "kiosk-1", "--role", "kiosk"], "");
    assert!(ok, "{err}");
    let hub = RunningHub::start(
        &["--data-dir", data_s],
        &["--clock", "2026-11-25T09:05:00+07:00"],
        &dir.path().join("hub.log"),
    );
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(token.trim());
    assert_eq!(kiosk.walkin("D", None).await.expect("walk-in").number, "D001");

    // Fill the disk.
    let filler = data.join("filler");
    let _ =
        Command::new("dd").arg("if=/dev/zero").arg(format!("of={}", filler.display())).arg("bs=64k").output();
    for _ in 0..3 {
        let error = kiosk.walkin("D", Some("while-full")).await.expect_err("no space");
        assert_eq!((error.status(), error.code()), (Some(503), Some("unavailable")), "{error}");
        assert!(error.to_string().contains("storage"), "a clear message: {error}");
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

    let db = rusqlite::Connection::open(data.join("antrian.db")).expect("open db");
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(check, "ok");
    let numbers: Vec<String> = db
        .prepare("SELECT number FROM tickets ORDER BY number")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("numbers");
    assert_eq!(numbers, vec!["D001", "D002", "D003"]);
}
