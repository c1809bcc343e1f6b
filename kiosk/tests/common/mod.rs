//! A real hub (the `antrian-hub` binary, SQLite in a temp dir, clock fixed at the start) and the
//! kiosk app in an egui_kittest harness, driven as an applicant would: scanner keystrokes,
//! touches.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use antrian_e2e::{RunningHub, free_port, run_cli};
use antrian_kiosk::{KioskApp, KioskConfig};
use antrian_proto::{Appointment, Client, NewAppointment};
use chrono::NaiveDate;
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The hub's clock: Wednesday 25 November 2026, 09:05 in Jakarta.
pub const CLOCK: &str = "2026-11-25T09:05:00+07:00";

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

pub struct Office {
    pub hub: Option<RunningHub>,
    pub dir: tempfile::TempDir,
    pub url: String,
    pub kiosk_token: String,
    config_path: PathBuf,
    listen: String,
}

impl Office {
    /// A hub with the demo office's config, changed by `edits` (from, to) on the text.
    pub async fn start(edits: &[(&str, &str)]) -> Office {
        let dir = tempfile::tempdir().expect("tempdir");
        let (ok, mut config, _) = run_cli(&["default-config"], "");
        assert!(ok);
        for (from, to) in edits {
            assert!(config.contains(from), "{from:?} not in the config");
            config = config.replacen(from, to, 1);
        }
        let config_path = dir.path().join("hub.toml");
        std::fs::write(&config_path, config).expect("write config");
        let office = Office {
            hub: None,
            url: String::new(),
            kiosk_token: String::new(),
            listen: format!("127.0.0.1:{}", free_port()),
            config_path,
            dir,
        };
        let (ok, _, err) =
            run_cli(&office.global(&["user", "add", "admin", "--role", "admin"]), "admin-password\n");
        assert!(ok, "{err}");
        let (ok, token, err) = run_cli(&office.global(&["device", "add", "kiosk-1", "--role", "kiosk"]), "");
        assert!(ok, "{err}");
        let mut office = Office { kiosk_token: token.trim().to_owned(), ..office };
        office.restart().await;
        office
    }

    fn global<'a>(&'a self, rest: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "--config",
            self.config_path.to_str().expect("utf8"),
            "--data-dir",
            self.dir.path().to_str().expect("utf8"),
        ];
        args.extend_from_slice(rest);
        args
    }

    /// (Re)starts the hub on its address.
    pub async fn restart(&mut self) {
        let global = self.global(&[]);
        let log = self.dir.path().join("hub.log");
        let hub = RunningHub::start(&global, &["--listen", self.listen.as_str(), "--clock", CLOCK], &log);
        hub.wait_healthy().await;
        self.url = hub.url.clone();
        self.hub = Some(hub);
    }

    pub fn kill(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.kill();
        }
    }

    pub async fn admin(&self) -> Client {
        Client::new(&self.url).login("admin", "admin-password").await.expect("admin login").0
    }

    pub async fn book(&self, date: NaiveDate, slot: &str, nik_tail: u32) -> Appointment {
        let item = NewAppointment {
            office: "kanim-jaksel".into(),
            service: "A".into(),
            date,
            slot: slot.into(),
            name: format!("Pemohon {nik_tail}"),
            nik: format!("317401010190{nik_tail:04}"),
            booking_code: None,
        };
        self.admin().await.create_appointments(vec![item]).await.expect("booked").remove(0)
    }

    /// Tickets of today, from the staff view of the queue.
    pub async fn ticket_numbers(&self) -> Vec<String> {
        let queue = self.admin().await.queue("kanim-jaksel").await.expect("queue");
        let mut numbers: Vec<String> = queue
            .stages
            .iter()
            .flat_map(|s| s.waiting.iter().chain(&s.serving))
            .map(|t| t.number.clone())
            .collect();
        numbers.sort();
        numbers
    }

    /// A kiosk config for this hub; tickets go to `tickets/` in the temp dir.
    pub fn kiosk_config(&self) -> KioskConfig {
        self.kiosk_config_at(&self.url)
    }

    pub fn kiosk_config_at(&self, url: &str) -> KioskConfig {
        let text = format!(
            "hub_url = \"{url}\"\ntoken = \"{}\"\noffice = \"kanim-jaksel\"\nprinter = \"file:{}\"\nfullscreen = false\nidle_timeout_seconds = 30\n",
            self.kiosk_token,
            self.tickets_dir().display()
        );
        KioskConfig::parse(&text).expect("kiosk config")
    }

    pub fn tickets_dir(&self) -> PathBuf {
        self.dir.path().join("tickets")
    }
}

pub type Kiosk = Harness<'static, KioskApp>;

/// The kiosk app at 1280×1024; one frame is 20 ms of its time.
pub fn kiosk(config: KioskConfig) -> Kiosk {
    Harness::builder()
        .with_size([1280.0, 1024.0])
        .with_step_dt(0.02)
        .build_ui_state(|ui, app: &mut KioskApp| app.ui(ui), KioskApp::new(config))
}

/// Steps the kiosk (in real time) until `done` holds; panics after 20 s.
pub fn wait_until(kiosk: &mut Kiosk, what: &str, done: impl Fn(&Kiosk) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        kiosk.step();
        if done(kiosk) {
            return;
        }
        assert!(Instant::now() < deadline, "kiosk never showed {what:?}");
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// Waits until a label containing `text` is on screen.
pub fn wait_text(kiosk: &mut Kiosk, text: &str) {
    wait_until(kiosk, text, |k| k.query_by_label_contains(text).is_some());
}

/// Types `text` as a USB scanner does: a key every 20 ms, then Enter.
pub fn scan(kiosk: &mut Kiosk, text: &str) {
    for c in text.chars() {
        kiosk.event(egui::Event::Text(c.to_string()));
    }
    kiosk.key_press(egui::Key::Enter);
    kiosk.step();
}

/// Touches the keypad key `key`.
pub fn press(kiosk: &mut Kiosk, key: char) {
    kiosk.get_by_role_and_label(egui::accesskit::Role::Button, &key.to_string()).click();
    kiosk.step();
    kiosk.step();
}

/// Touches the button or box labelled `label`.
pub fn touch(kiosk: &mut Kiosk, label: &str) {
    kiosk.get_by_label(label).click();
    kiosk.step();
    kiosk.step();
}
