//! Acceptance 4 (issue 13), end to end with the real binaries: a booking paid at the national
//! service (two `antrian-central` replicas on PostgreSQL) is checked in at the real
//! `antrian-hub` by its code within 2 s of payment; the check-in shows at the service within
//! 5 s; with the service stopped, the hub checks in a booking it never received from its signed
//! QR alone, keeps the report across a SIGKILL, and delivers it once the service is back. A
//! passport marked ready at the hub is recorded there, and the same QR gives a pickup ticket.

#[path = "../../central/tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use antrian_e2e::{RunningHub, office_hub};
use antrian_proto::Client;
use common::*;
use serde_json::Value;

/// The service's day: bookings are for Thursday 3 December.
const CENTRAL_CLOCK: &str = "2026-12-02T10:00:00+07:00";
/// The hub's: Thursday morning, when the 09:00 bookings check in.
const HUB_CLOCK: &str = "2026-12-03T08:30:00+07:00";

fn code_request(code: &str, last4: &str) -> antrian_proto::CheckinRequest {
    antrian_proto::CheckinRequest {
        booking_code: Some(code.to_owned()),
        nik_last4: Some(last4.to_owned()),
        ..Default::default()
    }
}

async fn state_at_central(http: &reqwest::Client, replica: &Replica, token: &str, id: &str) -> Value {
    let (status, body) = send(http.get(replica.api(&format!("/applications/{id}"))).bearer_auth(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits (up to `limit`) until the application is `state` at the service; how long it took.
async fn until_state(
    http: &reqwest::Client,
    replica: &Replica,
    token: &str,
    id: &str,
    state: &str,
    limit: Duration,
) -> Duration {
    let start = Instant::now();
    loop {
        if state_at_central(http, replica, token, id).await["state"] == state {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{id} not {state} at the service within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bookings_flow_from_the_service_to_the_hub_and_visits_flow_back() {
    BIN_PATH.get_or_init(antrian_e2e::central_binary);
    let Some(service) = Service::start(20).await else { return };
    let (ok, hub_token, err) = service.cli(&["hub", "add", "kanim-jaksel"]).await;
    assert!(ok, "{err}");
    let (a, b) = (service.replica(CENTRAL_CLOCK).await, service.replica(CENTRAL_CLOCK).await);
    let http = http();

    // The hub: the default office, following replica A, trusting the service's key.
    let dir = tempfile::tempdir().expect("tempdir");
    let central_port = a.url.rsplit(':').next().expect("port").to_owned();
    let (global, kiosk_token) = office_hub(dir.path(), &a.url, &hub_token, &service.public_key);
    let global: Vec<&str> = global.iter().map(String::as_str).collect();
    let log = dir.path().join("hub.log");
    let hub = RunningHub::start(&global, &["--clock", HUB_CLOCK], &log);
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(&kiosk_token);

    // An applicant books and pays at the service.
    let token = sign_in(&service, &b, &["pak.budi@example.test".into()]).await.remove(0);
    let mut paid = Vec::new();
    for n in 1..=2u32 {
        let applicant = ready_applicant(&http, &b, &token, n).await;
        let (status, hold) = send(
            http.post(b.api("/applications")).bearer_auth(&token).json(&application(applicant, "09:00")),
        )
        .await;
        assert_eq!(status, 201, "{hold}");
        paid.push((hold, applicant));
    }
    let (hold, _) = &paid[0];
    let (body, signature) =
        notification(&hold["bill"], "BNI-0001", None, "2026-12-02T10:05:00+07:00", CHANNEL_SECRET);
    assert_eq!(notify(&http, &b, &body, &signature).await.0, 200);
    let paid_at = Instant::now();
    let id = hold["id"].as_str().expect("id").to_owned();
    let booked = state_at_central(&http, &a, &token, &id).await;
    let code = booked["booking_code"].as_str().expect("code").to_owned();
    let last4 = common::applicant_form(1)["nik"].as_str().expect("nik")[12..].to_owned();

    // At the kiosk by code and NIK digits (no QR): works only once the sync brought it.
    let ticket = loop {
        match kiosk.checkin(&code_request(&code, &last4)).await {
            Ok(answer) => break answer.ticket,
            Err(error) => {
                assert!(
                    paid_at.elapsed() < Duration::from_secs(2),
                    "not at the hub 2 s after payment: {error}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let reached_hub = paid_at.elapsed();
    assert!(ticket.number.starts_with('A'), "{ticket:?}");
    let took = until_state(&http, &a, &token, &id, "checked_in", Duration::from_secs(5)).await;
    eprintln!("payment → hub {reached_hub:?}; check-in → service {took:?}");

    // The hub misses the second booking: it is down while it is paid, then the service goes.
    hub.kill();
    let (hold2, _) = &paid[1];
    let (body, signature) =
        notification(&hold2["bill"], "BNI-0002", None, "2026-12-02T10:06:00+07:00", CHANNEL_SECRET);
    assert_eq!(notify(&http, &a, &body, &signature).await.0, 200);
    let id2 = hold2["id"].as_str().expect("id").to_owned();
    let qr2 = state_at_central(&http, &a, &token, &id2).await["qr"].as_str().expect("qr").to_owned();
    drop((a, b));
    let hub = RunningHub::start(&global, &["--clock", HUB_CLOCK], &log);
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(&kiosk_token);
    let answer = kiosk.checkin_qr(&qr2).await.expect("the signed QR alone checks in");
    assert!(!answer.reprint);
    // The report waits in the outbox, across a SIGKILL.
    hub.kill();
    let hub = RunningHub::start(&global, &["--clock", HUB_CLOCK], &log);
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(&kiosk_token);
    // The service comes back on the same address.
    let listen = format!("127.0.0.1:{central_port}");
    let a = service.replica_on(CENTRAL_CLOCK, &listen).await;
    until_state(&http, &a, &token, &id2, "checked_in", Duration::from_secs(60)).await;
    // …and the feed then fills in the booking's details at the hub: its code and NIK digits work.
    let last4_2 = common::applicant_form(2)["nik"].as_str().expect("nik")[12..].to_owned();
    let code2 =
        state_at_central(&http, &a, &token, &id2).await["booking_code"].as_str().expect("code").to_owned();
    let start = Instant::now();
    loop {
        match kiosk.checkin(&code_request(&code2, &last4_2)).await {
            Ok(answer) => {
                assert!(answer.reprint, "the same ticket again");
                break;
            }
            Err(error) => {
                assert!(start.elapsed() < Duration::from_secs(30), "details never arrived: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    // A supervisor marks the first passport ready: the service hears it, and the same QR now
    // gives a pickup ticket (service D).
    let (supervisor, _) = Client::new(&hub.url).login("kasubsi", "kasubsi-password").await.expect("login");
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/pickups/ready", hub.url))
        .bearer_auth(supervisor.token().expect("token"))
        .json(&serde_json::json!({"booking_codes": [code.clone(), "NOSUCHCODE"]}))
        .send()
        .await
        .expect("mark ready");
    let marked: Value = response.json().await.expect("json");
    assert_eq!(marked["marked"], serde_json::json!([code]));
    assert_eq!(marked["unknown"], serde_json::json!(["NOSUCHCODE"]));
    until_state(&http, &a, &token, &id, "ready_for_pickup", Duration::from_secs(10)).await;
    let qr1 = state_at_central(&http, &a, &token, &id).await["qr"].as_str().expect("qr").to_owned();
    let pickup = kiosk.checkin_qr(&qr1).await.expect("a pickup ticket");
    assert!(pickup.ticket.number.starts_with('D'), "{:?}", pickup.ticket);
    // The passport is handed over at the pickup counter (8): the service records it.
    let (clerk, _) = Client::new(&hub.url).login("kasubsi", "kasubsi-password").await.expect("login");
    let called = clerk.call_next("8", None).await.expect("call").expect("the pickup ticket");
    assert_eq!(called.number, pickup.ticket.number);
    clerk.finish(&called.id, None).await.expect("finish");
    until_state(&http, &a, &token, &id, "picked_up", Duration::from_secs(10)).await;
    let history = state_at_central(&http, &a, &token, &id).await["history"].clone();
    let states: Vec<&str> =
        history.as_array().expect("history").iter().filter_map(|h| h["state"].as_str()).collect();
    assert_eq!(states, ["awaiting_payment", "booked", "checked_in", "ready_for_pickup", "picked_up"]);
}

/// `antrian-central demo`: a throwaway cluster, two replicas answering, the demo hub joined;
/// Ctrl-C removes the cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_national_demo_starts_two_replicas_and_the_hub_and_cleans_up() {
    use tokio::io::AsyncBufReadExt;
    if antrian_central::pgtest::server_bin().is_none() {
        antrian_e2e::missing("PostgreSQL's server is not installed", antrian_central::pgtest::INSTALL);
        return;
    }
    let central = antrian_e2e::central_binary();
    let hub = antrian_e2e::hub_binary();
    assert_eq!(central.parent(), hub.parent(), "the demo finds the hub beside itself");
    let mut demo = tokio::process::Command::new(&central)
        .args(["demo", "--hub-listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the demo");
    // If the test fails half-way, the demo still gets its Ctrl-C and cleans up (a SIGKILL
    // would leave its replicas and cluster running).
    struct Interrupt(String);
    impl Drop for Interrupt {
        fn drop(&mut self) {
            let _ = std::process::Command::new("kill").args(["-INT", &self.0]).status();
            std::thread::sleep(Duration::from_secs(2));
        }
    }
    let _interrupt = Interrupt(demo.id().expect("pid").to_string());
    let mut lines = tokio::io::BufReader::new(demo.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.expect("read") {
            printed.push(line.clone());
            if line.starts_with("listening on http://127.0.0.1:") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "the demo hub did not come up:\n{}", printed.join("\n"));
    let text = printed.join("\n");
    let cluster_dir = text
        .split("(throwaway, in ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .expect("cluster dir")
        .to_owned();
    let replicas: Vec<&str> =
        printed.iter().filter_map(|l| l.strip_prefix("  replica ")?.split_whitespace().nth(1)).collect();
    assert_eq!(replicas.len(), 2, "{text}");
    for replica in &replicas {
        let offices: Value = reqwest::get(format!("{}api/v1/offices", replica))
            .await
            .expect("offices")
            .json()
            .await
            .expect("json");
        assert!(offices.as_array().is_some_and(|o| o.len() >= 3), "{offices}");
        let page = reqwest::get(format!("{replica}signin")).await.expect("the sign-in page");
        assert_eq!(page.status(), 200);
        assert!(page.text().await.expect("html").contains("Daftar paspor dari rumah"));
    }
    assert!(text.contains(" pay BILLCODE --url http://127.0.0.1:"), "{text}");
    assert!(text.contains("hub token for kanim-jaksel: "), "{text}");
    assert!(text.contains("trusted_keys = [\""), "{text}");
    let pid = demo.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let status = tokio::time::timeout(Duration::from_secs(30), demo.wait())
        .await
        .expect("the demo stops")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(!std::path::Path::new(&cluster_dir).exists(), "the cluster {cluster_dir} is removed");
    let hub_dir =
        text.split("data dir (removed on exit): ").nth(1).and_then(|r| r.lines().next()).expect("hub dir");
    // The hub demo removes its folder itself as it ends, which may be a moment after the
    // national demo has seen it go.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(hub_dir.trim()).exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!std::path::Path::new(hub_dir.trim()).exists(), "the demo hub's folder {hub_dir} is removed");
}
