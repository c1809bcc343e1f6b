//! A real hub on 127.0.0.1:0 with a real SQLite file in a temp dir, and clients for it.
#![allow(dead_code)]

pub mod web;

use std::sync::Arc;

use antrian_hub::Hub;
use antrian_hub::auth;
use antrian_hub::clock::Clock;
use antrian_hub::config::{Config, DEFAULT_CONFIG};
use antrian_proto::{Appointment, Client, NewAppointment, Role};
use chrono::{DateTime, FixedOffset, NaiveDate};
use tokio::sync::oneshot;

/// 09:05 on a Wednesday at the demo office.
pub const MORNING: &str = "2026-11-25T09:05:00+07:00";

pub fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("RFC 3339 time")
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

pub struct TestHub {
    pub url: String,
    pub hub: Arc<Hub>,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestHub {
    /// The demo office at 09:05.
    pub async fn start() -> TestHub {
        TestHub::start_with(Config::demo(), MORNING).await
    }

    pub async fn start_with(config: Config, clock: &str) -> TestHub {
        let dir = tempfile::tempdir().expect("tempdir");
        TestHub::start_in(config, clock, dir).await
    }

    pub async fn start_in(config: Config, clock: &str, dir: tempfile::TempDir) -> TestHub {
        let clock = Clock::starting_at(config.office.tz, at(clock));
        let hub = tokio::task::block_in_place(|| Hub::open(config, dir.path(), clock)).expect("hub opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let served = hub.clone();
        let task = tokio::spawn(async move {
            antrian_hub::serve(listener, served, async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        TestHub { url, hub, dir, stop: Some(stop), task: Some(task) }
    }

    /// Stops serving and closes the database; returns the data dir for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.hub.store.close();
        let dir = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, dir)
    }

    pub fn anonymous(&self) -> Client {
        Client::new(&self.url)
    }

    /// A request as it goes over the wire, for what the typed client hides (status codes,
    /// headers): `method` on `path`, with a bearer `token` and a JSON `body` when given.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new().request(method.clone(), format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Adds a user with `role` and logs in.
    pub async fn login_as(&self, name: &str, role: Role) -> Client {
        let password = format!("{name}-password");
        self.add_user(name, &password, role).await;
        let (client, got) = self.anonymous().login(name, &password).await.expect("login");
        assert_eq!(got, role);
        client
    }

    pub async fn add_user(&self, name: &str, password: &str, role: Role) {
        let hash = auth::hash_password(password).expect("hash");
        let (name, now) = (name.to_owned(), self.hub.clock.now_ms());
        self.hub
            .store
            .write(move |tx| auth::add_user(tx, &name, &hash, role, now))
            .await
            .expect("user added");
    }

    pub async fn device(&self, name: &str, role: Role) -> Client {
        let (name, now) = (name.to_owned(), self.hub.clock.now_ms());
        let token = self
            .hub
            .store
            .write(move |tx| auth::add_device(tx, &name, role, now))
            .await
            .expect("device added");
        self.anonymous().with_token(token)
    }

    pub async fn admin(&self) -> Client {
        self.login_as("admin", Role::Admin).await
    }

    pub async fn kiosk(&self) -> Client {
        self.device("kiosk-1", Role::Kiosk).await
    }

    pub async fn kiosk_named(&self, name: &str) -> Client {
        self.device(name, Role::Kiosk).await
    }

    pub fn set_clock(&self, instant: &str) {
        self.hub.clock.set(at(instant));
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A syntactically valid NIK, distinct per `n`.
pub fn nik(n: u64) -> String {
    format!("3174{:012}", n)
}

pub fn new_appointment(service: &str, date: NaiveDate, slot: &str, n: u64) -> NewAppointment {
    NewAppointment {
        office: "kanim-jaksel".into(),
        service: service.into(),
        date,
        slot: slot.into(),
        name: format!("Pemohon {n}"),
        nik: nik(n),
        booking_code: None,
    }
}

/// Books `count` appointments today at `slot` through the admin API.
pub async fn book(admin: &Client, slot: &str, count: u64, first_nik: u64) -> Vec<Appointment> {
    let items = (0..count).map(|i| new_appointment("A", today(), slot, first_nik + i)).collect();
    admin.create_appointments(items).await.expect("appointments created")
}

/// The demo office with other counters, or other walk-in quotas.
pub fn config_with(replace: &[(&str, &str)]) -> Config {
    let mut text = DEFAULT_CONFIG.to_owned();
    for (from, to) in replace {
        assert!(text.contains(from), "config has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    Config::parse(&text).expect("test config parses")
}

/// The API error code of a failed call.
pub fn code<T: std::fmt::Debug>(result: Result<T, antrian_proto::ClientError>) -> String {
    match result {
        Err(error) => error.code().map(str::to_owned).unwrap_or_else(|| format!("no code: {error}")),
        Ok(value) => panic!("expected an error, got {value:?}"),
    }
}

/// A number read straight from the hub's database file with `sql`.
pub async fn count_in_file(hub: &TestHub, sql: &'static str) -> i64 {
    let path = hub.hub.store.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(path).expect("open the database");
        conn.query_row(sql, [], |r| r.get(0)).expect("count")
    })
    .await
    .expect("count")
}

/// The maintained waiting counts agree with the tickets themselves.
type Counts = Vec<(String, bool, i64)>;

pub async fn assert_waiting_counts_consistent(hub: &TestHub) {
    let path = hub.hub.store.path().to_owned();
    let (kept, actual): (Counts, Counts) = tokio::task::spawn_blocking(move || {
        // Straight from the file, in one read transaction.
        let mut conn = rusqlite::Connection::open(path).expect("open the database");
        let snapshot = conn.transaction().expect("read transaction");
        let rows = |sql: &str| -> Counts {
            let mut statement = snapshot.prepare(sql).expect("query");
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("rows");
            rows.collect::<Result<_, _>>().expect("counts")
        };
        (
            rows("SELECT stage, priority, waiting FROM queue_counts WHERE waiting != 0 ORDER BY stage, priority"),
            rows("SELECT stage, priority, COUNT(*) FROM tickets WHERE state = 'waiting' GROUP BY stage, priority ORDER BY stage, priority"),
        )
    })
    .await
    .expect("counts");
    assert_eq!(kept, actual, "queue_counts out of step with tickets");
}

/// The demo office with booking limits off and `capacity` places for A and B in every slot.
pub fn booking_config(capacity: u32, extra: &[(&str, &str)]) -> Config {
    let mut replace: Vec<(String, String)> =
        vec![("rate_limit_per_minute = 10".into(), "rate_limit_per_minute = 0".into())];
    for (from, to) in extra {
        replace.push((from.to_string(), to.to_string()));
    }
    let mut text = DEFAULT_CONFIG.replace(
        "capacity = { A = 20, B = 10 }",
        &format!("capacity = {{ A = {capacity}, B = {capacity} }}"),
    );
    for (from, to) in &replace {
        assert!(text.contains(from.as_str()), "config has no {from:?}");
        text = text.replacen(from.as_str(), to, 1);
    }
    Config::parse(&text).expect("test config parses")
}

pub fn booking_request(date: NaiveDate, slot: &str, n: u64) -> antrian_proto::BookingRequest {
    antrian_proto::BookingRequest {
        office: "kanim-jaksel".into(),
        service: "A".into(),
        date,
        slot: slot.into(),
        name: format!("Pemohon {n}"),
        nik: nik(n),
    }
}

#[allow(unused_imports)]
pub use antrian_e2e::system_tool;

/// Logs in through the staff console's form and returns the session cookie (`name=value`).
pub async fn console_cookie(hub: &TestHub, user: &str, password: &str) -> String {
    let login = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/staff/login", hub.url))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("login");
    login.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("pair").to_owned()
}

/// One word of a PDF as `pdftotext -bbox` places it, in points from the page's left and top.
#[derive(Debug, Clone)]
pub struct PdfWord {
    pub text: String,
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
}

/// The words of `pdf` (all pages) with their boxes; needs poppler's `pdftotext`.
pub fn pdf_words(pdf: &std::path::Path) -> Vec<PdfWord> {
    let output =
        std::process::Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-").output().expect("pdftotext");
    assert!(output.status.success(), "pdftotext {}", pdf.display());
    let html = String::from_utf8_lossy(&output.stdout).into_owned();
    let number = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        tag[start..].split('"').next().expect("value").parse().expect("number")
    };
    html.split("<word ")
        .skip(1)
        .map(|part| {
            let (tag, rest) = part.split_once('>').expect("tag");
            PdfWord {
                text: rest.split("</word>").next().expect("text").to_owned(),
                x_min: number(tag, "xMin"),
                x_max: number(tag, "xMax"),
                y_min: number(tag, "yMin"),
            }
        })
        .collect()
}
