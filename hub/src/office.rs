//! [`Office`]: what an operation needs to know about the office it serves — its configuration,
//! its clock, and where the links on its tickets point (with the key of those links) — and
//! nothing else of the hub: no storage handle, no key that signs bookings or hashes NIKs, no
//! request throttles. Operations take it beside the store transaction they run in; the few
//! that sign a booking QR or hash a NIK are given the hub's keys as well.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::{ArrivalWindow, PriorityPolicy, SlotTimes};
use crate::secrets::StatusKey;
use crate::store::Stamp;

#[derive(Clone)]
pub struct Office {
    pub config: Arc<Config>,
    pub clock: Clock,
    public_url: Arc<RwLock<String>>,
    status_key: StatusKey,
}

impl std::fmt::Debug for Office {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Office").field("id", &self.config.office.id).finish_non_exhaustive()
    }
}

impl Office {
    pub fn new(config: Arc<Config>, clock: Clock, status_key: StatusKey) -> Office {
        let public_url = config.hub.public_url.trim_end_matches('/').to_owned();
        Office { config, clock, public_url: Arc::new(RwLock::new(public_url)), status_key }
    }

    /// The office's id, e.g. `kanim-jaksel`.
    pub fn id(&self) -> &str {
        &self.config.office.id
    }

    /// The instant `ms` as changes record it.
    pub fn stamp(&self, ms: i64) -> Stamp {
        Stamp { ms, local: self.clock.to_local(ms) }
    }

    /// The office's date at the instant `ms`.
    pub fn day_of(&self, ms: i64) -> NaiveDate {
        self.clock.to_local(ms).date_naive()
    }

    /// Midnight starting `day` at the office (ms).
    pub fn day_start_ms(&self, day: NaiveDate) -> i64 {
        self.clock.local_ms(day, NaiveTime::MIN)
    }

    /// The instant `ms` in the office's time.
    pub fn local(&self, ms: i64) -> DateTime<FixedOffset> {
        self.clock.to_local(ms)
    }

    /// How priority tickets take turns (`queue.priority_max_in_row`).
    pub fn policy(&self) -> PriorityPolicy {
        PriorityPolicy::from_max_in_row(self.config.queue.priority_max_in_row)
    }

    /// When check-in is open around a slot (`[checkin]`).
    pub fn window(&self) -> ArrivalWindow {
        ArrivalWindow {
            early_minutes: self.config.checkin.early_minutes,
            late_minutes: self.config.checkin.late_minutes,
        }
    }

    /// The configured slot starting at `slot` (`HH:MM`) on `date`, in the office's time.
    pub fn slot_times(&self, date: NaiveDate, slot: &str) -> Option<SlotTimes> {
        let slot = self.config.slot(slot)?;
        Some(SlotTimes {
            start: self.clock.to_local(self.clock.local_ms(date, slot.start)),
            end: self.clock.to_local(self.clock.local_ms(date, slot.end)),
        })
    }

    /// The address phones reach the hub at.
    pub fn public_url(&self) -> String {
        self.public_url.read().map(|u| u.clone()).unwrap_or_default()
    }

    /// Sets the address ticket links point to, unless the configuration names one.
    pub fn set_public_url_if_unset(&self, url: &str) {
        if let Ok(mut current) = self.public_url.write()
            && current.is_empty()
        {
            *current = url.trim_end_matches('/').to_owned();
        }
    }

    /// The live status page of a ticket: the link in the QR code of the printed ticket.
    pub fn status_url(&self, ticket_id: &str) -> String {
        format!("{}/t/{}", self.public_url(), self.status_key.token(ticket_id))
    }
}
