//! `central.toml`: the service, mail, limits, payment channels, fees, and every office with
//! its services, slots and release schedule. `antrian-central default-config` prints the
//! commented default (`config/central.toml`); [`Config::load`] reads and checks one.

use std::path::Path;

use antrian_rules::{Calendar, Slot, SpecialDate};
use anyhow::{Context, bail};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Deserialize;

/// The commented default configuration, as `default-config` prints it.
pub const DEFAULT: &str = include_str!("../../config/central.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub central: CentralSection,
    pub mail: MailSection,
    #[serde(default)]
    pub limits: Limits,
    pub payments: Payments,
    pub fees: Fees,
    pub offices: Vec<Office>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralSection {
    pub listen: String,
    #[serde(default)]
    pub public_url: String,
    #[serde(default = "default_session_hours")]
    pub session_hours: u32,
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
}

fn default_session_hours() -> u32 {
    24
}

fn default_pool_size() -> usize {
    16
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSection {
    /// `smtp://host:port` or `file:DIR`.
    pub transport: String,
    pub from: String,
}

/// Limits on what one account, NIK or upload may take.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub applicants_per_account: u32,
    pub max_active_per_nik: u32,
    /// Bytes.
    pub document_max_bytes: usize,
    pub code_minutes: u32,
    pub code_attempts: u32,
    pub code_resend_seconds: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            applicants_per_account: 5,
            max_active_per_nik: 2,
            document_max_bytes: 10 * 1024 * 1024,
            code_minutes: 10,
            code_attempts: 5,
            code_resend_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payments {
    /// Minutes to pay before a hold expires.
    pub minutes: u32,
    /// Minutes a place offered to the waitlist is held for its payment.
    #[serde(default = "default_offer_minutes")]
    pub offer_minutes: u32,
    #[serde(default)]
    pub channels: Vec<Channel>,
}

fn default_offer_minutes() -> u32 {
    60
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub id: String,
    pub secret: String,
}

/// Fees in rupiah.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fees {
    pub ordinary: i64,
    pub electronic: i64,
    pub fast_track: i64,
}

impl Fees {
    /// The bill for a passport type (`ordinary`, `electronic`), plus the same-day service.
    pub fn amount(&self, passport_type: &str, fast_track: bool) -> Option<i64> {
        let base = match passport_type {
            "ordinary" => self.ordinary,
            "electronic" => self.electronic,
            _ => return None,
        };
        Some(base + if fast_track { self.fast_track } else { 0 })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// City (kota/kabupaten) and province, for the applicant's office search.
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub province: String,
    pub timezone: String,
    pub weekdays: Vec<String>,
    #[serde(default)]
    pub closed_dates: Vec<NaiveDate>,
    #[serde(default)]
    pub special_dates: Vec<SpecialDate>,
    pub release: Release,
    /// The waiting room in front of this office's releases (none: booking opens to all at once).
    #[serde(default)]
    pub waiting_room: Option<WaitingRoom>,
    pub services: Vec<Service>,
    pub slots: Vec<Slot>,
    #[serde(skip)]
    pub tz: Option<chrono_tz::Tz>,
    #[serde(skip)]
    pub calendar: Calendar,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

/// The waiting room in front of an office's quota releases (issue 15).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitingRoom {
    /// Minutes before a release that visitors may join its pre-queue.
    pub prequeue_minutes: u32,
    /// Minutes after the release that the room stays in front of its dates.
    pub open_minutes: u32,
    /// Admissions a minute (changeable live by an administrator).
    pub rate_per_minute: u32,
    /// At most this many admitted and not yet booked at once (0: no cap).
    #[serde(default)]
    pub max_active: u32,
    /// How long an admission is valid, in minutes.
    pub admission_minutes: u32,
    /// Proof of work to join: leading zero bits of SHA-256 (16: about 65,000 hashes).
    pub pow_bits: u32,
}

/// When an office's dates open for booking.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum Release {
    /// Each day at `at`, the date `days_ahead` days later opens.
    Rolling { days_ahead: u32, min_days_ahead: u32, at: NaiveTime },
    /// Every `weekday` at `at`, the `weeks` weeks starting the next Monday open at once.
    Weekly { weekday: String, at: NaiveTime, weeks: u32 },
}

impl Office {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.tz.unwrap_or(chrono_tz::Asia::Jakarta)
    }

    /// The office's wall-clock time at `now`.
    pub fn local(&self, now: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
        now.with_timezone(&self.tz()).naive_local()
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The slot that starts at `label` ("08:00").
    pub fn slot(&self, label: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.label() == label)
    }

    /// When `date`'s quota opens (office time).
    pub fn released_at(&self, date: NaiveDate) -> NaiveDateTime {
        match &self.release {
            Release::Rolling { days_ahead, at, .. } => {
                (date - Duration::days(i64::from(*days_ahead))).and_time(*at)
            }
            Release::Weekly { weekday, at, weeks } => {
                // The release day before the week that holds `date`, `weeks` - 1 weeks earlier.
                let day: Weekday = weekday.parse().unwrap_or(Weekday::Fri);
                let monday =
                    date - Duration::days(i64::from(chrono::Datelike::weekday(&date).num_days_from_monday()));
                let mut release = monday - Duration::days(1);
                while chrono::Datelike::weekday(&release) != day {
                    release -= Duration::days(1);
                }
                (release - Duration::weeks(i64::from(weeks.saturating_sub(1)))).and_time(*at)
            }
        }
    }
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Config::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Reads and checks a configuration text.
    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let mut config: Config = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }

    /// The time zone of office `id` (Jakarta's for an office no longer configured).
    pub fn tz(&self, id: &str) -> chrono_tz::Tz {
        self.office(id).map_or(chrono_tz::Asia::Jakarta, Office::tz)
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.payments.channels.iter().find(|c| c.id == id)
    }

    fn check(&mut self) -> anyhow::Result<()> {
        if self.offices.is_empty() {
            bail!("no [[offices]]: configure at least one office");
        }
        if !(self.mail.transport.starts_with("smtp://") || self.mail.transport.starts_with("file:")) {
            bail!("mail.transport {:?}: use \"smtp://host:port\" or \"file:DIR\"", self.mail.transport);
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("mail.from {:?} is not an e-mail address (\"Name <address>\")", self.mail.from);
        }
        if self.payments.minutes == 0 {
            bail!("payments.minutes must be at least 1");
        }
        for channel in &self.payments.channels {
            if channel.secret.len() < 16 {
                bail!("payments.channels {:?}: the secret must be at least 16 characters", channel.id);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for office in &mut self.offices {
            if !seen.insert(office.id.clone()) {
                bail!("office {:?} is configured twice", office.id);
            }
            let valid_id = !office.id.is_empty()
                && office.id.len() <= 40
                && office.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid_id {
                bail!(
                    "office id {:?}: use lower-case letters, digits and dashes (e.g. kanim-jaksel)",
                    office.id
                );
            }
            office.tz = Some(office.timezone.parse().map_err(|_| {
                anyhow::anyhow!(
                    "office {}: timezone {:?} is not an IANA zone (e.g. Asia/Jakarta)",
                    office.id,
                    office.timezone
                )
            })?);
            let weekdays = office
                .weekdays
                .iter()
                .map(|d| {
                    d.parse::<Weekday>()
                        .map_err(|_| anyhow::anyhow!("office {}: {d:?} is not a day", office.id))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            if let Some(room) = &office.waiting_room {
                if room.pow_bits > 26 {
                    bail!(
                        "office {}: waiting_room.pow_bits {} is more than a phone can do (at most 26)",
                        office.id,
                        room.pow_bits
                    );
                }
                if room.admission_minutes == 0 || room.open_minutes == 0 {
                    bail!(
                        "office {}: waiting_room.admission_minutes and open_minutes must be at least 1",
                        office.id
                    );
                }
                if room.rate_per_minute > 1_000_000 {
                    bail!("office {}: waiting_room.rate_per_minute is at most 1,000,000", office.id);
                }
            }
            if let Release::Weekly { weekday, .. } = &office.release {
                weekday.parse::<Weekday>().map_err(|_| {
                    anyhow::anyhow!("office {}: release weekday {weekday:?} is not a day", office.id)
                })?;
            }
            office.slots.sort_by_key(|s| s.start);
            for slot in &office.slots {
                for service in slot.capacity.keys() {
                    if office.service(service).is_none() {
                        bail!(
                            "office {}: slot {} gives places to unknown service {service:?}",
                            office.id,
                            slot.label()
                        );
                    }
                }
            }
            let (min_days_ahead, max_days_ahead) = match &office.release {
                Release::Rolling { days_ahead, min_days_ahead, .. } => (*min_days_ahead, *days_ahead),
                Release::Weekly { weeks, .. } => (1, weeks * 7 + 7),
            };
            office.calendar = Calendar {
                slots: office.slots.clone(),
                open_weekdays: weekdays,
                closed_dates: office.closed_dates.clone(),
                special_dates: office.special_dates.clone(),
                min_days_ahead,
                max_days_ahead,
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_is_complete_and_books_at_once() {
        let config = Config::parse(DEFAULT).expect("default config");
        assert!(config.offices.len() >= 3);
        let jaksel = config.office("kanim-jaksel").expect("demo office");
        assert!(jaksel.slots.iter().all(|s| s.capacity.values().all(|&c| c <= 20)));
        assert!(jaksel.service("A").is_some() && jaksel.service("B").is_some());
        // Rolling: tomorrow opened 30 days ago.
        let tomorrow: NaiveDate = "2026-12-01".parse().expect("date");
        assert!(jaksel.released_at(tomorrow) < "2026-11-30T10:00:00".parse().expect("time"));
        assert_eq!(config.fees.amount("electronic", true), Some(1_650_000));
        assert_eq!(config.fees.amount("diplomatic", false), None);
    }

    #[test]
    fn mistakes_in_the_file_are_named() {
        for (from, to, says) in [
            ("timezone = \"Asia/Jakarta\"", "timezone = \"WIB\"", "not an IANA zone"),
            ("transport = \"file:mail\"", "transport = \"mail\"", "smtp://host:port"),
            ("capacity = { A = 20, B = 10 }", "capacity = { A = 20, X = 10 }", "unknown service \"X\""),
            ("id = \"kanim-surabaya\"", "id = \"kanim-jaksel\"", "configured twice"),
        ] {
            let error = Config::parse(&DEFAULT.replacen(from, to, 1)).expect_err(says);
            assert!(format!("{error:#}").contains(says), "{error:#}");
        }
    }

    #[test]
    fn a_weekly_release_opens_the_next_week_on_its_day() {
        let mut config = Config::parse(DEFAULT).expect("default");
        let office = &mut config.offices[0];
        office.release =
            Release::Weekly { weekday: "fri".into(), at: "14:00".parse().expect("time"), weeks: 1 };
        // Wednesday 9 December 2026 is in the week opened on Friday 4 December at 14:00.
        let opened = office.released_at("2026-12-09".parse().expect("date"));
        assert_eq!(opened.to_string(), "2026-12-04 14:00:00");
    }
}
