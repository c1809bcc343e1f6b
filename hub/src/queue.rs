//! Tickets and counters in storage: check-in, walk-ins and every counter action. Each
//! function runs inside one writer transaction: it loads what the decision needs, asks the
//! pure [`crate::engine`], writes the result and appends the events — so "call next" is one
//! atomic claim and two counters can never get the same ticket.

use antrian_proto::events::{CalledEvent, CounterEvent, TicketEvent, WaitingEvent};
use antrian_proto::qr::BookingClaim;
use antrian_proto::{
    AppointmentState, CounterState, CounterStatus, ErrorCode, HubEvent, QueueResponse, StageQueue, Ticket,
    TicketState,
};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::appointments::{self, AppointmentRow};
use crate::config::Service;
use crate::db::Tx;
use crate::engine::{self, AfterFinish, CounterAction, QueueEntry, TicketAction};
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;

#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: String,
    pub office: String,
    pub day: String,
    pub service: String,
    pub number: String,
    pub priority: bool,
    pub booking_code: Option<String>,
    pub slot: Option<String>,
    pub stage: String,
    pub state: TicketState,
    pub counter: Option<String>,
    pub reserved_counter: Option<String>,
    pub effective_at: i64,
    pub queued_seq: i64,
    pub checked_in_at: i64,
    pub called_at: Option<i64>,
    pub recall: u32,
    pub visit_id: Option<i64>,
}

const TICKET_COLUMNS: &str = "id, office, day, service, number, priority, booking_code, slot, stage, state, \
     counter, reserved_counter, effective_at, queued_seq, checked_in_at, called_at, recall, visit_id";

fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<TicketRow> {
    let state: String = r.get(9)?;
    Ok(TicketRow {
        id: r.get(0)?,
        office: r.get(1)?,
        day: r.get(2)?,
        service: r.get(3)?,
        number: r.get(4)?,
        priority: r.get(5)?,
        booking_code: r.get(6)?,
        slot: r.get(7)?,
        stage: r.get(8)?,
        state: TicketState::parse(&state).unwrap_or(TicketState::Cancelled),
        counter: r.get(10)?,
        reserved_counter: r.get(11)?,
        effective_at: r.get(12)?,
        queued_seq: r.get(13)?,
        checked_in_at: r.get(14)?,
        called_at: r.get(15)?,
        recall: r.get(16)?,
        visit_id: r.get(17)?,
    })
}

pub fn load_ticket(conn: &Connection, id: &str) -> ApiResult<TicketRow> {
    conn.prepare_cached(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"))?
        .query_row(params![id], ticket_from_row)
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("ticket {id:?}")))
}

fn ticket_of_booking(conn: &Connection, code: &str) -> ApiResult<Option<TicketRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE booking_code = ?1"))?
        .query_row(params![code], ticket_from_row)
        .optional()?)
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A queue entry from `id, stage, priority, effective_at, queued_seq, reserved_counter`.
fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<QueueEntry> {
    Ok(QueueEntry {
        ticket_id: r.get(0)?,
        stage: r.get(1)?,
        priority: r.get(2)?,
        effective_at: r.get(3)?,
        queued_seq: r.get(4)?,
        reserved_counter: r.get(5)?,
    })
}

/// Today's waiting tickets at `stages` (all stages when empty).
fn waiting_entries(
    conn: &Connection,
    office: &str,
    day: &str,
    stages: &[String],
) -> ApiResult<Vec<QueueEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, stage, priority, effective_at, queued_seq, reserved_counter FROM tickets
         WHERE office = ?1 AND day = ?2 AND state = 'waiting'",
    )?;
    let rows = statement.query_map(params![office, day], entry_from_row)?;
    let mut entries = Vec::new();
    for entry in rows {
        let entry = entry?;
        if stages.is_empty() || stages.contains(&entry.stage) {
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// The first waiting ticket of each stage and class (priority or not) that `counter` may call:
/// the call order's first element is always among them, so call-next reads at most
/// 2 × stages rows through the queue index instead of the whole queue.
fn head_entries(
    conn: &Connection,
    office: &str,
    day: &str,
    stages: &[String],
    counter: &str,
) -> ApiResult<Vec<QueueEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, stage, priority, effective_at, queued_seq, reserved_counter FROM tickets
         WHERE office = ?1 AND day = ?2 AND state = 'waiting' AND stage = ?3 AND priority = ?4
           AND (reserved_counter IS NULL OR reserved_counter = ?5)
         ORDER BY effective_at, queued_seq LIMIT 1",
    )?;
    let mut heads = Vec::new();
    for stage in stages {
        for priority in [true, false] {
            let head = statement
                .query_row(params![office, day, stage, priority, counter], entry_from_row)
                .optional()?;
            heads.extend(head);
        }
    }
    Ok(heads)
}

fn class_count(conn: &Connection, office: &str, day: &str, stage: &str, priority: bool) -> ApiResult<u32> {
    Ok(conn
        .prepare_cached("SELECT waiting FROM queue_counts WHERE office = ?1 AND day = ?2 AND stage = ?3 AND priority = ?4")?
        .query_row(params![office, day, stage, priority], |r| r.get::<_, u32>(0))
        .optional()?
        .unwrap_or(0))
}

/// Keeps `queue_counts` in step when a ticket enters (+1) or leaves (-1) a waiting queue.
fn count_waiting(
    tx: &Tx<'_>,
    office: &str,
    day: &str,
    stage: &str,
    priority: bool,
    delta: i64,
) -> ApiResult<()> {
    tx.conn
        .prepare_cached(
            "INSERT INTO queue_counts (office, day, stage, priority, waiting) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (office, day, stage, priority) DO UPDATE SET waiting = waiting + excluded.waiting",
        )?
        .execute(params![office, day, stage, priority, delta])?;
    Ok(())
}

/// A waiting ticket's place and estimated wait. The tickets of its class behind it are
/// counted through the queue index (few, for a ticket just checked in); the class sizes come
/// from `queue_counts`.
fn ticket_estimate(conn: &Connection, hub: &Hub, row: &TicketRow) -> ApiResult<(u32, u32)> {
    let office = &hub.config.office.id;
    let behind: u32 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM tickets WHERE office = ?1 AND day = ?2 AND state = 'waiting' AND stage = ?3
               AND priority = ?4 AND (effective_at, queued_seq) > (?5, ?6)",
        )?
        .query_row(
            params![office, row.day, row.stage, row.priority, row.effective_at, row.queued_seq],
            |r| r.get(0),
        )?;
    let class = class_count(conn, office, &row.day, &row.stage, row.priority)?;
    let same_ahead = class.saturating_sub(behind + 1);
    let others = class_count(conn, office, &row.day, &row.stage, !row.priority)?;
    let stages = [row.stage.clone()];
    let run = priority_run(conn, &stages, day_start_ms(hub, &row.day), run_limit(hub))?;
    let ahead = engine::position_from_counts(row.priority, same_ahead, others, hub.policy(), run);
    let eta = engine::eta_minutes(
        ahead,
        mean_service_minutes(conn, hub, &row.stage)?,
        open_counters_for(conn, hub, &row.stage)?,
    );
    Ok((ahead, eta))
}

/// Priority tickets called in a row most recently at `stages` today (up to `limit`).
fn priority_run(conn: &Connection, stages: &[String], since_ms: i64, limit: u32) -> ApiResult<u32> {
    if limit == 0 || stages.is_empty() {
        return Ok(0);
    }
    let placeholders = vec!["?"; stages.len()].join(", ");
    let sql = format!(
        "SELECT priority FROM stage_visits WHERE stage IN ({placeholders}) AND called_at >= ?
         ORDER BY called_at DESC, id DESC LIMIT ?"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut values: Vec<rusqlite::types::Value> = stages.iter().map(|s| s.clone().into()).collect();
    values.push(since_ms.into());
    values.push(i64::from(limit).into());
    let priorities = statement.query_map(rusqlite::params_from_iter(values), |r| r.get::<_, bool>(0))?;
    let mut run = 0;
    for priority in priorities {
        if !priority? {
            break;
        }
        run += 1;
    }
    Ok(run)
}

fn day_start_ms(hub: &Hub, day: &str) -> i64 {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| hub.clock.local_ms(d, chrono::NaiveTime::MIN))
        .unwrap_or_default()
}

fn run_limit(hub: &Hub) -> u32 {
    hub.config.queue.priority_max_in_row + 1
}

/// Mean recent service time at `stage`, in minutes.
fn mean_service_minutes(conn: &Connection, hub: &Hub, stage: &str) -> ApiResult<f64> {
    let default = hub.config.stage(stage).map(|s| s.default_service_minutes).unwrap_or(5.0);
    let mut statement = conn.prepare_cached(
        "SELECT finished_at - COALESCE(started_at, called_at) FROM stage_visits
         WHERE stage = ?1 AND finished_at IS NOT NULL AND called_at IS NOT NULL AND outcome IN ('done', 'next_stage')
         ORDER BY finished_at DESC LIMIT ?2",
    )?;
    let durations: Vec<i64> = statement
        .query_map(params![stage, hub.config.queue.eta_history], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(engine::mean_service_minutes(&durations, default))
}

fn open_counters_for(conn: &Connection, hub: &Hub, stage: &str) -> ApiResult<u32> {
    let mut statement = conn.prepare_cached("SELECT id FROM counters WHERE state = 'open'")?;
    let ids: Vec<String> = statement.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids
        .iter()
        .filter(|id| hub.config.counter(id).is_some_and(|c| c.stages.iter().any(|s| s == stage)))
        .count() as u32)
}

/// Estimates for every waiting ticket of one stage: ticket id → (people ahead, eta).
struct StageEstimate {
    order: Vec<String>,
    mean_minutes: f64,
    open_counters: u32,
}

impl StageEstimate {
    fn load(conn: &Connection, hub: &Hub, day: &str, stage: &str) -> ApiResult<StageEstimate> {
        let stages = [stage.to_owned()];
        let entries = waiting_entries(conn, &hub.config.office.id, day, &stages)?;
        let run = priority_run(conn, &stages, day_start_ms(hub, day), run_limit(hub))?;
        let order = engine::call_order(&entries, hub.policy(), run)
            .into_iter()
            .map(|e| e.ticket_id.clone())
            .collect();
        Ok(StageEstimate {
            order,
            mean_minutes: mean_service_minutes(conn, hub, stage)?,
            open_counters: open_counters_for(conn, hub, stage)?,
        })
    }

    fn for_ticket(&self, id: &str) -> (u32, u32) {
        match self.order.iter().position(|t| t == id) {
            Some(ahead) => {
                let ahead = ahead as u32;
                (ahead, engine::eta_minutes(ahead, self.mean_minutes, self.open_counters))
            }
            None => (0, 0),
        }
    }
}

fn applicant_name(conn: &Connection, booking_code: Option<&str>) -> ApiResult<Option<String>> {
    let Some(code) = booking_code else { return Ok(None) };
    Ok(conn
        .prepare_cached("SELECT name FROM appointments WHERE booking_code = ?1")?
        .query_row(params![code], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

fn to_wire(
    conn: &Connection,
    hub: &Hub,
    row: &TicketRow,
    estimate: Option<&StageEstimate>,
    staff: bool,
) -> ApiResult<Ticket> {
    let (people_ahead, eta_minutes) = match (row.state, estimate) {
        (TicketState::Waiting, Some(estimate)) => estimate.for_ticket(&row.id),
        (TicketState::Waiting, None) => ticket_estimate(conn, hub, row)?,
        _ => (0, 0),
    };
    let config = &hub.config;
    Ok(Ticket {
        id: row.id.clone(),
        number: row.number.clone(),
        office: row.office.clone(),
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
        status_url: hub.status_url(&row.id),
        checked_in_at: hub.clock.to_local(row.checked_in_at),
        called_at: row.called_at.map(|t| hub.clock.to_local(t)),
        recall: row.recall,
        name: if staff { applicant_name(conn, row.booking_code.as_deref())? } else { None },
    })
}

/// One ticket as the API shows it, with its place in the queue and estimated wait.
pub fn ticket_view(conn: &Connection, hub: &Hub, id: &str, staff: bool) -> ApiResult<Ticket> {
    let row = load_ticket(conn, id)?;
    to_wire(conn, hub, &row, None, staff)
}

/// Today's queue of every stage, waiting tickets in call order.
pub fn queue_view(conn: &Connection, hub: &Hub) -> ApiResult<QueueResponse> {
    let day = day_text(hub.clock.today());
    let office = &hub.config.office.id;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE office = ?1 AND day = ?2
         AND state IN ('waiting', 'called', 'serving', 'no_show') ORDER BY queued_seq"
    ))?;
    let rows: Vec<TicketRow> =
        statement.query_map(params![office, day], ticket_from_row)?.collect::<Result<_, _>>()?;
    let mut stages = Vec::new();
    for stage in &hub.config.stages {
        let estimate = StageEstimate::load(conn, hub, &day, &stage.id)?;
        let mut waiting = Vec::new();
        for id in &estimate.order {
            if let Some(row) = rows.iter().find(|r| &r.id == id) {
                waiting.push(to_wire(conn, hub, row, Some(&estimate), true)?);
            }
        }
        let mut serving = Vec::new();
        for row in rows
            .iter()
            .filter(|r| r.stage == stage.id && matches!(r.state, TicketState::Called | TicketState::Serving))
        {
            serving.push(to_wire(conn, hub, row, None, true)?);
        }
        stages.push(StageQueue { stage: stage.id.clone(), waiting, serving });
    }
    let mut no_show = Vec::new();
    for row in rows.iter().filter(|r| r.state == TicketState::NoShow) {
        no_show.push(to_wire(conn, hub, row, None, true)?);
    }
    Ok(QueueResponse { stages, no_show })
}

struct CounterRow {
    state: CounterState,
    ticket_id: Option<String>,
    since: i64,
}

fn load_counter(conn: &Connection, hub: &Hub, id: &str) -> ApiResult<CounterRow> {
    if hub.config.counter(id).is_none() {
        return Err(ApiError::not_found(format!("counter {id:?}")));
    }
    conn.prepare_cached("SELECT state, ticket_id, since FROM counters WHERE id = ?1")?
        .query_row(params![id], |r| {
            let state: String = r.get(0)?;
            Ok(CounterRow {
                state: CounterState::parse(&state).unwrap_or(CounterState::Closed),
                ticket_id: r.get(1)?,
                since: r.get(2)?,
            })
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("counter {id:?}")))
}

pub fn counter_view(conn: &Connection, hub: &Hub, id: &str) -> ApiResult<CounterStatus> {
    let row = load_counter(conn, hub, id)?;
    let config = hub.config.counter(id).ok_or_else(|| ApiError::not_found(format!("counter {id:?}")))?;
    let ticket = match &row.ticket_id {
        Some(ticket) => Some(ticket_view(conn, hub, ticket, true)?),
        None => None,
    };
    Ok(CounterStatus {
        id: config.id.clone(),
        name: config.name.clone(),
        stages: config.stages.clone(),
        state: row.state,
        ticket,
        since: Some(hub.clock.to_local(row.since)),
    })
}

pub fn counters_view(conn: &Connection, hub: &Hub) -> ApiResult<Vec<CounterStatus>> {
    hub.config.counters.iter().map(|c| counter_view(conn, hub, &c.id)).collect()
}

// ----- writes -----

fn emit_waiting(tx: &mut Tx<'_>, hub: &Hub, now: i64, day: &str, stage: &str) -> ApiResult<()> {
    let office = &hub.config.office.id;
    let count =
        class_count(tx.conn, office, day, stage, true)? + class_count(tx.conn, office, day, stage, false)?;
    tx.emit(&hub.config.office.id, now, HubEvent::Waiting(WaitingEvent { stage: stage.to_owned(), count }))?;
    Ok(())
}

fn emit_ticket(tx: &mut Tx<'_>, hub: &Hub, now: i64, row: &TicketRow) -> ApiResult<()> {
    tx.emit(
        &hub.config.office.id,
        now,
        HubEvent::Ticket(TicketEvent {
            ticket_id: row.id.clone(),
            number: row.number.clone(),
            state: row.state,
            stage: row.stage.clone(),
            counter: row.counter.clone(),
        }),
    )?;
    Ok(())
}

fn set_counter(
    tx: &mut Tx<'_>,
    hub: &Hub,
    now: i64,
    counter: &str,
    state: CounterState,
    ticket: Option<&TicketRow>,
) -> ApiResult<()> {
    tx.conn
        .prepare_cached("UPDATE counters SET state = ?2, ticket_id = ?3, since = ?4 WHERE id = ?1")?
        .execute(params![counter, state.as_str(), ticket.map(|t| t.id.as_str()), now])?;
    tx.emit(
        &hub.config.office.id,
        now,
        HubEvent::Counter(CounterEvent {
            counter: counter.to_owned(),
            state,
            ticket: ticket.map(|t| t.number.clone()),
            ticket_id: ticket.map(|t| t.id.clone()),
        }),
    )?;
    Ok(())
}

fn next_queued_seq(conn: &Connection) -> ApiResult<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(queued_seq), 0) + 1 FROM tickets", [], |r| r.get(0))?)
}

fn open_visit(
    tx: &mut Tx<'_>,
    ticket: &str,
    stage: &str,
    now: i64,
    priority: bool,
    requeued: bool,
) -> ApiResult<i64> {
    tx.conn
        .prepare_cached("INSERT INTO stage_visits (ticket_id, stage, queued_at, priority, requeued) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![ticket, stage, now, priority, requeued])?;
    Ok(tx.conn.last_insert_rowid())
}

fn close_visit(tx: &mut Tx<'_>, visit: Option<i64>, now: i64, outcome: &str) -> ApiResult<()> {
    if let Some(visit) = visit {
        tx.conn
            .prepare_cached("UPDATE stage_visits SET finished_at = ?2, outcome = ?3 WHERE id = ?1")?
            .execute(params![visit, now, outcome])?;
    }
    Ok(())
}

/// Puts a ticket (back) into the waiting queue of `stage` as of now.
fn enqueue(
    tx: &mut Tx<'_>,
    row: &mut TicketRow,
    stage: &str,
    now: i64,
    reserved: Option<String>,
    requeued: bool,
) -> ApiResult<()> {
    let seq = next_queued_seq(tx.conn)?;
    let visit = open_visit(tx, &row.id, stage, now, row.priority, requeued)?;
    row.stage = stage.to_owned();
    row.state = TicketState::Waiting;
    row.counter = None;
    row.reserved_counter = reserved;
    row.effective_at = now;
    row.queued_seq = seq;
    row.called_at = None;
    row.recall = 0;
    row.visit_id = Some(visit);
    tx.conn
        .prepare_cached(
            "UPDATE tickets SET stage = ?2, state = 'waiting', counter = NULL, reserved_counter = ?3,
             effective_at = ?4, queued_seq = ?5, called_at = NULL, recall = 0, visit_id = ?6 WHERE id = ?1",
        )?
        .execute(params![row.id, row.stage, row.reserved_counter, now, seq, visit])?;
    Ok(())
}

fn update_state(tx: &mut Tx<'_>, row: &TicketRow) -> ApiResult<()> {
    tx.conn.prepare_cached("UPDATE tickets SET state = ?2, counter = ?3 WHERE id = ?1")?.execute(params![
        row.id,
        row.state.as_str(),
        row.counter
    ])?;
    Ok(())
}

/// Ends the ticket's current visit with `outcome` and puts it in `state`, away from counters.
fn leave_queue(
    tx: &mut Tx<'_>,
    hub: &Hub,
    now: i64,
    row: &mut TicketRow,
    outcome: Option<&str>,
    state: TicketState,
) -> ApiResult<()> {
    if let Some(outcome) = outcome {
        close_visit(tx, row.visit_id, now, outcome)?;
    }
    row.state = state;
    row.counter = None;
    update_state(tx, row)?;
    emit_ticket(tx, hub, now, row)
}

/// Issues a new ticket for `service`, numbered from 001 per office, service and day.
fn issue(
    tx: &mut Tx<'_>,
    hub: &Hub,
    now: i64,
    service: &Service,
    booking: Option<(&AppointmentRow, i64)>,
) -> ApiResult<TicketRow> {
    let office = &hub.config.office.id;
    let day = day_text(hub.clock.to_local(now).date_naive());
    let seq: i64 = tx
        .conn
        .prepare_cached(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets WHERE office = ?1 AND day = ?2 AND service = ?3",
        )?
        .query_row(params![office, day, service.id], |r| r.get(0))?;
    let number = format!("{}{seq:03}", service.id);
    let id = format!("{}-{number}", day.replace('-', ""));
    let stage = service.route.first().cloned().ok_or_else(|| ApiError::internal("service without route"))?;
    let effective_at = booking.map_or(now, |(_, slot_start)| now.max(slot_start));
    let queued_seq = next_queued_seq(tx.conn)?;
    tx.conn
        .prepare_cached(
            "INSERT INTO tickets (id, office, day, service, seq, number, priority, booking_code, slot, stage,
                state, effective_at, queued_seq, checked_in_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'waiting', ?11, ?12, ?13)",
        )?
        .execute(params![
            id,
            office,
            day,
            service.id,
            seq,
            number,
            service.priority,
            booking.map(|(b, _)| b.booking_code.as_str()),
            booking.map(|(b, _)| b.slot.as_str()),
            stage,
            effective_at,
            queued_seq,
            now
        ])?;
    let visit = open_visit(tx, &id, &stage, now, service.priority, false)?;
    tx.conn.prepare_cached("UPDATE tickets SET visit_id = ?2 WHERE id = ?1")?.execute(params![id, visit])?;
    count_waiting(tx, office, &day, &stage, service.priority, 1)?;
    let row = load_ticket(tx.conn, &id)?;
    emit_ticket(tx, hub, now, &row)?;
    emit_waiting(tx, hub, now, &day, &stage)?;
    Ok(row)
}

/// How a booking is presented at check-in.
#[derive(Debug, Clone)]
pub enum CheckinTarget {
    Qr(BookingClaim),
    Code { code: String, nik_last4: String },
}

/// Checks a booking in: a new ticket (`false`), or its existing ticket again (`true`).
pub fn checkin(tx: &mut Tx<'_>, hub: &Hub, now: i64, target: CheckinTarget) -> ApiResult<(Ticket, bool)> {
    let office = &hub.config.office.id;
    let appointment = match &target {
        CheckinTarget::Qr(claim) => {
            if &claim.office != office {
                return Err(ApiError::new(
                    ErrorCode::WrongOffice,
                    format!("this booking is for office {}, not {office}", claim.office),
                )
                .with_detail(serde_json::json!({ "office": claim.office })));
            }
            appointments::load(tx.conn, &claim.booking_code)?
        }
        CheckinTarget::Code { code, nik_last4 } => {
            appointments::load(tx.conn, &appointments::normalize_code(code))?
                .filter(|a| &a.nik_last4 == nik_last4)
        }
    };
    let appointment = appointment.ok_or_else(|| {
        ApiError::new(ErrorCode::UnknownBooking, "no booking with this code (and NIK digits) at this office")
    })?;
    if &appointment.office != office {
        return Err(ApiError::new(
            ErrorCode::WrongOffice,
            format!("this booking is for office {}", appointment.office),
        )
        .with_detail(serde_json::json!({ "office": appointment.office })));
    }
    if appointment.state == AppointmentState::Cancelled {
        return Err(ApiError::new(ErrorCode::Cancelled, "this booking was cancelled"));
    }
    if let Some(existing) = ticket_of_booking(tx.conn, &appointment.booking_code)? {
        return Ok((to_wire(tx.conn, hub, &existing, None, false)?, true));
    }
    let local_now = hub.clock.to_local(now);
    let date_detail = serde_json::json!({ "date": appointment.date, "slot": appointment.slot });
    if appointment.state == AppointmentState::NoShow || appointment.date < local_now.date_naive() {
        return Err(ApiError::new(ErrorCode::TooLate, format!("this booking was for {}", appointment.date))
            .with_detail(date_detail));
    }
    if appointment.date != local_now.date_naive() {
        return Err(ApiError::new(
            ErrorCode::WrongDate,
            format!("this booking is for {}, not today", appointment.date),
        )
        .with_detail(date_detail));
    }
    let slot = hub.config.slot(&appointment.slot).ok_or_else(|| {
        ApiError::internal(format!("slot {} of booking is not configured", appointment.slot))
    })?;
    let slot_start = hub.clock.local_ms(appointment.date, slot.start);
    let opens = slot_start - i64::from(hub.config.checkin.early_minutes) * 60_000;
    let closes =
        hub.clock.local_ms(appointment.date, slot.end) + i64::from(hub.config.checkin.late_minutes) * 60_000;
    if now < opens {
        let from = hub.clock.to_local(opens);
        return Err(ApiError::new(
            ErrorCode::TooEarly,
            format!("check-in for the {} slot opens at {}", appointment.slot, from.format("%H:%M")),
        )
        .with_detail(serde_json::json!({ "from": from, "slot": appointment.slot })));
    }
    if now > closes {
        return Err(ApiError::new(
            ErrorCode::TooLate,
            format!(
                "check-in for the {} slot closed at {}",
                appointment.slot,
                hub.clock.to_local(closes).format("%H:%M")
            ),
        )
        .with_detail(date_detail));
    }
    let service = hub.config.service(&appointment.service).ok_or_else(|| {
        ApiError::internal(format!("service {} of booking is not configured", appointment.service))
    })?;
    let row = issue(tx, hub, now, service, Some((&appointment, slot_start)))?;
    tx.conn
        .prepare_cached(
            "UPDATE appointments SET state = 'checked_in', updated_at = ?2 WHERE booking_code = ?1",
        )?
        .execute(params![appointment.booking_code, now])?;
    Ok((to_wire(tx.conn, hub, &row, None, false)?, false))
}

/// Issues a walk-in ticket within the service's daily quota.
pub fn walkin(tx: &mut Tx<'_>, hub: &Hub, now: i64, service_id: &str) -> ApiResult<Ticket> {
    let service = hub
        .config
        .service(service_id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotWalkIn, format!("unknown service {service_id:?}")))?;
    let Some(quota) = service.walk_in_quota else {
        return Err(ApiError::new(
            ErrorCode::NotWalkIn,
            format!("service {} is by appointment only", service.id),
        ));
    };
    let day = day_text(hub.clock.to_local(now).date_naive());
    let issued: u32 = tx
        .conn
        .prepare_cached("SELECT COUNT(*) FROM tickets WHERE office = ?1 AND day = ?2 AND service = ?3 AND booking_code IS NULL")?
        .query_row(params![hub.config.office.id, day, service.id], |r| r.get(0))?;
    if issued >= quota {
        return Err(ApiError::new(
            ErrorCode::QuotaFull,
            format!("today's {quota} places for service {} are taken", service.id),
        ));
    }
    let row = issue(tx, hub, now, service, None)?;
    to_wire(tx.conn, hub, &row, None, false)
}

fn mark_called(tx: &mut Tx<'_>, hub: &Hub, now: i64, counter: &str, mut row: TicketRow) -> ApiResult<Ticket> {
    count_waiting(tx, &hub.config.office.id, &row.day, &row.stage, row.priority, -1)?;
    row.state = TicketState::Called;
    row.counter = Some(counter.to_owned());
    row.called_at = Some(now);
    row.recall = 0;
    tx.conn
        .prepare_cached(
            "UPDATE tickets SET state = 'called', counter = ?2, called_at = ?3, recall = 0, reserved_counter = NULL WHERE id = ?1",
        )?
        .execute(params![row.id, counter, now])?;
    if let Some(visit) = row.visit_id {
        tx.conn
            .prepare_cached("UPDATE stage_visits SET called_at = ?2, counter = ?3 WHERE id = ?1")?
            .execute(params![visit, now, counter])?;
    }
    tx.emit(
        &hub.config.office.id,
        now,
        HubEvent::Called(CalledEvent {
            ticket_id: row.id.clone(),
            number: row.number.clone(),
            counter: counter.to_owned(),
            counter_name: hub.config.counter_name(counter),
            stage: row.stage.clone(),
            at: hub.clock.to_local(now),
            recall: 0,
        }),
    )?;
    emit_waiting(tx, hub, now, &row.day, &row.stage)?;
    set_counter(tx, hub, now, counter, CounterState::Open, Some(&row))?;
    to_wire(tx.conn, hub, &row, None, true)
}

/// Refuses a call while the counter still holds a ticket (the engine's rule, with its message).
fn check_counter_free(counter: &CounterRow, conn: &Connection) -> ApiResult<()> {
    let holding = counter
        .ticket_id
        .as_ref()
        .map(|id| load_ticket(conn, id).map(|t| t.number).unwrap_or_else(|_| id.clone()));
    engine::counter_after(CounterAction::Call, holding.as_deref())
        .map(|_| ())
        .map_err(|refusal| ApiError::new(ErrorCode::CounterBusy, refusal.to_string()))
}

/// Calls the next ticket to `counter`; `None` when nobody waits at its stages.
pub fn call_next(tx: &mut Tx<'_>, hub: &Hub, now: i64, counter_id: &str) -> ApiResult<Option<Ticket>> {
    let counter = load_counter(tx.conn, hub, counter_id)?;
    check_counter_free(&counter, tx.conn)?;
    let stages = hub.config.counter(counter_id).map(|c| c.stages.clone()).unwrap_or_default();
    let day = day_text(hub.clock.to_local(now).date_naive());
    let entries = head_entries(tx.conn, &hub.config.office.id, &day, &stages, counter_id)?;
    let run = priority_run(tx.conn, &stages, day_start_ms(hub, &day), run_limit(hub))?;
    let Some(next) = engine::next_for_counter(&entries, counter_id, &stages, hub.policy(), run) else {
        if counter.state != CounterState::Open {
            set_counter(tx, hub, now, counter_id, CounterState::Open, None)?;
        }
        return Ok(None);
    };
    let row = load_ticket(tx.conn, &next.ticket_id)?;
    mark_called(tx, hub, now, counter_id, row).map(Some)
}

/// Calls one waiting ticket out of order.
pub fn call_ticket(
    tx: &mut Tx<'_>,
    hub: &Hub,
    now: i64,
    counter_id: &str,
    ticket_id: &str,
) -> ApiResult<Ticket> {
    let counter = load_counter(tx.conn, hub, counter_id)?;
    let row = load_ticket(tx.conn, ticket_id)?;
    check_counter_free(&counter, tx.conn)?;
    engine::check_ticket_action(row.state, TicketAction::Call)
        .map_err(|e| ApiError::transition(e.to_string()))?;
    let serves = hub.config.counter(counter_id).is_some_and(|c| c.stages.contains(&row.stage));
    if !serves {
        return Err(ApiError::transition(format!("counter {counter_id} does not serve stage {}", row.stage)));
    }
    if row.reserved_counter.as_deref().is_some_and(|r| r != counter_id) {
        return Err(ApiError::transition(format!("ticket {} is reserved for another counter", row.number)));
    }
    mark_called(tx, hub, now, counter_id, row)
}

/// The staff actions on one ticket.
#[derive(Debug, Clone)]
pub enum TicketOp {
    Recall,
    Start,
    Finish { next_stage: Option<String> },
    NoShow,
    Requeue,
    Cancel,
    Transfer { stage: String, counter: Option<String> },
}

pub fn ticket_op(tx: &mut Tx<'_>, hub: &Hub, now: i64, ticket_id: &str, op: TicketOp) -> ApiResult<Ticket> {
    let mut row = load_ticket(tx.conn, ticket_id)?;
    let action = match &op {
        TicketOp::Recall => TicketAction::Recall,
        TicketOp::Start => TicketAction::Start,
        TicketOp::Finish { .. } => TicketAction::Finish,
        TicketOp::NoShow => TicketAction::NoShow,
        TicketOp::Requeue => TicketAction::Requeue,
        TicketOp::Cancel => TicketAction::Cancel,
        TicketOp::Transfer { .. } => TicketAction::Transfer,
    };
    engine::check_ticket_action(row.state, action)
        .map_err(|e| ApiError::transition(format!("{} ({})", e, row.number)))?;
    let held_by =
        row.counter.clone().filter(|_| matches!(row.state, TicketState::Called | TicketState::Serving));
    let was_waiting = row.state == TicketState::Waiting;
    let old_stage = row.stage.clone();
    if was_waiting {
        count_waiting(tx, &hub.config.office.id, &row.day, &old_stage, row.priority, -1)?;
    }
    // Stages whose waiting count changed, announced once the counts are up to date.
    let mut waiting_changed: Vec<String> = Vec::new();
    match op {
        TicketOp::Recall => {
            row.recall += 1;
            tx.conn.execute("UPDATE tickets SET recall = ?2 WHERE id = ?1", params![row.id, row.recall])?;
            if let Some(visit) = row.visit_id {
                tx.conn
                    .execute("UPDATE stage_visits SET recalls = recalls + 1 WHERE id = ?1", params![visit])?;
            }
            let counter = row.counter.clone().unwrap_or_default();
            tx.emit(
                &hub.config.office.id,
                now,
                HubEvent::Called(CalledEvent {
                    ticket_id: row.id.clone(),
                    number: row.number.clone(),
                    counter_name: hub.config.counter_name(&counter),
                    counter,
                    stage: row.stage.clone(),
                    at: hub.clock.to_local(now),
                    recall: row.recall,
                }),
            )?;
        }
        TicketOp::Start => {
            row.state = TicketState::Serving;
            update_state(tx, &row)?;
            if let Some(visit) = row.visit_id {
                tx.conn
                    .execute("UPDATE stage_visits SET started_at = ?2 WHERE id = ?1", params![visit, now])?;
            }
            emit_ticket(tx, hub, now, &row)?;
        }
        TicketOp::Finish { next_stage } => {
            if let Some(stage) = &next_stage
                && hub.config.stage(stage).is_none()
            {
                return Err(ApiError::invalid(format!("unknown stage {stage:?}")));
            }
            let route = hub.config.service(&row.service).map(|s| s.route.clone()).unwrap_or_default();
            match engine::after_finish(&route, &row.stage, next_stage.as_deref()) {
                AfterFinish::NextStage(stage) => {
                    close_visit(tx, row.visit_id, now, "next_stage")?;
                    enqueue(tx, &mut row, &stage, now, None, false)?;
                    emit_ticket(tx, hub, now, &row)?;
                    waiting_changed.push(stage.clone());
                }
                AfterFinish::Done => leave_queue(tx, hub, now, &mut row, Some("done"), TicketState::Done)?,
            }
        }
        TicketOp::NoShow => leave_queue(tx, hub, now, &mut row, Some("no_show"), TicketState::NoShow)?,
        TicketOp::Requeue => {
            let stage = row.stage.clone();
            enqueue(tx, &mut row, &stage, now, None, true)?;
            emit_ticket(tx, hub, now, &row)?;
            waiting_changed.push(stage.clone());
        }
        TicketOp::Cancel => {
            // A no-show's visit is already closed as such.
            let outcome = (row.state != TicketState::NoShow).then_some("cancelled");
            leave_queue(tx, hub, now, &mut row, outcome, TicketState::Cancelled)?;
            if was_waiting {
                waiting_changed.push(old_stage.clone());
            }
        }
        TicketOp::Transfer { stage, counter } => {
            if hub.config.stage(&stage).is_none() {
                return Err(ApiError::invalid(format!("unknown stage {stage:?}")));
            }
            if let Some(counter) = &counter {
                let serves = hub.config.counter(counter).map(|c| c.stages.contains(&stage));
                match serves {
                    None => return Err(ApiError::invalid(format!("unknown counter {counter:?}"))),
                    Some(false) => {
                        return Err(ApiError::invalid(format!(
                            "counter {counter} does not serve stage {stage}"
                        )));
                    }
                    Some(true) => {}
                }
            }
            close_visit(tx, row.visit_id, now, "transferred")?;
            enqueue(tx, &mut row, &stage, now, counter, false)?;
            emit_ticket(tx, hub, now, &row)?;
            if was_waiting && old_stage != stage {
                waiting_changed.push(old_stage.clone());
            }
            waiting_changed.push(stage.clone());
        }
    }
    if row.state == TicketState::Waiting {
        count_waiting(tx, &hub.config.office.id, &row.day, &row.stage, row.priority, 1)?;
    }
    waiting_changed.dedup();
    for stage in waiting_changed {
        emit_waiting(tx, hub, now, &row.day, &stage)?;
    }
    // The counter that held the ticket is free again, unless the ticket is still there.
    if let Some(counter) = held_by
        && !matches!(row.state, TicketState::Called | TicketState::Serving)
    {
        set_counter(tx, hub, now, &counter, CounterState::Open, None)?;
    }
    to_wire(tx.conn, hub, &row, None, true)
}

/// Opens, pauses or closes a counter.
pub fn counter_op(
    tx: &mut Tx<'_>,
    hub: &Hub,
    now: i64,
    counter_id: &str,
    action: CounterAction,
) -> ApiResult<CounterStatus> {
    let counter = load_counter(tx.conn, hub, counter_id)?;
    let holding = match &counter.ticket_id {
        Some(id) => Some(load_ticket(tx.conn, id)?),
        None => None,
    };
    let state = engine::counter_after(action, holding.as_ref().map(|t| t.number.as_str()))
        .map_err(|e| ApiError::new(ErrorCode::CounterBusy, e.to_string()))?;
    if state != counter.state {
        set_counter(tx, hub, now, counter_id, state, holding.as_ref())?;
    }
    counter_view(tx.conn, hub, counter_id)
}

/// The display's starting point: counters with their numbers, waiting counts, today's recent
/// calls and the last event id, read in one snapshot.
pub fn board(conn: &Connection, hub: &Hub) -> ApiResult<antrian_proto::BoardResponse> {
    let day = day_text(hub.clock.today());
    let office = &hub.config.office.id;
    let last_event_id: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events WHERE office = ?1", params![office], |r| {
            r.get(0)
        })?;
    let mut counters = Vec::new();
    for counter in &hub.config.counters {
        let row = load_counter(conn, hub, &counter.id)?;
        let number = match &row.ticket_id {
            Some(id) => Some(load_ticket(conn, id)?.number),
            None => None,
        };
        counters.push(antrian_proto::BoardCounter {
            id: counter.id.clone(),
            name: counter.name.clone(),
            stages: counter.stages.clone(),
            state: row.state,
            number,
            ticket_id: row.ticket_id,
        });
    }
    let waiting = hub
        .config
        .stages
        .iter()
        .map(|s| {
            Ok(antrian_proto::WaitingCount {
                stage: s.id.clone(),
                name: s.name.clone(),
                count: class_count(conn, office, &day, &s.id, true)?
                    + class_count(conn, office, &day, &s.id, false)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let since = hub.clock.local_ms(hub.clock.today(), chrono::NaiveTime::MIN);
    let mut statement = conn.prepare_cached(
        "SELECT data FROM events WHERE office = ?1 AND kind = 'called' AND at >= ?2 ORDER BY id DESC LIMIT 30",
    )?;
    let mut recent: Vec<CalledEvent> = Vec::new();
    for data in statement.query_map(params![office, since], |r| r.get::<_, String>(0))? {
        if let Ok(call) = serde_json::from_str::<CalledEvent>(&data?)
            && !recent.iter().any(|c| c.ticket_id == call.ticket_id)
        {
            recent.push(call);
        }
    }
    recent.truncate(6);
    Ok(antrian_proto::BoardResponse {
        office_name: hub.config.office.name.clone(),
        counters,
        waiting,
        recent,
        last_event_id: u64::try_from(last_event_id).unwrap_or_default(),
    })
}
