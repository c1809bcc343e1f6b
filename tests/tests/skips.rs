//! Issue 18, item 6: a test that skips for want of a system tool is not hidden. Its line
//! reaches the terminal even though the harness captures test output, and `antrian-test`,
//! the README's test command, ends its output with the list of what was skipped and why.

use std::process::Command;

/// Run only by the test below (through a stand-in for cargo): needs a tool nobody has.
#[test]
#[ignore = "run by the_test_command_ends_with_what_was_skipped"]
fn needs_a_tool_nobody_has() {
    if !antrian_e2e::system_tool("antrian-no-such-tool") {
        return;
    }
    unreachable!("the tool does not exist");
}

#[test]
fn the_test_command_ends_with_what_was_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A stand-in for `cargo test …`: runs the skipping test above, captured as cargo runs it.
    let cargo = dir.path().join("cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\nexec \"$ANTRIAN_THIS_TEST\" --ignored --exact needs_a_tool_nobody_has\n",
    )
    .expect("script");
    Command::new("chmod").arg("+x").arg(&cargo).status().expect("chmod");
    let output = Command::new(env!("CARGO_BIN_EXE_antrian-test"))
        .env("CARGO", &cargo)
        .env("ANTRIAN_THIS_TEST", std::env::current_exe().expect("this test binary"))
        .env_remove("ANTRIAN_REQUIRE_SYSTEM")
        .output()
        .expect("antrian-test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "a skip is not a failure:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("*** SKIPPED needs_a_tool_nobody_has: antrian-no-such-tool is not installed"),
        "the skip shows where it happens, past the harness's capture:\n{stderr}"
    );
    let tail: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).rev().take(3).collect();
    assert!(
        tail.iter()
            .any(|l| l.contains("SKIPPED needs_a_tool_nobody_has: antrian-no-such-tool is not installed")),
        "the output ends with what was skipped and why:\n{stdout}"
    );
    assert!(stdout.contains("1 test(s) SKIPPED"), "{stdout}");
    let result = stdout.find("test result: ok").expect("the run's own result");
    let summary = stdout.find("test(s) SKIPPED").expect("the summary");
    assert!(result < summary, "the summary comes after the test results:\n{stdout}");
}
