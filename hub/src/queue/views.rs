//! What staff, kiosks, displays and applicants see of the queue: a ticket with its place in
//! line and estimated wait, today's queue per stage in call order, the counters, and the
//! board a waiting-room display starts from.

use antrian_proto::{
    BoardCounter, BoardResponse, CounterStatus, QueueResponse, StageQueue, Ticket, TicketState, WaitingCount,
};
use chrono::NaiveDate;

use super::{counter_row, priority_run, ticket_row};
use crate::engine::order;
use crate::error::Result;
use crate::office::Office;
use crate::store::Read;
use crate::store::tickets::TicketRow;

/// Mean recent service time at `stage`, in minutes (the stage's configured default until
/// there is history).
fn mean_service_minutes(read: Read<'_>, office: &Office, stage: &str) -> Result<f64> {
    let default = office.config.stage(stage).map(|s| s.default_service_minutes).unwrap_or(5.0);
    let durations = read.tickets().service_durations(stage, office.config.queue.eta_history)?;
    Ok(order::mean_service_minutes(&durations, default))
}

/// Open counters that serve `stage`.
fn open_counters_for(read: Read<'_>, office: &Office, stage: &str) -> Result<u32> {
    let open = read.counters().open_ids()?;
    Ok(open
        .iter()
        .filter(|id| office.config.counter(id).is_some_and(|c| c.stages.iter().any(|s| s == stage)))
        .count() as u32)
}

/// A waiting ticket's place and estimated wait. The tickets of its class behind it are
/// counted through the queue index (few, for a ticket just checked in); the class sizes come
/// from the kept counts.
fn estimate(read: Read<'_>, office: &Office, row: &TicketRow) -> Result<(u32, u32)> {
    let tickets = read.tickets();
    let behind = tickets.behind(row)?;
    let class = tickets.waiting_count(row.day, &row.stage, row.priority)?;
    let others = tickets.waiting_count(row.day, &row.stage, !row.priority)?;
    let run = priority_run(read, office, std::slice::from_ref(&row.stage), row.day)?;
    let ahead = order::position_from_counts(
        row.priority,
        class.saturating_sub(behind + 1),
        others,
        office.policy(),
        run,
    );
    let eta = order::eta_minutes(
        ahead,
        mean_service_minutes(read, office, &row.stage)?,
        open_counters_for(read, office, &row.stage)?,
    );
    Ok((ahead, eta))
}

/// Places and estimated waits of every waiting ticket of one stage.
struct StageEstimate {
    /// Waiting tickets in call order.
    order: Vec<String>,
    mean_minutes: f64,
    open_counters: u32,
}

impl StageEstimate {
    fn load(read: Read<'_>, office: &Office, day: NaiveDate, stage: &str) -> Result<StageEstimate> {
        let entries = read.tickets().waiting(day, stage)?;
        let run = priority_run(read, office, &[stage.to_owned()], day)?;
        let order = order::call_order(&entries, office.policy(), run)
            .into_iter()
            .map(|e| e.ticket_id.clone())
            .collect();
        Ok(StageEstimate {
            order,
            mean_minutes: mean_service_minutes(read, office, stage)?,
            open_counters: open_counters_for(read, office, stage)?,
        })
    }

    fn for_ticket(&self, id: &str) -> (u32, u32) {
        match self.order.iter().position(|t| t == id) {
            Some(ahead) => {
                let ahead = ahead as u32;
                (ahead, order::eta_minutes(ahead, self.mean_minutes, self.open_counters))
            }
            None => (0, 0),
        }
    }
}

fn to_wire(
    read: Read<'_>,
    office: &Office,
    row: &TicketRow,
    estimate: Option<&StageEstimate>,
    staff: bool,
) -> Result<Ticket> {
    let (people_ahead, eta_minutes) = match (row.state, estimate) {
        (TicketState::Waiting, Some(estimate)) => estimate.for_ticket(&row.id),
        (TicketState::Waiting, None) => self::estimate(read, office, row)?,
        _ => (0, 0),
    };
    let config = &office.config;
    let name = match (&row.booking_code, staff) {
        (Some(code), true) => read.appointments().name_of(code)?,
        _ => None,
    };
    Ok(Ticket {
        id: row.id.clone(),
        number: row.number.clone(),
        office: office.id().to_owned(),
        service: row.service.clone(),
        service_name: config.service_name(&row.service),
        stage: row.stage.clone(),
        stage_name: config.stage_name(&row.stage),
        state: row.state,
        priority: row.priority,
        counter: row.counter.clone(),
        counter_name: row.counter.as_deref().map(|c| config.counter_name(c)),
        booking_code: row.booking_code.clone(),
        slot: row.slot.clone(),
        people_ahead,
        eta_minutes,
        status_url: office.status_url(&row.id),
        checked_in_at: office.local(row.checked_in_at),
        called_at: row.called_at.map(|t| office.local(t)),
        recall: row.recall,
        name,
    })
}

/// A ticket as the API shows it, with its place in the queue and estimated wait; `staff`
/// adds the applicant's name.
pub fn ticket(read: Read<'_>, office: &Office, row: &TicketRow, staff: bool) -> Result<Ticket> {
    to_wire(read, office, row, None, staff)
}

/// The ticket `id` as the API shows it.
pub fn ticket_by_id(read: Read<'_>, office: &Office, id: &str, staff: bool) -> Result<Ticket> {
    ticket(read, office, &ticket_row(read, id)?, staff)
}

/// Today's queue of every stage, waiting tickets in call order.
pub fn queue(read: Read<'_>, office: &Office) -> Result<QueueResponse> {
    let day = office.clock.today();
    let rows = read.tickets().active(day)?;
    let mut stages = Vec::new();
    for stage in &office.config.stages {
        let estimate = StageEstimate::load(read, office, day, &stage.id)?;
        let mut waiting = Vec::new();
        for id in &estimate.order {
            if let Some(row) = rows.iter().find(|r| &r.id == id) {
                waiting.push(to_wire(read, office, row, Some(&estimate), true)?);
            }
        }
        let mut serving = Vec::new();
        for row in rows
            .iter()
            .filter(|r| r.stage == stage.id && matches!(r.state, TicketState::Called | TicketState::Serving))
        {
            serving.push(to_wire(read, office, row, None, true)?);
        }
        stages.push(StageQueue { stage: stage.id.clone(), waiting, serving });
    }
    let mut no_show = Vec::new();
    for row in rows.iter().filter(|r| r.state == TicketState::NoShow) {
        no_show.push(to_wire(read, office, row, None, true)?);
    }
    Ok(QueueResponse { stages, no_show })
}

/// One counter with its state and current ticket.
pub fn counter(read: Read<'_>, office: &Office, id: &str) -> Result<CounterStatus> {
    let (config, row) = counter_row(read, office, id)?;
    let ticket = match &row.ticket_id {
        Some(ticket) => Some(ticket_by_id(read, office, ticket, true)?),
        None => None,
    };
    Ok(CounterStatus {
        id: config.id.clone(),
        name: config.name.clone(),
        stages: config.stages.clone(),
        state: row.state,
        ticket,
        since: Some(office.local(row.since)),
    })
}

/// Every configured counter.
pub fn counters(read: Read<'_>, office: &Office) -> Result<Vec<CounterStatus>> {
    office.config.counters.iter().map(|c| counter(read, office, &c.id)).collect()
}

/// Calls the display's "recent calls" list keeps.
const RECENT: usize = 6;

/// The display's starting point: counters with their numbers, waiting counts, today's recent
/// calls and the last event id, read in one snapshot.
pub fn board(read: Read<'_>, office: &Office) -> Result<BoardResponse> {
    let day = office.clock.today();
    let last_event_id = read.events().last_id()?;
    let mut counters = Vec::new();
    for counter in &office.config.counters {
        let (_, row) = counter_row(read, office, &counter.id)?;
        let number = match &row.ticket_id {
            Some(id) => Some(ticket_row(read, id)?.number),
            None => None,
        };
        counters.push(BoardCounter {
            id: counter.id.clone(),
            name: counter.name.clone(),
            stages: counter.stages.clone(),
            state: row.state,
            number,
            ticket_id: row.ticket_id,
        });
    }
    let mut waiting = Vec::new();
    for stage in &office.config.stages {
        let count = read.tickets().waiting_at(day, &stage.id)?;
        waiting.push(WaitingCount { stage: stage.id.clone(), name: stage.name.clone(), count });
    }
    let mut recent = Vec::new();
    for call in read.events().calls_since(office.day_start_ms(day), 30)? {
        if !recent.iter().any(|c: &antrian_proto::events::CalledEvent| c.ticket_id == call.ticket_id) {
            recent.push(call);
        }
    }
    recent.truncate(RECENT);
    Ok(BoardResponse {
        office_name: office.config.office.name.clone(),
        counters,
        waiting,
        recent,
        last_event_id,
    })
}
