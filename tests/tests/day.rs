//! A whole office day at a fast clock through the real hub binary, SIGKILLed three times on
//! the way: every invariant of the day simulator must hold (each queue entry called once and
//! in order, nothing acknowledged lost or duplicated, numbers gap-free, quotas kept, the
//! display hearing every call once, in order). `antrian-sim --kills 10` is the full fault run.

use antrian_e2e::sim::{Options, run_day};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_whole_day_with_three_hub_crashes_keeps_every_invariant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = Options { speed: 1000.0, kills: 3, seed: 7, scale: 1.0 };
    let day = run_day(&options, dir.path()).await.expect("the day ran");
    println!("{}", day.figures);
    assert!(day.violations.is_empty(), "broken invariants:\n{}", day.violations.join("\n"));
    assert_eq!(day.kills, 3);
    assert!(day.tickets > 250, "a full day: {} tickets", day.tickets);
    assert!(day.calls > 2 * 200, "{} calls", day.calls);
}
