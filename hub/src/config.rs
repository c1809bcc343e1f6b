//! `hub.toml`: the office, its stages, services, counters and slots. Loaded once and checked
//! as a whole, so a mistake is reported at start with the field that is wrong.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono_tz::Tz;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;

/// The commented demo configuration that `antrian-hub default-config` prints.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/hub.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub hub: HubSection,
    pub office: OfficeSection,
    #[serde(default)]
    pub checkin: CheckinSection,
    #[serde(default)]
    pub queue: QueueSection,
    pub stages: Vec<Stage>,
    pub services: Vec<Service>,
    pub counters: Vec<Counter>,
    pub slots: Vec<Slot>,
    #[serde(default)]
    pub booking: BookingSection,
    #[serde(default)]
    pub retention: RetentionSection,
    #[serde(default)]
    pub issuers: IssuersSection,
    /// The national service this hub syncs with (CENTRAL.md); absent: the hub runs alone.
    #[serde(default)]
    pub central: Option<CentralSection>,
    #[serde(skip)]
    pub trusted_keys: Vec<VerifyingKey>,
    /// The slots, week, holidays and horizon as the booking rules read them (built from
    /// `slots` and `[booking]`).
    #[serde(skip)]
    pub calendar: antrian_rules::Calendar,
    /// Counter id → index in `counters`.
    #[serde(skip)]
    counter_index: std::collections::HashMap<String, usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default)]
    pub public_url: String,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default = "default_session_hours")]
    pub session_hours: u32,
    #[serde(default = "default_free_failures")]
    pub login_free_failures: u32,
}

fn default_listen() -> String {
    "0.0.0.0:8080".into()
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_session_hours() -> u32 {
    12
}
fn default_free_failures() -> u32 {
    5
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeSection {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    pub timezone: String,
    #[serde(skip, default = "default_tz")]
    pub tz: Tz,
}

fn default_tz() -> Tz {
    chrono_tz::Asia::Jakarta
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinSection {
    pub early_minutes: u32,
    pub late_minutes: u32,
}

impl Default for CheckinSection {
    fn default() -> Self {
        CheckinSection { early_minutes: 60, late_minutes: 0 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSection {
    pub priority_max_in_row: u32,
    pub eta_history: u32,
}

impl Default for QueueSection {
    fn default() -> Self {
        QueueSection { priority_max_in_row: 0, eta_history: 20 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub default_service_minutes: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub route: Vec<String>,
    #[serde(default)]
    pub booked: bool,
    #[serde(default)]
    pub priority: bool,
    #[serde(default)]
    pub walk_in_quota: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    pub id: String,
    pub name: String,
    pub stages: Vec<String>,
}

/// A bookable time with its places per service (the booking rules' own type).
pub use antrian_rules::Slot;
/// A date with its own sessions (the booking rules' own type).
pub use antrian_rules::SpecialDate;

/// How long applicants' personal data is kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// Names and NIK hashes of appointments older than this many days are removed; the day's
    /// figures stay as they were.
    pub personal_data_days: u32,
}

impl Default for RetentionSection {
    fn default() -> Self {
        RetentionSection { personal_data_days: 90 }
    }
}

/// Online booking: the horizon, the week, holidays and extra sessions, and limits against
/// brokers (calo).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingSection {
    /// Bookable from this many days ahead (0: today's later slots too) ...
    pub min_days_ahead: u32,
    /// ... up to this many days ahead.
    pub max_days_ahead: u32,
    /// Days of the week with sessions, as mon, tue, ... sun.
    pub weekdays: Vec<String>,
    /// Holidays and other closed dates.
    #[serde(default)]
    pub closed_dates: Vec<chrono::NaiveDate>,
    /// Dates with their own sessions (extra weekend sessions, shortened days).
    #[serde(default)]
    pub special_dates: Vec<SpecialDate>,
    /// Active future bookings one NIK may hold.
    pub max_active_per_nik: u32,
    /// Booking requests per client address per minute; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// Address of a reverse proxy whose X-Forwarded-For is believed; empty: none.
    #[serde(default)]
    pub trusted_proxy: String,
    /// How often applicants who never came are marked no-show, in seconds.
    #[serde(default = "default_no_show_sweep")]
    pub no_show_sweep_seconds: u32,
    #[serde(skip)]
    pub open_weekdays: Vec<chrono::Weekday>,
    #[serde(skip)]
    pub proxy: Option<std::net::IpAddr>,
}

fn default_no_show_sweep() -> u32 {
    60
}

impl Default for BookingSection {
    fn default() -> Self {
        BookingSection {
            min_days_ahead: 1,
            max_days_ahead: 30,
            weekdays: ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec(),
            closed_dates: Vec::new(),
            special_dates: Vec::new(),
            max_active_per_nik: 2,
            rate_limit_per_minute: 10,
            trusted_proxy: String::new(),
            no_show_sweep_seconds: 60,
            open_weekdays: vec![
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
            ],
            proxy: None,
        }
    }
}

/// `[central]`: where the national service is and this hub's token there (from
/// `antrian-central hub add OFFICE`). Its issuer key goes in `[issuers] trusted_keys`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralSection {
    /// e.g. `https://antrian.imigrasi.go.id` (the API is under `/api/v1`).
    pub url: String,
    pub token: String,
    /// How long one long-poll of the change feed waits, seconds.
    #[serde(default = "default_central_wait")]
    pub wait_seconds: u32,
    /// The service whose ticket a ready passport's QR gives at the kiosk (pengambilan).
    #[serde(default = "default_pickup_service")]
    pub pickup_service: String,
}

fn default_pickup_service() -> String {
    "D".to_owned()
}

fn default_central_wait() -> u32 {
    25
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuersSection {
    #[serde(default)]
    pub trusted_keys: Vec<String>,
}

impl Config {
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        Config::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let mut config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// The demo office.
    pub fn demo() -> Config {
        // The embedded file is checked by a test; it always parses.
        Config::parse(DEFAULT_CONFIG).unwrap_or_else(|e| panic!("embedded hub.toml: {e:#}"))
    }

    fn validate(&mut self) -> anyhow::Result<()> {
        self.office.tz =
            self.office.timezone.parse().map_err(|_| {
                anyhow::anyhow!("office.timezone {:?} is not a time zone", self.office.timezone)
            })?;
        let id_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 32
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if !id_ok(&self.office.id) {
            bail!("office.id {:?} must be 1-32 of a-z, 0-9 and -", self.office.id);
        }
        let mut stage_ids = HashSet::new();
        for stage in &self.stages {
            if !id_ok(&stage.id) || !stage_ids.insert(stage.id.as_str()) {
                bail!("stage id {:?} is invalid or repeated", stage.id);
            }
            if stage.default_service_minutes.is_nan() || stage.default_service_minutes <= 0.0 {
                bail!("stage {}: default_service_minutes must be above 0", stage.id);
            }
        }
        let mut service_ids = HashSet::new();
        for service in &self.services {
            let ok = (1..=4).contains(&service.id.len())
                && service.id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !ok || !service_ids.insert(service.id.as_str()) {
                bail!("service id {:?} must be 1-4 of A-Z, 0-9 and unique", service.id);
            }
            if service.route.is_empty() {
                bail!("service {}: route is empty", service.id);
            }
            for stage in &service.route {
                if !stage_ids.contains(stage.as_str()) {
                    bail!("service {}: route names unknown stage {stage:?}", service.id);
                }
            }
            if !service.booked && service.walk_in_quota.is_none() {
                bail!(
                    "service {}: neither booked nor walk-in (set booked = true or walk_in_quota)",
                    service.id
                );
            }
        }
        let mut counter_ids = HashSet::new();
        for counter in &self.counters {
            let ok = !counter.id.is_empty()
                && counter.id.len() <= 16
                && counter.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok || !counter_ids.insert(counter.id.as_str()) {
                bail!("counter id {:?} must be 1-16 of A-Z, a-z, 0-9, - and unique", counter.id);
            }
            for stage in &counter.stages {
                if !stage_ids.contains(stage.as_str()) {
                    bail!("counter {}: unknown stage {stage:?}", counter.id);
                }
            }
        }
        let mut starts = HashSet::new();
        for slot in &self.slots {
            if slot.end <= slot.start {
                bail!("slot {}: end must be after start", slot.start.format("%H:%M"));
            }
            if !starts.insert(slot.start) {
                bail!("slot {} appears twice", slot.start.format("%H:%M"));
            }
            for service in slot.capacity.keys() {
                if !self.services.iter().any(|s| &s.id == service && s.booked) {
                    bail!(
                        "slot {}: capacity for {service:?}, which is not a booked service",
                        slot.start.format("%H:%M")
                    );
                }
            }
        }
        self.slots.sort_by_key(|s| s.start);
        self.booking.open_weekdays = self
            .booking
            .weekdays
            .iter()
            .map(|d| {
                d.parse::<chrono::Weekday>()
                    .map_err(|_| anyhow::anyhow!("booking.weekdays: {d:?} is not a day"))
            })
            .collect::<Result<_, _>>()?;
        if self.booking.min_days_ahead > self.booking.max_days_ahead {
            bail!("booking.min_days_ahead must not exceed booking.max_days_ahead");
        }
        for special in &self.booking.special_dates {
            for slot in &special.slots {
                if !self.slots.iter().any(|s| s.start == *slot) {
                    bail!(
                        "booking.special_dates {}: slot {} is not configured",
                        special.date,
                        slot.format("%H:%M")
                    );
                }
            }
        }
        self.booking.proxy = match self.booking.trusted_proxy.trim() {
            "" => None,
            text => Some(
                text.parse()
                    .map_err(|_| anyhow::anyhow!("booking.trusted_proxy {text:?} is not an IP address"))?,
            ),
        };
        self.counter_index = self.counters.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        self.calendar = antrian_rules::Calendar {
            slots: self.slots.clone(),
            open_weekdays: self.booking.open_weekdays.clone(),
            closed_dates: self.booking.closed_dates.clone(),
            special_dates: self.booking.special_dates.clone(),
            min_days_ahead: self.booking.min_days_ahead,
            max_days_ahead: self.booking.max_days_ahead,
        };
        self.trusted_keys = self
            .issuers
            .trusted_keys
            .iter()
            .map(|k| antrian_proto::qr::decode_public_key(k))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("issuers.trusted_keys: {e}"))?;
        Ok(())
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn counter(&self, id: &str) -> Option<&Counter> {
        self.counter_index.get(id).and_then(|i| self.counters.get(*i))
    }

    /// The slot that starts at `HH:MM`.
    pub fn slot(&self, start: &str) -> Option<&Slot> {
        let start = antrian_rules::calendar::parse_label(start)?;
        self.slots.iter().find(|s| s.start == start)
    }

    pub fn stage_name(&self, id: &str) -> String {
        self.stage(id).map(|s| s.name.clone()).unwrap_or_else(|| id.to_owned())
    }

    pub fn service_name(&self, id: &str) -> String {
        self.service(id).map(|s| s.name.clone()).unwrap_or_else(|| id.to_owned())
    }

    pub fn counter_name(&self, id: &str) -> String {
        self.counter(id).map(|c| c.name.clone()).unwrap_or_else(|| format!("Loket {id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_office_is_complete() {
        let config = Config::demo();
        assert_eq!(config.office.id, "kanim-jaksel");
        let ids: Vec<_> = config.services.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C", "P", "D"]);
        assert_eq!(config.counters.len(), 8);
        assert_eq!(
            config.slots.first().map(|s| s.start.format("%H:%M").to_string()).as_deref(),
            Some("08:00")
        );
        assert_eq!(config.slots.last().map(|s| s.end.format("%H:%M").to_string()).as_deref(), Some("15:00"));
        assert!(config.service("P").is_some_and(|s| s.priority && s.walk_in_quota.is_some()));
        assert_eq!(config.service("D").map(|s| s.route.clone()), Some(vec!["pengambilan".to_owned()]));
    }

    #[test]
    fn mistakes_are_named() {
        let bad_route = DEFAULT_CONFIG.replace(r#"route = ["pengambilan"]"#, r#"route = ["kasir"]"#);
        let error = format!("{:#}", Config::parse(&bad_route).expect_err("must fail"));
        assert!(error.contains("kasir"), "{error}");
        let bad_tz = DEFAULT_CONFIG.replace("Asia/Jakarta", "Asia/Atlantis");
        assert!(format!("{:#}", Config::parse(&bad_tz).expect_err("must fail")).contains("Atlantis"));
        let unknown_field = DEFAULT_CONFIG.replace("[checkin]", "[checkin]\nearly_minute = 3");
        assert!(Config::parse(&unknown_field).is_err());
    }
}

#[cfg(test)]
mod catalogue_tests {
    use std::collections::BTreeSet;

    fn keys(text: &str) -> BTreeSet<String> {
        let table: toml::Table = toml::from_str(text).expect("catalogue parses");
        let mut keys = BTreeSet::new();
        for (section, values) in table {
            for (key, value) in values.as_table().expect("sections of texts") {
                assert!(value.as_str().is_some_and(|v| !v.trim().is_empty()), "{section}.{key} is empty");
                keys.insert(format!("{section}.{key}"));
            }
        }
        keys
    }

    #[test]
    fn indonesian_and_english_catalogues_have_the_same_keys_and_cover_check_in_errors() {
        let id = keys(include_str!("../../assets/i18n/id.toml"));
        let en = keys(include_str!("../../assets/i18n/en.toml"));
        assert_eq!(id, en);
        use antrian_proto::ErrorCode as E;
        for code in [
            E::InvalidQr,
            E::UnknownBooking,
            E::WrongOffice,
            E::WrongDate,
            E::TooEarly,
            E::TooLate,
            E::Cancelled,
            E::NotWalkIn,
            E::QuotaFull,
            E::Unavailable,
        ] {
            assert!(id.contains(&format!("checkin.{code}")), "no sentence for {code}");
        }
    }
}
