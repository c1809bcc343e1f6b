//! The figures of one day per service, stage and counter, computed from the stage visits (one
//! row per ticket per stage) that the store keeps: tickets, waits and service times (count,
//! mean, median, 90th percentile, maximum), arrivals and calls per hour, and the same visits
//! as CSV rows for spreadsheets.

use std::collections::BTreeMap;

use antrian_proto::{CounterReport, DailyReport, DurationStats, HourReport, ServiceReport, StageReport};
use chrono::{NaiveDate, Timelike};

use crate::engine::VisitOutcome;
use crate::error::{Error, Result};
use crate::office::Office;
use crate::store::Read;
use crate::store::figures::{ServiceCounts, Visit};

impl Visit {
    /// How long the applicant waited to be called at this stage.
    pub fn wait_ms(&self) -> Option<i64> {
        self.called_at.map(|c| c - self.queued_at)
    }

    /// How long the service took, for a visit that was served.
    pub fn service_ms(&self) -> Option<i64> {
        if self.served() { Some(self.finished_at? - self.started_at.or(self.called_at)?) } else { None }
    }

    pub fn served(&self) -> bool {
        self.outcome.is_some_and(|o| o.served())
    }

    fn ended_as(&self, outcome: VisitOutcome) -> bool {
        self.outcome == Some(outcome)
    }
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

/// The figures of `date`.
pub fn daily(read: Read<'_>, office: &Office, date: NaiveDate) -> Result<DailyReport> {
    let config = &office.config;
    let visits = read.figures().visits(date)?;
    // Tickets per service, from the tickets themselves (one row each).
    let per_service = read.figures().services(date)?;
    let services = config
        .services
        .iter()
        .map(|s| {
            let ServiceCounts { tickets, walk_ins, checked_in, done, no_shows, cancelled, closed } =
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
                closed,
            }
        })
        .collect();

    let stages = config
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
                no_shows: count(&|v| v.ended_as(VisitOutcome::NoShow)),
                cancelled: count(&|v| v.ended_as(VisitOutcome::Cancelled)),
                closed: count(&|v| v.ended_as(VisitOutcome::DayClosed)),
                requeued: count(&|v| v.requeued),
                waiting: stats(at.iter().filter_map(|v| v.wait_ms())),
                service_time: stats(at.iter().filter_map(|v| v.service_ms())),
            }
        })
        .collect();

    let counters = config
        .counters
        .iter()
        .map(|counter| {
            let at: Vec<&Visit> =
                visits.iter().filter(|v| v.counter.as_deref() == Some(counter.id.as_str())).collect();
            CounterReport {
                counter: counter.id.clone(),
                name: counter.name.clone(),
                served: at.iter().filter(|v| v.served()).count() as u32,
                no_shows: at.iter().filter(|v| v.ended_as(VisitOutcome::NoShow)).count() as u32,
                service_time: stats(at.iter().filter_map(|v| v.service_ms())),
            }
        })
        .collect();

    let appointments = read.figures().appointments(date)?;

    // Arrivals (check-ins) and calls per hour of the office's clock.
    let mut hours: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    for at in read.figures().arrivals(date)? {
        hours.entry(office.local(at).hour()).or_default().0 += 1;
    }
    for visit in &visits {
        if let Some(called) = visit.called_at {
            hours.entry(office.local(called).hour()).or_default().1 += 1;
        }
    }
    let hours =
        hours.into_iter().map(|(hour, (arrivals, calls))| HourReport { hour, arrivals, calls }).collect();

    Ok(DailyReport { office: office.id().to_owned(), date, services, stages, counters, appointments, hours })
}

/// One row per stage visit, for spreadsheets. Times are the office's local time.
pub fn csv(read: Read<'_>, office: &Office, date: NaiveDate) -> Result<String> {
    let visits = read.figures().visits(date)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let time = |ms: Option<i64>| {
        ms.map(|t| office.local(t).format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
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
    let to_error = |e: csv::Error| Error::internal(e);
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
                v.outcome.map_or(v.ticket_state.as_str(), |o| o.as_str()).to_owned(),
                v.recalls.to_string(),
                u8::from(v.requeued).to_string(),
                minutes(v.wait_ms()),
                minutes(v.service_ms()),
            ])
            .map_err(to_error)?;
    }
    let bytes = writer.into_inner().map_err(Error::internal)?;
    String::from_utf8(bytes).map_err(Error::internal)
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

/// A service's figures as table cells: tickets, walk-ins, checked in, done, no-shows,
/// cancelled, closed at the end of the day.
pub fn service_cells(s: &antrian_proto::ServiceReport) -> [String; 7] {
    [s.tickets, s.walk_ins, s.checked_in, s.done, s.no_shows, s.cancelled, s.closed].map(|n| n.to_string())
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
