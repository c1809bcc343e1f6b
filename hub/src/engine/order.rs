//! The order in which a stage's waiting tickets are called (ARCHITECTURE.md, "Queue order
//! within a stage"):
//! 1. priority tickets first — always (`Strict`), or at most K priority calls in a row while
//!    normal tickets wait (`MaxInRow(K)`);
//! 2. then by effective time: the later of check-in and the booked slot's start, so arriving
//!    early for a later slot does not pass those booked earlier;
//! 3. then by the order of entering the queue.
//!
//! `people_ahead` is a ticket's place in that order; `eta_minutes` spreads the people ahead
//! over the open counters at the stage's recent mean service time.

/// A waiting ticket as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub ticket_id: String,
    pub stage: String,
    pub priority: bool,
    /// Later of check-in (or re-entry into the queue) and the booked slot's start, in ms.
    pub effective_at: i64,
    /// Order of entering this queue; breaks ties.
    pub queued_seq: i64,
    /// Only this counter may call the ticket (after a transfer to a counter).
    pub reserved_counter: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityPolicy {
    /// Priority tickets are always called first.
    Strict,
    /// At most K priority calls in a row while normal tickets wait.
    MaxInRow(u32),
}

impl PriorityPolicy {
    /// From `queue.priority_max_in_row`: 0 is strict.
    pub fn from_max_in_row(k: u32) -> Self {
        if k == 0 { PriorityPolicy::Strict } else { PriorityPolicy::MaxInRow(k) }
    }
}

/// The order in which `entries` would be called, given the number of priority calls made
/// in a row just before (`priority_run`).
pub fn call_order<'a>(
    entries: impl IntoIterator<Item = &'a QueueEntry>,
    policy: PriorityPolicy,
    mut priority_run: u32,
) -> Vec<&'a QueueEntry> {
    let (mut priority, mut normal): (Vec<&QueueEntry>, Vec<&QueueEntry>) =
        entries.into_iter().partition(|e| e.priority);
    let key = |e: &&QueueEntry| (e.effective_at, e.queued_seq);
    priority.sort_by_key(key);
    normal.sort_by_key(key);
    let mut order = Vec::with_capacity(priority.len() + normal.len());
    let (mut p, mut n) = (priority.into_iter().peekable(), normal.into_iter().peekable());
    loop {
        let take_priority = match (p.peek(), n.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(_), Some(_)) => match policy {
                PriorityPolicy::Strict => true,
                PriorityPolicy::MaxInRow(k) => priority_run < k,
            },
        };
        if take_priority {
            priority_run += 1;
            order.extend(p.next());
        } else {
            priority_run = 0;
            order.extend(n.next());
        }
    }
    order
}

/// The ticket `counter` gets on "call next": the first, in call order, of the waiting tickets
/// at the stages it serves that are not reserved for another counter.
pub fn next_for_counter<'a>(
    entries: &'a [QueueEntry],
    counter: &str,
    counter_stages: &[String],
    policy: PriorityPolicy,
    priority_run: u32,
) -> Option<&'a QueueEntry> {
    let eligible = entries.iter().filter(|e| {
        counter_stages.contains(&e.stage)
            && e.reserved_counter.as_deref().is_none_or(|reserved| reserved == counter)
    });
    call_order(eligible, policy, priority_run).into_iter().next()
}

/// How many tickets of the same stage would be called before `ticket_id`.
pub fn people_ahead(
    stage_entries: &[QueueEntry],
    ticket_id: &str,
    policy: PriorityPolicy,
    priority_run: u32,
) -> Option<u32> {
    call_order(stage_entries, policy, priority_run)
        .iter()
        .position(|e| e.ticket_id == ticket_id)
        .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
}

/// A ticket's place in call order from counts alone (no rows needed): `same_class_ahead`
/// tickets of its own class (priority or not) come before it by time; `other_class` tickets of
/// the other class wait in all. Equal to [`people_ahead`] on the full queue.
pub fn position_from_counts(
    is_priority: bool,
    same_class_ahead: u32,
    other_class: u32,
    policy: PriorityPolicy,
    mut priority_run: u32,
) -> u32 {
    let (mut mine_ahead, mut others) = (same_class_ahead, other_class);
    let mut calls = 0;
    loop {
        let take_priority = if others == 0 {
            is_priority
        } else {
            match policy {
                PriorityPolicy::Strict => true,
                PriorityPolicy::MaxInRow(k) => priority_run < k,
            }
        };
        if take_priority == is_priority {
            if mine_ahead == 0 {
                return calls;
            }
            mine_ahead -= 1;
        } else {
            others -= 1;
        }
        priority_run = if take_priority { priority_run + 1 } else { 0 };
        calls += 1;
    }
}

/// Priority calls in a row just made, from the priority flags of the latest calls at a
/// stage, newest first.
pub fn priority_run(latest_calls: impl IntoIterator<Item = bool>) -> u32 {
    latest_calls.into_iter().take_while(|priority| *priority).count() as u32
}

/// How many of the latest calls [`priority_run`] needs to see: one more than the policy's
/// K (0 when strict, where the run does not matter).
pub fn run_window(policy: PriorityPolicy) -> u32 {
    match policy {
        PriorityPolicy::Strict => 0,
        PriorityPolicy::MaxInRow(k) => k + 1,
    }
}

/// Mean service time in minutes of the recent visits (`durations_ms`, newest first), or
/// `default_minutes` while there are fewer than three.
pub fn mean_service_minutes(durations_ms: &[i64], default_minutes: f64) -> f64 {
    const MIN_HISTORY: usize = 3;
    if durations_ms.len() < MIN_HISTORY {
        return default_minutes;
    }
    let total: i64 = durations_ms.iter().map(|d| (*d).max(0)).sum();
    total as f64 / durations_ms.len() as f64 / 60_000.0
}

/// Estimated minutes until a ticket with `people_ahead` is called.
pub fn eta_minutes(people_ahead: u32, mean_service_minutes: f64, open_counters: u32) -> u32 {
    let counters = f64::from(open_counters.max(1));
    let minutes = (f64::from(people_ahead) * mean_service_minutes / counters).ceil();
    if minutes.is_finite() && minutes > 0.0 { minutes.min(f64::from(u32::MAX)) as u32 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, priority: bool, effective_at: i64, seq: i64) -> QueueEntry {
        QueueEntry {
            ticket_id: id.into(),
            stage: "berkas".into(),
            priority,
            effective_at,
            queued_seq: seq,
            reserved_counter: None,
        }
    }

    fn ids(order: Vec<&QueueEntry>) -> Vec<&str> {
        order.into_iter().map(|e| e.ticket_id.as_str()).collect()
    }

    #[test]
    fn early_arrival_for_a_later_slot_does_not_pass_earlier_bookings() {
        // A09 came at 08:10 for the 09:00 slot (effective 09:00); A08 came at 08:40 for 08:00.
        let entries = [entry("A09", false, 900, 1), entry("A08", false, 840, 2)];
        assert_eq!(ids(call_order(&entries, PriorityPolicy::Strict, 0)), ["A08", "A09"]);
    }

    #[test]
    fn ties_go_by_queue_order() {
        let entries = [entry("second", false, 800, 2), entry("first", false, 800, 1)];
        assert_eq!(ids(call_order(&entries, PriorityPolicy::Strict, 0)), ["first", "second"]);
    }

    #[test]
    fn strict_priority_always_goes_first() {
        let entries = [
            entry("A1", false, 1, 1),
            entry("P1", true, 5, 2),
            entry("A2", false, 2, 3),
            entry("P2", true, 6, 4),
        ];
        assert_eq!(ids(call_order(&entries, PriorityPolicy::Strict, 10)), ["P1", "P2", "A1", "A2"]);
    }

    #[test]
    fn at_most_k_priority_calls_in_a_row_while_others_wait() {
        let mut entries: Vec<_> = (0..5).map(|i| entry(&format!("P{i}"), true, 10 + i, i)).collect();
        entries.extend((0..3).map(|i| entry(&format!("A{i}"), false, i, 10 + i)));
        let order = ids(call_order(&entries, PriorityPolicy::MaxInRow(2), 0));
        assert_eq!(order, ["P0", "P1", "A0", "P2", "P3", "A1", "P4", "A2"]);
        // Two priority calls were just made: a normal ticket is due first.
        let order = ids(call_order(&entries, PriorityPolicy::MaxInRow(2), 2));
        assert_eq!(order[..2], ["A0", "P0"]);
        // With no normal ticket waiting, priority tickets go on regardless.
        let only_priority: Vec<_> = entries.iter().filter(|e| e.priority).cloned().collect();
        assert_eq!(call_order(&only_priority, PriorityPolicy::MaxInRow(1), 5).len(), 5);
    }

    #[test]
    fn a_counter_takes_only_its_stages_and_skips_tickets_reserved_for_others() {
        let mut entries = vec![entry("A1", false, 1, 1), entry("A2", false, 2, 2), entry("A3", false, 3, 3)];
        entries[0].stage = "wawancara".into();
        entries[1].reserved_counter = Some("5".into());
        let stages = vec!["berkas".to_owned()];
        let next = next_for_counter(&entries, "2", &stages, PriorityPolicy::Strict, 0);
        assert_eq!(next.map(|e| e.ticket_id.as_str()), Some("A3"));
        let next = next_for_counter(&entries, "5", &stages, PriorityPolicy::Strict, 0);
        assert_eq!(next.map(|e| e.ticket_id.as_str()), Some("A2"));
        assert_eq!(next_for_counter(&[], "5", &stages, PriorityPolicy::Strict, 0), None);
    }

    #[test]
    fn people_ahead_is_the_place_in_call_order() {
        let entries = [entry("A1", false, 1, 1), entry("A2", false, 2, 2), entry("P1", true, 3, 3)];
        let ahead = |id| people_ahead(&entries, id, PriorityPolicy::Strict, 0);
        assert_eq!((ahead("P1"), ahead("A1"), ahead("A2"), ahead("X")), (Some(0), Some(1), Some(2), None));
    }

    #[test]
    fn the_position_from_counts_equals_the_place_in_the_full_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let n = rng.gen_range(1..40);
            let entries: Vec<QueueEntry> =
                (0..n).map(|i| entry(&format!("t{i}"), rng.gen_bool(0.3), rng.gen_range(0..10), i)).collect();
            let policy = if rng.gen_bool(0.3) {
                PriorityPolicy::Strict
            } else {
                PriorityPolicy::MaxInRow(rng.gen_range(1..4))
            };
            let run = rng.gen_range(0..5);
            for target in &entries {
                let key = (target.effective_at, target.queued_seq);
                let same_ahead = entries
                    .iter()
                    .filter(|e| e.priority == target.priority && (e.effective_at, e.queued_seq) < key)
                    .count() as u32;
                let others = entries.iter().filter(|e| e.priority != target.priority).count() as u32;
                assert_eq!(
                    Some(position_from_counts(target.priority, same_ahead, others, policy, run)),
                    people_ahead(&entries, &target.ticket_id, policy, run),
                    "{policy:?} run {run}"
                );
            }
        }
    }

    #[test]
    fn eta_uses_history_once_there_is_some() {
        assert_eq!(mean_service_minutes(&[], 8.0), 8.0);
        assert_eq!(mean_service_minutes(&[60_000, 120_000], 8.0), 8.0);
        assert_eq!(mean_service_minutes(&[60_000, 120_000, 180_000], 8.0), 2.0);
        assert_eq!(eta_minutes(10, 6.0, 3), 20);
        assert_eq!(eta_minutes(1, 6.0, 4), 2);
        assert_eq!(eta_minutes(0, 6.0, 4), 0);
        // No counter open yet: counted as one, never a division by zero.
        assert_eq!(eta_minutes(5, 6.0, 0), 30);
    }

    #[test]
    fn the_priority_run_counts_the_latest_priority_calls() {
        assert_eq!(priority_run([true, true, false, true]), 2);
        assert_eq!(priority_run([false, true]), 0);
        assert_eq!(priority_run([]), 0);
        assert_eq!((run_window(PriorityPolicy::Strict), run_window(PriorityPolicy::MaxInRow(2))), (0, 3));
    }
}
