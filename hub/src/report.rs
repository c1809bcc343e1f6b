//! Daily reports for the head of office: the figures of one day per service, stage and
//! counter, from the stage visits (one row per ticket per stage), as JSON, as CSV (one row per
//! stage visit) and as a PDF with charts. And retention: applicants' names and NIK hashes are
//! removed after `retention.personal_data_days`, leaving every figure as it was.

use std::collections::BTreeMap;

use antrian_proto::{
    AppointmentReport, CounterReport, DailyReport, DurationStats, HourReport, ServiceReport, StageReport,
};
use chrono::{NaiveDate, Timelike};
use rusqlite::{Connection, params};

use crate::db::Tx;
use crate::error::ApiResult;
use crate::hub::Hub;

/// One stage visit with its ticket, as the report reads it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub number: String,
    pub service: String,
    pub priority: bool,
    pub booked: bool,
    pub ticket_state: String,
    pub stage: String,
    pub counter: Option<String>,
    pub queued_at: i64,
    pub called_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub outcome: Option<String>,
    pub recalls: u32,
    pub requeued: bool,
}

impl Visit {
    pub fn wait_ms(&self) -> Option<i64> {
        self.called_at.map(|c| c - self.queued_at)
    }

    pub fn service_ms(&self) -> Option<i64> {
        match self.outcome.as_deref() {
            Some("done" | "next_stage") => Some(self.finished_at? - self.started_at.or(self.called_at)?),
            _ => None,
        }
    }

    fn served(&self) -> bool {
        matches!(self.outcome.as_deref(), Some("done" | "next_stage"))
    }
}

/// The visits of the tickets of `date`, in order.
pub fn visits(conn: &Connection, office: &str, date: NaiveDate) -> ApiResult<Vec<Visit>> {
    let mut statement = conn.prepare_cached(
        "SELECT t.number, t.service, t.priority, t.booking_code IS NOT NULL, t.state, v.stage, v.counter, v.queued_at,
                v.called_at, v.started_at, v.finished_at, v.outcome, v.recalls, v.requeued
         FROM stage_visits v JOIN tickets t ON t.id = v.ticket_id
         WHERE t.office = ?1 AND t.day = ?2 ORDER BY v.queued_at, v.id",
    )?;
    let rows = statement.query_map(params![office, date.format("%Y-%m-%d").to_string()], |r| {
        Ok(Visit {
            number: r.get(0)?,
            service: r.get(1)?,
            priority: r.get(2)?,
            booked: r.get(3)?,
            ticket_state: r.get(4)?,
            stage: r.get(5)?,
            counter: r.get(6)?,
            queued_at: r.get(7)?,
            called_at: r.get(8)?,
            started_at: r.get(9)?,
            finished_at: r.get(10)?,
            outcome: r.get(11)?,
            recalls: r.get(12)?,
            requeued: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Count, mean, median, 90th percentile (nearest rank) and maximum, in minutes.
pub fn stats(durations_ms: impl IntoIterator<Item = i64>) -> DurationStats {
    let mut minutes: Vec<f64> = durations_ms.into_iter().map(|ms| ms.max(0) as f64 / 60_000.0).collect();
    minutes.sort_by(f64::total_cmp);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let rank = |p: f64| -> f64 {
        if minutes.is_empty() {
            return 0.0;
        }
        let index = ((p * minutes.len() as f64).ceil() as usize).clamp(1, minutes.len()) - 1;
        minutes[index]
    };
    let count = minutes.len();
    DurationStats {
        count: count as u32,
        mean: if count == 0 { 0.0 } else { round(minutes.iter().sum::<f64>() / count as f64) },
        p50: round(rank(0.5)),
        p90: round(rank(0.9)),
        max: round(minutes.last().copied().unwrap_or(0.0)),
    }
}

pub fn daily(conn: &Connection, hub: &Hub, date: NaiveDate) -> ApiResult<DailyReport> {
    let office = &hub.config.office.id;
    let visits = visits(conn, office, date)?;
    let day = date.format("%Y-%m-%d").to_string();

    // Tickets per service, from the tickets themselves (one row each).
    let mut statement = conn.prepare_cached(
        "SELECT service, COUNT(*), COALESCE(SUM(booking_code IS NULL), 0), COALESCE(SUM(booking_code IS NOT NULL), 0),
                COALESCE(SUM(state = 'done'), 0), COALESCE(SUM(state = 'no_show'), 0), COALESCE(SUM(state = 'cancelled'), 0)
         FROM tickets WHERE office = ?1 AND day = ?2 GROUP BY service",
    )?;
    let mut per_service: BTreeMap<String, [u32; 6]> = BTreeMap::new();
    for row in statement.query_map(params![office, day], |r| {
        Ok((r.get::<_, String>(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?]))
    })? {
        let (service, counts) = row?;
        per_service.insert(service, counts);
    }
    let services = hub
        .config
        .services
        .iter()
        .map(|s| {
            let [tickets, walk_ins, checked_in, done, no_shows, cancelled] =
                per_service.get(&s.id).copied().unwrap_or_default();
            ServiceReport {
                service: s.id.clone(),
                name: s.name.clone(),
                tickets,
                walk_ins,
                checked_in,
                done,
                no_shows,
                cancelled,
            }
        })
        .collect();

    let stages = hub
        .config
        .stages
        .iter()
        .map(|stage| {
            let at: Vec<&Visit> = visits.iter().filter(|v| v.stage == stage.id).collect();
            let count = |f: &dyn Fn(&Visit) -> bool| at.iter().filter(|v| f(v)).count() as u32;
            StageReport {
                stage: stage.id.clone(),
                name: stage.name.clone(),
                visits: at.len() as u32,
                served: count(&|v| v.served()),
                no_shows: count(&|v| v.outcome.as_deref() == Some("no_show")),
                cancelled: count(&|v| v.outcome.as_deref() == Some("cancelled")),
                requeued: count(&|v| v.requeued),
                waiting: stats(at.iter().filter_map(|v| v.wait_ms())),
                service_time: stats(at.iter().filter_map(|v| v.service_ms())),
            }
        })
        .collect();

    let counters = hub
        .config
        .counters
        .iter()
        .map(|counter| {
            let at: Vec<&Visit> =
                visits.iter().filter(|v| v.counter.as_deref() == Some(counter.id.as_str())).collect();
            CounterReport {
                counter: counter.id.clone(),
                name: counter.name.clone(),
                served: at.iter().filter(|v| v.served()).count() as u32,
                no_shows: at.iter().filter(|v| v.outcome.as_deref() == Some("no_show")).count() as u32,
                service_time: stats(at.iter().filter_map(|v| v.service_ms())),
            }
        })
        .collect();

    let appointments = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(state != 'cancelled'), 0), COALESCE(SUM(state = 'checked_in'), 0),
                    COALESCE(SUM(state = 'no_show'), 0), COALESCE(SUM(state = 'cancelled'), 0)
             FROM appointments WHERE office = ?1 AND date = ?2",
        )?
        .query_row(params![office, day], |r| {
            Ok(AppointmentReport {
                booked: r.get(0)?,
                checked_in: r.get(1)?,
                no_show: r.get(2)?,
                cancelled: r.get(3)?,
            })
        })?;

    // Arrivals (check-ins) and calls per hour of the office's clock.
    let mut hours: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let mut statement =
        conn.prepare_cached("SELECT checked_in_at FROM tickets WHERE office = ?1 AND day = ?2")?;
    for at in statement.query_map(params![office, day], |r| r.get::<_, i64>(0))? {
        hours.entry(hub.clock.to_local(at?).hour()).or_default().0 += 1;
    }
    for visit in &visits {
        if let Some(called) = visit.called_at {
            hours.entry(hub.clock.to_local(called).hour()).or_default().1 += 1;
        }
    }
    let hours =
        hours.into_iter().map(|(hour, (arrivals, calls))| HourReport { hour, arrivals, calls }).collect();

    Ok(DailyReport { office: office.clone(), date, services, stages, counters, appointments, hours })
}

/// One row per stage visit, for spreadsheets. Times are the office's local time.
pub fn csv(conn: &Connection, hub: &Hub, date: NaiveDate) -> ApiResult<String> {
    let visits = visits(conn, &hub.config.office.id, date)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let time = |ms: Option<i64>| {
        ms.map(|t| hub.clock.to_local(t).format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
    };
    let minutes = |ms: Option<i64>| ms.map(|t| format!("{:.1}", t as f64 / 60_000.0)).unwrap_or_default();
    let header = [
        "date",
        "number",
        "service",
        "priority",
        "booked",
        "stage",
        "counter",
        "queued_at",
        "called_at",
        "started_at",
        "finished_at",
        "outcome",
        "recalls",
        "requeued",
        "wait_minutes",
        "service_minutes",
    ];
    let to_error = |e: csv::Error| crate::error::ApiError::internal(e);
    writer.write_record(header).map_err(to_error)?;
    for v in &visits {
        writer
            .write_record([
                date.format("%Y-%m-%d").to_string(),
                v.number.clone(),
                v.service.clone(),
                u8::from(v.priority).to_string(),
                u8::from(v.booked).to_string(),
                v.stage.clone(),
                v.counter.clone().unwrap_or_default(),
                time(Some(v.queued_at)),
                time(v.called_at),
                time(v.started_at),
                time(v.finished_at),
                v.outcome.clone().unwrap_or_else(|| v.ticket_state.clone()),
                v.recalls.to_string(),
                u8::from(v.requeued).to_string(),
                minutes(v.wait_ms()),
                minutes(v.service_ms()),
            ])
            .map_err(to_error)?;
    }
    let bytes = writer.into_inner().map_err(crate::error::ApiError::internal)?;
    String::from_utf8(bytes).map_err(crate::error::ApiError::internal)
}

/// Removes applicants' names and NIK hashes of appointments older than `days`, and stored
/// answers to repeated requests older than a day (staff answers carry names). The database
/// runs with `secure_delete`, so the removed bytes are overwritten, not left in free space.
pub fn apply_retention(tx: &mut Tx<'_>, hub: &Hub, now: i64, days: u32) -> ApiResult<usize> {
    let cutoff = hub.clock.to_local(now).date_naive() - chrono::Duration::days(i64::from(days));
    let cleared = tx.conn.execute(
        "UPDATE appointments SET name = NULL, nik_hash = NULL WHERE date < ?1 AND (name IS NOT NULL OR nik_hash IS NOT NULL)",
        params![cutoff.format("%Y-%m-%d").to_string()],
    )?;
    tx.conn.execute("DELETE FROM idempotency WHERE at < ?1", params![now - 86_400_000])?;
    Ok(cleared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_use_nearest_rank_percentiles() {
        let minutes = |m: &[i64]| m.iter().map(|x| x * 60_000).collect::<Vec<_>>();
        let s = stats(minutes(&[10, 2, 4, 8, 6]));
        assert_eq!((s.count, s.mean, s.p50, s.p90, s.max), (5, 6.0, 6.0, 10.0, 10.0));
        let s = stats(minutes(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        assert_eq!((s.p50, s.p90), (5.0, 9.0));
        let empty = stats(Vec::new());
        assert_eq!((empty.count, empty.mean, empty.max), (0, 0.0, 0.0));
    }
}

/// The forms a report is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Pdf,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Pdf => "pdf",
        }
    }
}

/// The waiting-time classes of the report's charts, in minutes.
pub const WAIT_BINS: [&str; 6] = ["0-10", "10-20", "20-30", "30-45", "45-60", "60+"];

/// How many of the waits (minutes) fall in each of [`WAIT_BINS`].
pub fn wait_histogram(minutes: impl IntoIterator<Item = f64>) -> [u32; 6] {
    let edges = [10.0, 20.0, 30.0, 45.0, 60.0];
    let mut counts = [0; 6];
    for wait in minutes {
        counts[edges.iter().position(|edge| wait < *edge).unwrap_or(5)] += 1;
    }
    counts
}

/// Waiting minutes of `stage`'s visits.
pub fn stage_waits<'a>(visits: &'a [Visit], stage: &'a str) -> impl Iterator<Item = f64> + 'a {
    visits.iter().filter(move |v| v.stage == stage).filter_map(|v| v.wait_ms()).map(|ms| ms as f64 / 60_000.0)
}

/// A service's figures as table cells: tickets, walk-ins, checked in, done, no-shows, cancelled.
pub fn service_cells(s: &antrian_proto::ServiceReport) -> [String; 6] {
    [s.tickets, s.walk_ins, s.checked_in, s.done, s.no_shows, s.cancelled].map(|n| n.to_string())
}

/// The report of `date` in `format`, as bytes (the same for the API and the CLI).
pub fn export(conn: &Connection, hub: &Hub, date: NaiveDate, format: Format) -> ApiResult<Vec<u8>> {
    match format {
        Format::Json => {
            let report = daily(conn, hub, date)?;
            serde_json::to_vec_pretty(&report).map_err(crate::error::ApiError::internal)
        }
        Format::Csv => Ok(csv(conn, hub, date)?.into_bytes()),
        Format::Pdf => {
            let report = daily(conn, hub, date)?;
            let all = visits(conn, &hub.config.office.id, date)?;
            let waits: Vec<(String, [u32; 6])> = hub
                .config
                .stages
                .iter()
                .map(|s| (s.name.clone(), wait_histogram(stage_waits(&all, &s.id))))
                .collect();
            Ok(crate::pdf::report_pdf(&report, &hub.config.office.name, &waits))
        }
    }
}
