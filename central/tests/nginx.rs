//! Acceptance 4 (issue 17): nginx with the shipped configuration (`packaging/central/nginx.conf`,
//! only the replicas' and its own addresses changed) in front of two replicas. In the middle of
//! a rush of 300 applicants for 40 places, one replica is killed with SIGKILL. Applicants retry
//! what did not get an answer, as people do. The rush ends with every applicant answered,
//! exactly the quota booked, no applicant with two bookings, and every 2xx holding its booking.
//! With both replicas gone, nginx answers with the shipped page saying what to do.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use serde_json::Value;

const PLACES: u32 = 40;
const ACCOUNTS: usize = 100;
const EACH: usize = 3;
/// Attempts an applicant makes before giving up (a 502 or a dropped connection is tried again).
const TRIES: usize = 20;

/// nginx running the shipped site configuration; stopped on drop.
struct Nginx {
    child: std::process::Child,
    dir: tempfile::TempDir,
    url: String,
}

impl Nginx {
    /// `None` (skipped loudly) where nginx is not installed.
    fn start(replicas: [&str; 2]) -> Option<Nginx> {
        let Some(nginx) = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
        else {
            antrian_proto::skip::missing("nginx is not installed", "apt-get install nginx-light");
            return None;
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/central");
        let dir = tempfile::tempdir().expect("nginx dir");
        let prefix = dir.path();
        std::fs::create_dir_all(prefix.join("html")).expect("html dir");
        std::fs::copy(root.join("antrian-sibuk.html"), prefix.join("html/antrian-sibuk.html")).expect("page");
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let shipped = std::fs::read_to_string(root.join("nginx.conf")).expect("the shipped nginx.conf");
        let mut site = shipped.clone();
        for (from, to) in [
            ("server 127.0.0.1:8101 ", format!("server {} ", replicas[0].trim_start_matches("http://"))),
            ("server 127.0.0.1:8102 ", format!("server {} ", replicas[1].trim_start_matches("http://"))),
            ("listen 80;", format!("listen 127.0.0.1:{port};")),
            ("listen [::]:80;", String::new()),
            ("root /usr/share/antrian-central;", format!("root {};", prefix.join("html").display())),
        ] {
            assert!(site.contains(from), "the shipped nginx.conf no longer has {from:?}");
            site = site.replace(from, &to);
        }
        std::fs::write(prefix.join("site.conf"), site).expect("site.conf");
        // Root's workers would run as nobody, who cannot read this test's files.
        let root_user = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let p = prefix.display();
        let main = format!(
            "{user}daemon off;\nworker_processes 2;\npid {p}/nginx.pid;\nerror_log {p}/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n  \
             fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n  \
             include {p}/site.conf;\n}}\n",
            user = if root_user { "user root;\n" } else { "" },
        );
        std::fs::write(prefix.join("nginx.conf"), main).expect("nginx.conf");
        let test = std::process::Command::new(&nginx)
            .args(["-t", "-p"])
            .arg(prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .output()
            .expect("nginx -t");
        assert!(test.status.success(), "nginx -t: {}", String::from_utf8_lossy(&test.stderr));
        let child = std::process::Command::new(&nginx)
            .arg("-p")
            .arg(prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nginx");
        Some(Nginx { child, dir, url: format!("http://127.0.0.1:{port}") })
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM: the master stops its workers (SIGKILL would leave them running).
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().ok().flatten().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One applicant's rush: tries until an answer that is not the proxy's (502/503/504) or a
/// dropped connection. (status, body, tries).
async fn apply(
    http: reqwest::Client,
    url: String,
    token: String,
    body: Value,
    sent: Arc<AtomicUsize>,
) -> (u16, Value, usize) {
    for attempt in 1..=TRIES {
        sent.fetch_add(1, Ordering::SeqCst);
        match http.post(&url).bearer_auth(&token).json(&body).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                if matches!(status, 502..=504) {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                let value = response.json::<Value>().await.unwrap_or(Value::Null);
                return (status, value, attempt);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    (0, Value::Null, TRIES)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_in_a_rush_behind_nginx_loses_nothing_and_doubles_nothing() {
    let Some(service) = Service::start(PLACES).await else { return };
    let (a, mut b) = (service.replica(CLOCK).await, service.replica(CLOCK).await);
    let Some(nginx) = Nginx::start([&a.url, &b.url]) else { return };
    let front = Replica::at(&nginx.url);
    let http = http();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !http.get(front.api("/health")).send().await.is_ok_and(|r| r.status() == 200) {
        assert!(std::time::Instant::now() < deadline, "nginx did not answer in 20 s:\n{}", nginx.error_log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // 100 accounts with 3 applicants each, set up through nginx.
    let emails: Vec<String> = (0..ACCOUNTS).map(|i| format!("antre{i}@example.test")).collect();
    let tokens = sign_in(&service, &front, &emails).await;
    let setups: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let (http, token, url) = (http.clone(), token.clone(), front.url.clone());
            tokio::spawn(async move {
                let front = Replica::at(&url);
                let mut ids = Vec::new();
                for k in 0..EACH {
                    ids.push((
                        token.clone(),
                        ready_applicant(&http, &front, &token, (i * EACH + k) as u32).await,
                    ));
                }
                ids
            })
        })
        .collect();
    let mut applicants = Vec::new();
    for setup in setups {
        applicants.extend(setup.await.expect("setup"));
    }
    assert_eq!(applicants.len(), ACCOUNTS * EACH);

    // The rush: 300 applicants within a second and a half; a replica is killed once a third of
    // them have sent.
    let sent = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = applicants
        .iter()
        .enumerate()
        .map(|(i, (token, applicant))| {
            let (http, sent) = (http.clone(), sent.clone());
            let (url, token, body) =
                (front.api("/applications"), token.clone(), application(*applicant, "09:00"));
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis((i as u64 * 5) % 1500)).await;
                apply(http, url, token, body, sent).await
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sent.load(Ordering::SeqCst) < applicants.len() / 3 {
        assert!(std::time::Instant::now() < deadline, "the rush did not start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    b.child.as_mut().expect("b's process").start_kill().expect("SIGKILL replica b");
    let killed_after = sent.load(Ordering::SeqCst);
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("applicant"));
    }
    let _ = b.child.as_mut().expect("b").wait().await;
    assert!(killed_after < applicants.len(), "the replica died before the rush was over");

    // Every applicant got an answer from a replica: held, or refused with a reason.
    let unanswered: Vec<_> = answers.iter().filter(|(s, _, _)| !matches!(s, 201 | 409)).collect();
    assert!(unanswered.is_empty(), "answers that are neither a booking nor a refusal: {unanswered:?}");
    let held: Vec<(usize, &Value)> =
        answers.iter().enumerate().filter(|(_, (s, _, _))| *s == 201).map(|(i, (_, b, _))| (i, b)).collect();
    for (_, body, _) in answers.iter().filter(|(s, _, _)| *s == 409) {
        let code = body["error"]["code"].as_str().unwrap_or("");
        assert!(matches!(code, "quota_full" | "duplicate_booking"), "refused for another reason: {body}");
    }
    let retried = answers.iter().filter(|(_, _, tries)| *tries > 1).count();
    eprintln!(
        "rush: {} held, {} refused, {retried} applicants retried after the kill (sent before it: {killed_after})",
        held.len(),
        answers.len() - held.len()
    );

    // What the database holds: exactly the quota, no applicant twice, every 2xx there.
    let db = service.db().await;
    let taken: i32 = db
        .query_one(
            "SELECT taken FROM quota WHERE office_id = 'kanim-jaksel' AND slot = '09:00' AND service = 'A'",
            &[],
        )
        .await
        .expect("quota")
        .get(0);
    let holds: Vec<(String, i64)> = db
        .query(
            "SELECT id, applicant_id FROM applications WHERE slot = '09:00' AND state = 'awaiting_payment'",
            &[],
        )
        .await
        .expect("applications")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!((taken, holds.len()), (PLACES as i32, PLACES as usize), "exactly the quota is booked");
    let twice: i64 = db
        .query_one(
            "SELECT count(*) FROM (SELECT applicant_id FROM applications
               WHERE state IN ('awaiting_payment', 'booked') GROUP BY applicant_id HAVING count(*) > 1) t",
            &[],
        )
        .await
        .expect("doubles")
        .get(0);
    assert_eq!(twice, 0, "no applicant has two bookings");
    for (i, body) in &held {
        let id = body["id"].as_str().expect("id");
        assert!(
            holds.iter().any(|(held_id, applicant)| held_id == id && *applicant == applicants[*i].1),
            "a 201 ({id}) without its booking in the database"
        );
    }
    assert!(held.len() <= PLACES as usize);
    // A booking whose answer was lost with the replica is the applicant's all the same: it is
    // in their list, and their retry was refused, not booked again.
    eprintln!("bookings whose answer was lost with the replica: {}", PLACES as usize - held.len());

    // The kill was felt: nginx saw replica b fail and sent its requests to a.
    let log = nginx.error_log();
    assert!(
        log.contains("Connection refused")
            || log.contains("prematurely closed")
            || log.contains("reset by peer"),
        "nginx never saw the killed replica fail:\n{log}"
    );

    // Both replicas gone: nginx answers with the page that says what to do, in both languages.
    drop(a);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = http.get(format!("{}/", nginx.url)).send().await.expect("nginx");
    assert_eq!(page.status().as_u16(), 502);
    let text = page.text().await.expect("page");
    assert!(text.contains("Layanan sedang sibuk") && text.contains("The service is busy"), "{text}");
}

/// The replicas of a deployment start with `serve --no-migrate` (the migration runs once, in
/// its own unit): on a database whose schema is behind, a replica refuses to start and says
/// what to run; on a current one it serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_without_migrating_refuses_a_schema_behind_it_and_says_what_to_run() {
    let Some(service) = Service::start(PLACES).await else { return };
    let bare = service.cluster.create_database("bare").await.expect("a database never migrated");
    let started = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(bin())
            .arg("--config")
            .arg(&service.config)
            .arg("--database-url")
            .arg(&bare)
            .args(["serve", "--no-migrate", "--listen", "127.0.0.1:0", "--clock", CLOCK])
            .output(),
    )
    .await
    .expect("the replica neither started nor refused in 60 s")
    .expect("run antrian-central");
    let said = String::from_utf8_lossy(&started.stderr);
    assert!(!started.status.success(), "a replica served on a database without tables");
    assert!(
        said.contains("schema is at version 0") && said.contains("run `antrian-central migrate` once"),
        "{said}"
    );
    // It changed nothing there: still not a table.
    let (bare_db, connection) = tokio_postgres::connect(&bare, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(connection);
    let tables: i64 = bare_db
        .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", &[])
        .await
        .expect("tables")
        .get(0);
    assert_eq!(tables, 0, "the refused replica created tables");

    // On the migrated database it serves.
    let replica = service.replica_with(CLOCK, &["--no-migrate"]).await;
    let (status, _) = send(http().get(replica.api("/health"))).await;
    assert_eq!(status, 200);
}
