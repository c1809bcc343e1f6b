//! Acceptance 2 (issue 17): the kiosk and the display as their packages start them — under
//! cage, the Wayland kiosk compositor, with software rendering — with the configuration their
//! `default-config` writes (only the hub's address and the token filled in). A screenshot
//! taken inside that session (grim) shows each one full screen: the whole output is the
//! program's, none of cage's black is left, and it is drawn (not a blank window). The display,
//! connected to the real hub, shows a new call when one is made.
//! With `ANTRIAN_SCREENSHOTS=DIR` the pictures are kept (`docs/images/cage-*.png`).
//!
//! The screen cage draws on: Debian 12's cage (0.1.4, wlroots 0.15) with its own headless
//! backend (`WLR_BACKENDS=headless`) never gets its output going with the software renderer
//! where there is no DRM device (as here): the output stays unsized, windows are not given
//! its size, and clients waiting for a frame never draw. So cage runs on its Wayland backend
//! instead, as a window of Weston's headless backend (pixman, 1280×720): still cage, its
//! software renderer and the program as the unit starts it; only the "monitor" is Weston.
//!
//! cage refuses to run as root (it cannot drop root for good), as the packages' units never
//! do: run as root (CI), the session runs as `nobody`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use antrian_e2e::{RunningHub, display_binary, kiosk_binary, run_cli, system_tool};
use antrian_proto::Client;

const CLOCK: &str = "2026-11-25T09:05:00+07:00";

/// What the pictures are judged by: cage's own background where no window covers it.
const CAGE_BLACK: [u8; 3] = [0, 0, 0];
/// The kiosk's buttons (`kiosk/src/ui.rs`, `BLUE`).
const KIOSK_BLUE: [u8; 3] = [11, 61, 145];

/// A cage session running one program, as the package's unit starts it, on a headless
/// Weston; ended on drop.
struct Session {
    weston: Child,
    cage: Child,
    runtime: tempfile::TempDir,
    /// (uid, gid) the session runs as when this test runs as root.
    user: Option<(u32, u32)>,
    name: &'static str,
    log: PathBuf,
}

impl Session {
    fn start(name: &'static str, program: &Path, config: &Path, work: &Path) -> Session {
        let user = root_drops_to_nobody();
        let runtime = tempfile::Builder::new().prefix("cage-run-").tempdir().expect("runtime dir");
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(runtime.path(), Some(uid), Some(gid)).expect("chown runtime dir");
        }
        let log = work.join(format!("{name}-cage.log"));
        let session_env = |command: &mut Command| {
            command
                .env_remove("WAYLAND_DISPLAY")
                .env_remove("DISPLAY")
                .env("XDG_RUNTIME_DIR", runtime.path())
                .env("XDG_CACHE_HOME", runtime.path())
                .env("HOME", runtime.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log"));
            std::os::unix::process::CommandExt::process_group(command, 0);
        };
        // The monitor: Weston's headless backend, software rendered.
        let mut weston = as_user(user, "weston");
        weston.args([
            "--backend=headless-backend.so",
            "--use-pixman",
            "--width=1280",
            "--height=720",
            "--socket=weston-0",
            "--idle-time=0",
        ]);
        session_env(&mut weston);
        let weston = weston.spawn().expect("start weston");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !runtime.path().join("weston-0").exists() {
            assert!(Instant::now() < deadline, "weston made no socket in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut command = as_user(user, "cage");
        command
            // -d: no window decorations, as the unit has it; no -s: no switch to a terminal.
            .args(["-d", "--"])
            .arg(program)
            .arg("--config")
            .arg(config);
        session_env(&mut command);
        command
            .env("WAYLAND_DISPLAY", "weston-0")
            .env("WLR_BACKENDS", "wayland")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env("RUST_LOG", "warn");
        let cage = command.spawn().expect("start cage");
        Session { weston, cage, runtime, user, name, log }
    }

    /// The Wayland socket cage made (`wayland-N`), once it is there.
    fn socket(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.runtime.path()).ok()?.flatten().map(|e| e.path()).find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))
        })
    }

    /// A screenshot of the whole output, taken inside the session with grim.
    fn screenshot(&mut self) -> image::RgbImage {
        if let Ok(Some(status)) = self.cage.try_wait() {
            panic!("cage ended ({status}):\n{}", std::fs::read_to_string(&self.log).unwrap_or_default());
        }
        let socket = self.socket().expect("cage's Wayland socket");
        let shot = as_user(self.user, "grim")
            .arg("-")
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env("WAYLAND_DISPLAY", &socket)
            .stderr(Stdio::piped())
            .output()
            .expect("run grim");
        assert!(shot.status.success(), "grim: {}", String::from_utf8_lossy(&shot.stderr));
        image::load_from_memory(&shot.stdout).expect("grim's PNG").to_rgb8()
    }

    /// The first screenshot in which the program covers the output and has drawn something,
    /// then (once it settled) the one it is judged by.
    fn wait_full_screen(&mut self) -> image::RgbImage {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if self.socket().is_some() {
                let shot = self.screenshot();
                let look = Look::of(&shot);
                if look.black_share < 0.001 && look.colours >= 16 {
                    std::thread::sleep(Duration::from_secs(2));
                    return self.screenshot();
                }
                assert!(
                    Instant::now() < deadline,
                    "{} did not fill cage's screen in 90 s ({look:?}); cage's log:\n{}",
                    self.name,
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "cage made no Wayland socket in 90 s");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Each whole group (`kill -- -PGID`): cage with Xwayland and the program, then Weston.
        for child in [&mut self.cage, &mut self.weston] {
            let group = format!("-{}", child.id());
            let signal = |name: &str| {
                let _ = Command::new("kill").args([name, "--", &group]).stderr(Stdio::null()).status();
            };
            signal("-TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            signal("-KILL");
            let _ = child.wait();
        }
    }
}

/// How a screenshot looks, by what the test asks of it.
#[derive(Debug)]
struct Look {
    /// The share of pixels left in cage's black.
    black_share: f64,
    /// Distinct colours (a drawn screen has text, edges and anti-aliasing; a blank one has one).
    colours: usize,
}

impl Look {
    fn of(shot: &image::RgbImage) -> Look {
        let mut colours = std::collections::HashSet::new();
        let mut black = 0usize;
        for pixel in shot.pixels() {
            if pixel.0 == CAGE_BLACK {
                black += 1;
            }
            if colours.len() < 4096 {
                colours.insert(pixel.0);
            }
        }
        Look { black_share: black as f64 / (shot.width() * shot.height()) as f64, colours: colours.len() }
    }
}

/// Root cannot run cage: the session then runs as `nobody`.
fn root_drops_to_nobody() -> Option<(u32, u32)> {
    let id = |args: &[&str]| -> u32 {
        let out = Command::new("id").args(args).output().expect("id");
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("a numeric id")
    };
    if id(&["-u"]) != 0 {
        return None;
    }
    Some((id(&["-u", "nobody"]), id(&["-g", "nobody"])))
}

fn as_user(user: Option<(u32, u32)>, program: &str) -> Command {
    match user {
        None => Command::new(program),
        Some((uid, gid)) => {
            let mut command = Command::new("setpriv");
            command.args([
                &format!("--reuid={uid}"),
                &format!("--regid={gid}"),
                "--clear-groups",
                "--",
                program,
            ]);
            command
        }
    }
}

/// The program copied where the session's user can run it, with the configuration its
/// `default-config` prints and `edits` applied (key → TOML value).
fn install(program: &Path, work: &Path, edits: &[(&str, String)]) -> (PathBuf, PathBuf) {
    let name = program.file_name().expect("name").to_string_lossy().into_owned();
    let copy = work.join(&name);
    std::fs::copy(program, &copy).expect("copy the program");
    let out = Command::new(&copy).arg("default-config").output().expect("default-config");
    assert!(out.status.success(), "{name} default-config: {}", String::from_utf8_lossy(&out.stderr));
    let mut config = String::from_utf8(out.stdout).expect("utf8");
    for (key, value) in edits {
        let line = config
            .lines()
            .find(|l| l.starts_with(&format!("{key} =")))
            .unwrap_or_else(|| panic!("{name}'s default config has no {key}"))
            .to_owned();
        config = config.replace(&line, &format!("{key} = {value}"));
    }
    let path = work.join(format!("{name}.toml"));
    std::fs::write(&path, config).expect("config");
    (copy, path)
}

fn keep(shot: &image::RgbImage, name: &str) {
    if let Some(dir) = std::env::var_os("ANTRIAN_SCREENSHOTS") {
        let path = Path::new(&dir).join(format!("cage-{name}.png"));
        shot.save(&path).expect("save the screenshot");
        eprintln!("screenshot: {}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_and_the_display_fill_the_screen_under_cage() {
    for tool in ["cage", "grim", "Xwayland", "weston", "setpriv"] {
        if !system_tool(tool) {
            return;
        }
    }
    // A work dir the session's user can read (the programs and their configurations).
    let work = tempfile::Builder::new().prefix("cage-").tempdir().expect("work dir");
    std::fs::set_permissions(work.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let data = work.path().join("data");
    let data_s = data.to_str().expect("utf8").to_owned();
    let global = ["--data-dir", data_s.as_str()];
    let cli = |args: &[&str], stdin: &str| {
        let (ok, out, err) = run_cli(&[&global[..], args].concat(), stdin);
        assert!(ok, "{args:?}: {err}");
        out.trim().to_owned()
    };
    cli(&["user", "add", "loket", "--role", "staff"], "loket-password\n");
    let kiosk_token = cli(&["device", "add", "kiosk-1", "--role", "kiosk"], "");
    let display_token = cli(&["device", "add", "tv-1", "--role", "display"], "");
    let hub = RunningHub::start(&global, &["--clock", CLOCK], &work.path().join("hub.log"));
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(&kiosk_token);
    for _ in 0..6 {
        kiosk.walkin("D", None).await.expect("walk-in");
    }
    let (staff, _) = Client::new(&hub.url).login("loket", "loket-password").await.expect("login");
    let first = staff.call_next("8", None).await.expect("call").expect("a ticket");

    // The kiosk, full screen, its welcome drawn.
    let tickets = work.path().join("tiket");
    let (program, config) = install(
        &kiosk_binary(),
        work.path(),
        &[
            ("hub_url", format!("{:?}", hub.url)),
            ("token", format!("{kiosk_token:?}")),
            ("printer", format!("\"file:{}\"", tickets.display())),
        ],
    );
    let mut session = Session::start("kiosk", &program, &config, work.path());
    let shot = tokio::task::block_in_place(|| session.wait_full_screen());
    keep(&shot, "kiosk");
    let look = Look::of(&shot);
    assert!(look.black_share < 0.001 && look.colours >= 16, "the kiosk is not full screen: {look:?}");
    // Its two big blue buttons (booking code, walk-in) are on the screen, in its lower part:
    // on a 720-line screen they were once drawn below its edge.
    let blue = shot
        .enumerate_pixels()
        .filter(|(_, y, p)| {
            *y > shot.height() * 2 / 3 && p.0.iter().zip(KIOSK_BLUE).all(|(a, b)| a.abs_diff(b) <= 8)
        })
        .count();
    assert!(
        blue > (shot.width() * shot.height() / 25) as usize,
        "the welcome screen's buttons are not on a {}x{} screen ({blue} blue pixels in its lower third)",
        shot.width(),
        shot.height()
    );
    drop(session);

    // The display, full screen, showing the call made before it started; then a new one.
    let (program, config) = install(
        &display_binary(),
        work.path(),
        &[
            ("hub_url", format!("{:?}", hub.url)),
            ("token", format!("{display_token:?}")),
            ("voice", "false".into()),
            // (The running text moves all the time; without it, what changes is the call.)
            ("running_text", "\"\"".into()),
        ],
    );
    let mut session = Session::start("display", &program, &config, work.path());
    let before = tokio::task::block_in_place(|| session.wait_full_screen());
    let look = Look::of(&before);
    assert!(look.black_share < 0.001 && look.colours >= 16, "the display is not full screen: {look:?}");
    staff.finish(&first.id, None).await.expect("finish");
    let second = staff.call_next("8", None).await.expect("call").expect("a ticket");
    assert_ne!(first.number, second.number);
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let shot = tokio::task::block_in_place(|| session.screenshot());
        let changed = shot.pixels().zip(before.pixels()).filter(|(a, b)| a != b).count();
        // The new call takes the big panel: a good part of the screen changes.
        if changed > (shot.width() * shot.height() / 50) as usize {
            tokio::time::sleep(Duration::from_secs(3)).await;
            break tokio::task::block_in_place(|| session.screenshot());
        }
        assert!(Instant::now() < deadline, "the display under cage did not show the new call in 30 s");
    };
    keep(&after, "display");
    let look = Look::of(&after);
    assert!(look.black_share < 0.001, "the display left full screen: {look:?}");
}
