//! Places per slot and service. A slot of a date offers `capacity` places of a service; every
//! active booking (and, at the national service, every unpaid hold) takes one; a cancelled,
//! expired or moved booking gives its place back. Counting the places taken and taking one
//! happen in one transaction, so however many requests race for the last place the quota is
//! never exceeded (ARCHITECTURE.md, "Rules that protect applicants").

use chrono::NaiveDate;

use crate::{Refusal, Slot};

/// Places left: capacity minus places taken, never below zero (a capacity lowered after
/// bookings were made leaves none, not a negative count).
pub fn remaining(capacity: u32, taken: u32) -> u32 {
    capacity.saturating_sub(taken)
}

/// Refuses a booking of `service` in `slot` of `date` when its `taken` places fill it.
pub fn check_place(service: &str, date: NaiveDate, slot: &Slot, taken: u32) -> Result<(), Refusal> {
    if remaining(slot.capacity_for(service), taken) == 0 {
        return Err(Refusal::QuotaFull { service: service.to_owned(), slot: slot.label(), date });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_last_place_is_taken_once() {
        let slot = Slot {
            start: "09:00:00".parse().expect("time"),
            end: "10:00:00".parse().expect("time"),
            capacity: BTreeMap::from([("A".to_owned(), 2)]),
        };
        let date: NaiveDate = "2026-11-26".parse().expect("date");
        assert!(check_place("A", date, &slot, 0).is_ok());
        assert!(check_place("A", date, &slot, 1).is_ok());
        let full = check_place("A", date, &slot, 2).expect_err("full");
        assert_eq!(full.code(), antrian_proto::ErrorCode::QuotaFull);
        assert_eq!(full.to_string(), "no places left for service A at 09:00 on 2026-11-26");
        // A service the slot does not offer has no place at all.
        assert!(check_place("B", date, &slot, 0).is_err());
        assert_eq!((remaining(2, 5), remaining(20, 7)), (0, 13));
    }
}
