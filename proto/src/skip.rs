//! How a test that needs something from the system says it cannot run here.
//!
//! The project's tests use real tools (Chromium, CUPS, poppler, espeak-ng, FUSE). Where one is
//! missing, the test skips — loudly: the line goes straight to the terminal, past the test
//! harness's capture that would otherwise hide it, and into the file `ANTRIAN_SKIP_LOG` names
//! when the suite runs under `antrian-test`, which lists every skip at the end of its output.
//! With `ANTRIAN_REQUIRE_SYSTEM=1` (as in CI) a missing tool fails the test instead.

use std::io::Write;

/// Whether every system tool is required (`ANTRIAN_REQUIRE_SYSTEM=1`).
pub fn required() -> bool {
    std::env::var("ANTRIAN_REQUIRE_SYSTEM").as_deref() == Ok("1")
}

/// The test running on this thread skips: `what` it cannot do, and `fix`, how to get it.
pub fn skipped(what: &str, fix: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let line = format!("{test}: {what} ({fix})");
    // Not eprintln!: the harness captures that and shows it only for failed tests.
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {line} ***\n");
    if let Some(path) = std::env::var_os("ANTRIAN_SKIP_LOG")
        && let Ok(mut log) = std::fs::OpenOptions::new().create(true).append(true).open(path)
    {
        let _ = writeln!(log, "{line}");
    }
}

/// Something the test needs from the system is missing: it fails under
/// `ANTRIAN_REQUIRE_SYSTEM=1`, and is skipped, loudly, otherwise.
pub fn missing(what: &str, fix: &str) {
    if required() {
        panic!("{what}, and this test requires it (ANTRIAN_REQUIRE_SYSTEM=1); {fix}");
    }
    skipped(what, fix);
}
