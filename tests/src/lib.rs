//! # antrian-e2e
//!
//! End-to-end tests that run the real `antrian-hub` binary, and their helpers.
//!
//! ## Layout
//! - this file: build the binary once, run its CLI, start `serve` on `127.0.0.1:0` and read
//!   the bound address it prints, kill it; the one "required or skipped" rule for system
//!   tools.
//! - [`faultfs`] (Linux): a pass-through FUSE file system whose every operation can be made
//!   to fail, as a dying disk's do.
//! - [`sim`]: a whole office day through the real hub at a fast clock, its invariants checked
//!   from the event log; run by `src/bin/antrian-sim.rs` and by `tests/day.rs`.
//! - `tests/`: the command line (`cli.rs`), SIGKILL mid-day (`crash.rs`), the simulated day
//!   (`day.rs`), a display across hub restarts (`display_restart.rs`), full and unreadable
//!   storage (`storage.rs`).

#[cfg(target_os = "linux")]
pub mod faultfs;
pub mod sim;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The `antrian-hub` binary of this build profile, built if needed (once per test process).
pub fn hub_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            workspace_binary(
                "antrian-hub",
                "ANTRIAN_HUB_BIN",
                &["hub/src", "hub/migrations", "proto/src", "rules/src", "assets", "config"],
            )
        })
        .clone()
}

/// The `antrian-central` binary of this build profile, built if needed.
pub fn central_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            workspace_binary(
                "antrian-central",
                "ANTRIAN_CENTRAL_BIN",
                &[
                    "central/src",
                    "central/migrations",
                    "central/templates",
                    "central/assets",
                    "proto/src",
                    "rules/src",
                    "config",
                ],
            )
        })
        .clone()
}

/// The `antrian-kiosk` binary of this build profile, built if needed.
pub fn kiosk_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            workspace_binary("antrian-kiosk", "ANTRIAN_KIOSK_BIN", &["kiosk/src", "proto/src", "config"])
        })
        .clone()
}

/// The `antrian-display` binary of this build profile, built if needed.
pub fn display_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            workspace_binary(
                "antrian-display",
                "ANTRIAN_DISPLAY_BIN",
                &["display/src", "proto/src", "config"],
            )
        })
        .clone()
}

/// The binary `name` (of the package of that name) of this build profile: the path in `env`
/// if set, else the one `cargo test --workspace` built unless a source under `sources` is
/// newer, else built now.
fn workspace_binary(name: &str, env: &str, sources: &[&str]) -> PathBuf {
    if let Ok(path) = std::env::var(env) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // Tests run from target/<profile>/deps, binaries (antrian-sim) from target/<profile>.
    let dir = exe.parent().expect("the executable's folder");
    let profile_dir =
        if dir.ends_with("deps") { dir.parent().expect("target/<profile>") } else { dir }.to_owned();
    let binary = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if binary.exists() && !sources_newer_than(&binary, sources) {
        return binary;
    }
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", name, "--bin", name]);
    if release {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "building {name} failed");
    assert!(binary.exists(), "{} missing", binary.display());
    binary
}

/// Whether any file under `sources` (relative to the workspace) is newer than `binary`.
fn sources_newer_than(binary: &Path, sources: &[&str]) -> bool {
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else { return true };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stack: Vec<PathBuf> = sources.iter().map(|d| root.join(d)).collect();
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.metadata().and_then(|m| m.modified()).is_ok_and(|m| m > built) {
                return true;
            }
        }
    }
    false
}

/// Runs one CLI command with `stdin`, returning (success, stdout, stderr).
pub fn run_cli(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(hub_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn antrian-hub");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running `antrian-hub serve`.
pub struct RunningHub {
    pub child: Child,
    pub url: String,
}

impl RunningHub {
    /// Starts `antrian-hub <args> serve --listen 127.0.0.1:0 <serve_args>` (or the `--listen`
    /// that `serve_args` names), logs to `log`.
    pub fn start(global: &[&str], serve_args: &[&str], log: &Path) -> RunningHub {
        let listen: &[&str] =
            if serve_args.contains(&"--listen") { &[] } else { &["--listen", "127.0.0.1:0"] };
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let mut child = Command::new(hub_binary())
            .args(global)
            .arg("serve")
            .args(listen)
            .args(serve_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn antrian-hub serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("the hub prints its address");
        let url = line.strip_prefix("listening on ").expect("'listening on http://ADDR'").trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        RunningHub { child, url }
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits until the health endpoint answers.
    pub async fn wait_healthy(&self) {
        let client = antrian_proto::Client::new(&self.url);
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.health().await.is_err() {
            assert!(Instant::now() < deadline, "hub not healthy in 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An office hub set up to follow the national service at `central_url`: the default office
/// (`kanim-jaksel`) in `dir`, with `[central]` and the service's issuer key trusted, a kiosk
/// device and a supervisor `kasubsi` (password `kasubsi-password`). Returns the global
/// arguments to start it with ([`RunningHub::start`]) and the kiosk's token.
pub fn office_hub(dir: &Path, central_url: &str, hub_token: &str, public_key: &str) -> (Vec<String>, String) {
    let hub_config = dir.join("hub.toml");
    std::fs::write(
        &hub_config,
        include_str!("../../config/hub.toml")
            .replace("trusted_keys = []", &format!("trusted_keys = [\"{public_key}\"]"))
            + &format!(
                "\n[central]\nurl = \"{central_url}\"\ntoken = \"{}\"\nwait_seconds = 5\n",
                hub_token.trim()
            ),
    )
    .expect("hub.toml");
    let data = dir.join("data");
    let global: Vec<String> = vec![
        "--config".into(),
        hub_config.to_string_lossy().into_owned(),
        "--data-dir".into(),
        data.to_string_lossy().into_owned(),
    ];
    let args = |extra: &[&str]| -> Vec<String> {
        global.iter().cloned().chain(extra.iter().map(|s| s.to_string())).collect()
    };
    let run = |extra: &[&str], stdin: &str| {
        let all = args(extra);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run_cli(&refs, stdin)
    };
    let (ok, kiosk_token, err) = run(&["device", "add", "kiosk-1", "--role", "kiosk"], "");
    assert!(ok, "{err}");
    let (ok, _, err) = run(&["user", "add", "kasubsi", "--role", "supervisor"], "kasubsi-password\n");
    assert!(ok, "{err}");
    (global, kiosk_token.trim().to_owned())
}

/// Says that something a test needs from the system (`what`, with `fix` saying how to get it)
/// is missing: loudly (past the harness's capture, and into the list `antrian-test` prints at
/// the end), and the test skips — unless `ANTRIAN_REQUIRE_SYSTEM=1` (as in CI), where it fails.
pub fn missing(what: &str, fix: &str) {
    antrian_proto::skip::missing(what, fix);
}

/// Whether the system tool `name` is installed. Missing, it says so loudly and the test
/// skips — unless `ANTRIAN_REQUIRE_SYSTEM=1` (as in CI), where it fails.
pub fn system_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        missing(&format!("{name} is not installed"), "apt-get install the package");
    }
    found
}

/// A free port on 127.0.0.1 (for a hub that must come back on the same address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A TCP link to the hub that a test can cut, as a pulled cable or a dead switch does: while
/// cut, open connections are dropped and new ones closed at once.
pub struct Link {
    pub url: String,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Link {
    /// A link to the hub at `url` (`http://ADDR`).
    pub async fn start(url: &str) -> Link {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let local = format!("http://{}", listener.local_addr().expect("addr"));
        let target = url.trim_start_matches("http://").to_owned();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Default::default();
        let (cut2, open2) = (cut.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes
                }
                let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else { continue };
                let relay = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
                if let Ok(mut open) = open2.lock() {
                    open.push(relay.abort_handle());
                }
            }
        });
        Link { url: local, cut, open }
    }

    /// Cuts the link: open connections are dropped, new ones refused, until [`Link::mend`].
    pub fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut open) = self.open.lock() {
            for relay in open.drain(..) {
                relay.abort();
            }
        }
    }

    pub fn mend(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}
