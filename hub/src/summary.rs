//! Today's figures for the supervisor page: per stage, waiting and the longest wait now,
//! served, no-shows and the mean wait so far. (Full daily reports are their own module.)

use antrian_proto::{StageSummary, SummaryResponse};
use chrono::NaiveTime;
use rusqlite::{Connection, params};

use crate::error::ApiResult;
use crate::hub::Hub;

pub fn today(conn: &Connection, hub: &Hub) -> ApiResult<SummaryResponse> {
    let office = &hub.config.office.id;
    let today = hub.clock.today();
    let day = today.format("%Y-%m-%d").to_string();
    let day_start = hub.clock.local_ms(today, NaiveTime::MIN);
    let now = hub.clock.now_ms();
    let minutes = |ms: i64| u32::try_from(ms.max(0) / 60_000).unwrap_or(u32::MAX);
    let mut stages = Vec::new();
    for stage in &hub.config.stages {
        let (waiting, oldest): (u32, Option<i64>) = conn
            .prepare_cached(
                "SELECT COUNT(*), MIN(v.queued_at) FROM tickets t JOIN stage_visits v ON v.id = t.visit_id
                 WHERE t.office = ?1 AND t.day = ?2 AND t.state = 'waiting' AND t.stage = ?3",
            )?
            .query_row(params![office, day, stage.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (served, no_shows, average): (u32, u32, Option<f64>) = conn
            .prepare_cached(
                "SELECT COALESCE(SUM(outcome IN ('done', 'next_stage')), 0), COALESCE(SUM(outcome = 'no_show'), 0),
                        AVG(CASE WHEN called_at IS NOT NULL THEN called_at - queued_at END)
                 FROM stage_visits WHERE stage = ?1 AND queued_at >= ?2",
            )?
            .query_row(params![stage.id, day_start], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        stages.push(StageSummary {
            stage: stage.id.clone(),
            name: stage.name.clone(),
            waiting,
            longest_wait_minutes: oldest.map(|t| minutes(now - t)).unwrap_or(0),
            served,
            no_shows,
            average_wait_minutes: (average.unwrap_or(0.0) / 60_000.0 * 10.0).round() / 10.0,
        });
    }
    let (tickets_today, done_today): (u32, u32) = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(state = 'done'), 0) FROM tickets WHERE office = ?1 AND day = ?2",
        )?
        .query_row(params![office, day], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(SummaryResponse { tickets_today, done_today, stages })
}
