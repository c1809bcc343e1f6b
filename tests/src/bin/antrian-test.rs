//! `antrian-test`: the whole test suite, ending with what was skipped and why.
//!
//! `cargo run -q -p antrian-e2e --bin antrian-test [-- CARGO_TEST_ARGS]` runs
//! `cargo test --workspace --all-features` (with any arguments added) and then lists every test
//! that skipped for want of a system tool — the lines the tests wrote to the file named by
//! `ANTRIAN_SKIP_LOG` ([`antrian_proto::skip`]). Its exit status is the test run's.

use std::io::Write;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let log = std::env::temp_dir().join(format!("antrian-skipped-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "--workspace", "--all-features"])
        .args(std::env::args_os().skip(1))
        .env("ANTRIAN_SKIP_LOG", &log)
        .status();
    let skipped = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let lines: Vec<&str> = skipped.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out);
    if lines.is_empty() {
        let _ = writeln!(out, "antrian-test: nothing was skipped.");
    } else {
        let _ = writeln!(out, "antrian-test: {} test(s) SKIPPED for want of a system tool:", lines.len());
        for line in &lines {
            let _ = writeln!(out, "  SKIPPED {line}");
        }
        let _ = writeln!(
            out,
            "Install what they name (`.ci/run` lists the packages), or run with ANTRIAN_REQUIRE_SYSTEM=1 to make them fail."
        );
    }
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(error) => {
            let _ = writeln!(out, "antrian-test: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
