//! Hostile input against every operation the service describes: schemathesis generates
//! requests from `/api/v1/openapi.json` (valid and not), signed in as an applicant, and checks
//! that none gets a server error (500) and every status is one the description names.

mod common;

use std::process::Command;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_makes_the_service_fail_or_answer_what_it_does_not_describe() {
    let found = Command::new("st").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        antrian_proto::skip::missing(
            "schemathesis (st) is not installed",
            "pip install schemathesis==4.32.5",
        );
        return;
    }
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let token = sign_in(&service, &a, &["penguji@example.test".into()]).await.remove(0);
    let _ready = ready_applicant(&http(), &a, &token, 1).await;
    let url = a.url.clone();
    let dir = service.dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("st")
            .current_dir(&dir)
            .args(["--no-color", "run", &format!("{url}/api/v1/openapi.json")])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "not_a_server_error,status_code_conformance"])
            .args(["--max-examples", "30", "--workers", "2", "--seed", "13", "--request-timeout", "10"])
            .output()
            .expect("run st")
    })
    .await
    .expect("st");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found a server error or an undescribed answer:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("Tested:"), "{report}");
}
