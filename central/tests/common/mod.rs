//! What the central service's tests share: a throwaway PostgreSQL cluster, the real
//! `antrian-central` binary run as replicas, and an applicant's way through the API (sign in
//! with the code from the mail folder, add applicants, upload documents, apply, pay).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use antrian_central::pgtest::Cluster;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

/// The `antrian-central` binary: this package's own when the central tests run; the end-to-end
/// tests (which include this module) set [`BIN_PATH`] first.
pub static BIN_PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

pub fn bin() -> PathBuf {
    option_env!("CARGO_BIN_EXE_antrian-central")
        .map(PathBuf::from)
        .or_else(|| BIN_PATH.get().cloned())
        .expect("the antrian-central binary (set BIN_PATH)")
}
pub const CHANNEL: &str = "bank-demo";
pub const CHANNEL_SECRET: &str = "change-me-demo-secret-0123456789";
/// A Tuesday morning in Jakarta; applications are for Thursday.
pub const CLOCK: &str = "2026-12-01T08:00:00+07:00";
pub const DATE: &str = "2026-12-03";

/// A database on a fresh cluster, its configuration file and mail folder, migrated, with an
/// issuer key.
pub struct Service {
    pub cluster: Cluster,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub mail: PathBuf,
    /// The `trusted_keys` entry of the issuer key.
    pub public_key: String,
}

/// The default configuration with `places` places of service A in every slot of kanim-jaksel.
pub fn config_text(mail: &Path, places: u32) -> String {
    antrian_central::config::DEFAULT
        .replace("transport = \"file:mail\"", &format!("transport = \"file:{}\"", mail.display()))
        .replacen("capacity = { A = 20, B = 10 }", &format!("capacity = {{ A = {places}, B = 10 }}"), 7)
}

impl Service {
    /// `None` (skipped loudly) where PostgreSQL's server is not installed.
    pub async fn start(places: u32) -> Option<Service> {
        let cluster = tokio::task::spawn_blocking(Cluster::for_test).await.expect("cluster")?;
        let url = cluster.create_database("antrian").await.expect("create database");
        let dir = tempfile::tempdir().expect("tempdir");
        let mail = dir.path().join("mail");
        let config = dir.path().join("central.toml");
        std::fs::write(&config, config_text(&mail, places)).expect("config");
        let mut service = Service { cluster, url, dir, config, mail, public_key: String::new() };
        let (ok, out, err) = service.cli(&["migrate"]).await;
        assert!(ok, "migrate: {err}");
        assert!(out.contains("applied V1__initial"), "{out}");
        let (ok, out, err) = service.cli(&["keygen"]).await;
        assert!(ok, "keygen: {err}");
        service.public_key = out.split('"').nth(1).expect("key in the printed line").to_owned();
        Some(service)
    }

    /// Runs `antrian-central --config … --database-url … ARGS`: (success, stdout, stderr).
    pub async fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = tokio::process::Command::new(bin())
            .arg("--config")
            .arg(&self.config)
            .arg("--database-url")
            .arg(&self.url)
            .args(args)
            .output()
            .await
            .expect("run antrian-central");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }

    /// A replica (`serve --listen 127.0.0.1:0 --clock CLOCK`), killed on drop.
    pub async fn replica(&self, clock: &str) -> Replica {
        self.replica_on(clock, "127.0.0.1:0").await
    }

    /// A replica listening on `listen`, once it listens.
    pub async fn replica_on(&self, clock: &str, listen: &str) -> Replica {
        self.spawn_replica(clock, listen, &[]).await
    }

    /// A replica with more `serve` arguments (e.g. `--clock-speed 10`).
    pub async fn replica_with(&self, clock: &str, extra: &[&str]) -> Replica {
        self.spawn_replica(clock, "127.0.0.1:0", extra).await
    }

    async fn spawn_replica(&self, clock: &str, listen: &str, extra: &[&str]) -> Replica {
        let mut child = tokio::process::Command::new(bin())
            .arg("--config")
            .arg(&self.config)
            .arg("--database-url")
            .arg(&self.url)
            .args(["serve", "--listen", listen, "--clock", clock])
            .args(extra)
            .env("RUST_LOG", "antrian_central=warn,warn")
            .stdout(std::process::Stdio::piped())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.path().join("replicas.log"))
                    .expect("log"),
            )
            .kill_on_drop(true)
            .spawn()
            .expect("start a replica");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let line = lines.next_line().await.expect("read").expect("the replica stopped at start");
                if let Some(address) = line.strip_prefix("listening on ") {
                    break address.to_owned();
                }
            }
        })
        .await
        .expect("the replica did not start within 30 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Replica { child: Some(child), url }
    }

    /// A direct connection, for checking what the database holds.
    pub async fn db(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await.expect("connect");
        tokio::spawn(connection);
        client
    }

    /// Sign-in codes mailed so far: address → the latest code.
    pub fn mailed_codes(&self) -> HashMap<String, String> {
        let mut codes = HashMap::new();
        for mail in read_mails(&self.mail) {
            if let Some(code) = sign_in_code(&mail) {
                codes.insert(mail.to.clone(), code);
            }
        }
        codes
    }
}

/// A message as received: who to, the subject, the text and HTML parts, the attachments.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// File name and bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// The messages in `dir` (lettre's `.eml` files, or a maildir's `new/`), oldest first.
pub fn read_mails(dir: &Path) -> Vec<Mail> {
    let folder = if dir.join("new").is_dir() { dir.join("new") } else { dir.to_path_buf() };
    let mut files: Vec<_> =
        std::fs::read_dir(&folder).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|path| {
            let raw = std::fs::read(path).ok()?;
            use mail_parser::MimeHeaders;
            let message = mail_parser::MessageParser::default().parse(&raw)?;
            let to = message.to()?.first()?.address()?.to_owned();
            Some(Mail {
                to,
                subject: message.subject().unwrap_or_default().to_owned(),
                text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                html: message.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
                attachments: message
                    .attachments()
                    .map(|a| (a.attachment_name().unwrap_or_default().to_owned(), a.contents().to_vec()))
                    .collect(),
            })
        })
        .collect()
}

/// The six-digit code of a sign-in letter.
pub fn sign_in_code(mail: &Mail) -> Option<String> {
    let code = mail.subject.rsplit(' ').next()?;
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_owned())
}

/// Waits up to `seconds` for a message to `to` whose subject contains `subject`.
pub async fn wait_mail(dir: &Path, to: &str, subject: &str, seconds: u64) -> Mail {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(mail) = read_mails(dir).into_iter().find(|m| m.to == to && m.subject.contains(subject)) {
            return mail;
        }
        let seen: Vec<String> = read_mails(dir).iter().map(|m| format!("{} <{}>", m.subject, m.to)).collect();
        assert!(
            std::time::Instant::now() < deadline,
            "no mail to {to} about {subject:?} within {seconds} s; seen: {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Drop for Service {
    /// A failing test shows the end of what its replicas logged.
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(self.dir.path().join("replicas.log"))
        {
            let lines: Vec<&str> = log.lines().collect();
            eprintln!(
                "--- the replicas' log, last lines ---\n{}",
                lines[lines.len().saturating_sub(30)..].join("\n")
            );
        }
    }
}

/// A replica: its address, and its process when this test started it (killed on drop).
pub struct Replica {
    pub child: Option<tokio::process::Child>,
    pub url: String,
}

impl Replica {
    /// A replica started elsewhere, at `url`.
    pub fn at(url: &str) -> Replica {
        Replica { child: None, url: url.to_owned() }
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }
}

/// The HTTP client of the tests (many connections at once).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1000)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// (status, body as JSON or Null).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// A NIK for a man born on `born` (`YYYY-MM-DD`) with `serial`.
pub fn nik(born: &str, serial: u32, woman: bool) -> String {
    let (y, rest) = born.split_at(4);
    let (m, d) = (&rest[1..3], &rest[4..6]);
    let day: u32 = d.parse::<u32>().expect("day") + if woman { 40 } else { 0 };
    format!("317401{day:02}{m}{}{serial:04}", &y[2..])
}

/// The applicant form for NIK number `n` (a man born on a day derived from `n`).
pub fn applicant_form(n: u32) -> Value {
    let day = 1 + n % 28;
    let born = format!("1990-0{}-{day:02}", 1 + n % 9);
    json!({"nik": nik(&born, 1 + n % 9999, false), "name": format!("Pemohon {n}"), "sex": "M",
        "birth_place": "Jakarta", "birth_date": born, "mother_name": "Siti", "address": "Jl. Merdeka 1",
        "phone": "081234567890"})
}

/// A tiny but real PNG (1×1, white; zlib stream and CRCs as a PNG encoder writes them).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xDE, 0x00,
    0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xFF, 0xFF, 0x3F, 0x00, 0x05, 0xFE,
    0x02, 0xFE, 0x0D, 0xEF, 0x46, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60,
    0x82,
];

/// Signs in `emails` through `replica` (codes read from the mail folder); their tokens.
pub async fn sign_in(service: &Service, replica: &Replica, emails: &[String]) -> Vec<String> {
    let http = http();
    let sent = futures_util::future::join_all(
        emails.iter().map(|e| send(http.post(replica.api("/auth/code")).json(&json!({"email": e})))),
    )
    .await;
    assert!(sent.iter().all(|(s, _)| *s == 202), "codes sent: {:?}", sent.iter().find(|(s, _)| *s != 202));
    let codes = service.mailed_codes();
    let verified = futures_util::future::join_all(emails.iter().map(|e| {
        let code = codes.get(e).unwrap_or_else(|| panic!("no code mailed to {e}")).clone();
        send(http.post(replica.api("/auth/verify")).json(&json!({"email": e, "code": code})))
    }))
    .await;
    verified
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, 200, "{body}");
            body["token"].as_str().expect("token").to_owned()
        })
        .collect()
}

/// Adds applicant `n` to the account of `token` with the documents service A needs; its id.
pub async fn ready_applicant(http: &reqwest::Client, replica: &Replica, token: &str, n: u32) -> i64 {
    let (status, body) =
        send(http.post(replica.api("/applicants")).bearer_auth(token).json(&applicant_form(n))).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("id");
    for kind in ["ktp", "kk", "birth_proof"] {
        let (status, body) = send(
            http.put(replica.api(&format!("/applicants/{id}/documents/{kind}")))
                .bearer_auth(token)
                .header("Content-Type", "image/png")
                .body(PNG.to_vec()),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    id
}

/// The application body for `applicant` in `slot` of [`DATE`] at kanim-jaksel, service A.
pub fn application(applicant: i64, slot: &str) -> Value {
    json!({"applicant": applicant, "office": "kanim-jaksel", "service": "A", "passport_type": "ordinary",
        "date": DATE, "slot": slot})
}

/// A payment notification, signed with `secret`: (body, signature header).
pub fn notification(
    bill: &Value,
    reference: &str,
    amount: Option<i64>,
    paid_at: &str,
    secret: &str,
) -> (String, String) {
    let body = json!({"channel": CHANNEL, "bill_code": bill["code"], "amount": amount.unwrap_or(bill["amount"].as_i64().expect("amount")),
        "paid_at": paid_at, "reference": reference})
    .to_string();
    let signature = antrian_central::api::signature(secret, body.as_bytes());
    (body, signature)
}

/// Sends a signed payment notification.
pub async fn notify(http: &reqwest::Client, replica: &Replica, body: &str, signature: &str) -> (u16, Value) {
    send(
        http.post(replica.api("/payments/notify"))
            .header("Content-Type", "application/json")
            .header("X-Antrian-Signature", signature)
            .body(body.to_owned()),
    )
    .await
}

/// The remaining places of `slot` on [`DATE`] (service A) as `replica` tells them.
pub async fn remaining(http: &reqwest::Client, replica: &Replica, slot: &str) -> u64 {
    let (status, body) =
        send(http.get(replica.api(&format!("/offices/kanim-jaksel/availability?service=A&date={DATE}"))))
            .await;
    assert_eq!(status, 200, "{body}");
    body["slots"].as_array().expect("slots").iter().find(|s| s["slot"] == slot).expect("slot")["remaining"]
        .as_u64()
        .expect("remaining")
}

/// A camera photo as a phone makes it: 4032 × 3024, light and texture, JPEG of 6–10 MB.
pub fn phone_photo() -> Vec<u8> {
    let (w, h) = (4032u32, 3024u32);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 48) as u32;
        let r = (x * 200 / w + noise).min(255) as u8;
        let g = (y * 180 / h + noise / 2).min(255) as u8;
        let b = ((x + y) % 256) as u8;
        image::Rgb([r, g, b])
    });
    for quality in (60..=95).rev().step_by(5) {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&picture)
            .expect("encode");
        if out.len() <= 9_500_000 {
            assert!(out.len() >= 6_000_000, "the test photo is {} bytes", out.len());
            return out;
        }
    }
    panic!("no quality gives a photo under 9.5 MB");
}

/// A one-page PDF made with lopdf.
pub fn one_page_pdf() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("pdf");
    out
}

/// A real SMTP server (Python's aiosmtpd) that keeps what it receives in a maildir, and the
/// service's configuration pointed at it. Killed on drop.
pub struct Smtp {
    pub maildir: PathBuf,
    pub port: u16,
    python: String,
    process: Option<tokio::process::Child>,
}

impl Smtp {
    /// `None` (skipped loudly, or failing under `ANTRIAN_REQUIRE_SYSTEM=1`) where aiosmtpd is
    /// not installed. Rewrites `service`'s configuration to send through it.
    pub fn start(service: &Service) -> Option<Smtp> {
        let python = ["antrian-smtpd-python", "python3"].into_iter().find(|python| {
            std::process::Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        let Some(python) = python else {
            antrian_proto::skip::missing(
                "no SMTP server to send to (python's aiosmtpd is not installed)",
                "pip install aiosmtpd, or run .ci/run",
            );
            return None;
        };
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let maildir = service.dir.path().join("maildir");
        let mut smtp = Smtp { maildir, port, python: python.to_owned(), process: None };
        smtp.start_again();
        let config = std::fs::read_to_string(&service.config).expect("config").replace(
            &format!("transport = \"file:{}\"", service.mail.display()),
            &format!("transport = \"smtp://127.0.0.1:{port}\""),
        );
        std::fs::write(&service.config, config).expect("config");
        Some(smtp)
    }

    /// The server goes away (its port refuses connections).
    pub async fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill().await;
        }
    }

    /// The server (again) on its port, once it answers.
    pub fn start_again(&mut self) {
        let listen = format!("127.0.0.1:{}", self.port);
        let process = tokio::process::Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l", &listen, "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd");
        self.process = Some(process);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
