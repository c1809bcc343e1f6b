//! Today's figures for the supervisor page: per stage, waiting and the longest wait now,
//! served, no-shows and the mean wait so far. (Full daily reports are the `report` module.)

use antrian_proto::{StageSummary, SummaryResponse};

use crate::error::Result;
use crate::office::Office;
use crate::store::Read;

pub fn today(read: Read<'_>, office: &Office) -> Result<SummaryResponse> {
    let today = office.clock.today();
    let day_start = office.day_start_ms(today);
    let now = office.clock.now_ms();
    let minutes = |ms: i64| u32::try_from(ms.max(0) / 60_000).unwrap_or(u32::MAX);
    let figures = read.figures();
    let mut stages = Vec::new();
    for stage in &office.config.stages {
        let (waiting, oldest) = figures.waiting_now(today, &stage.id)?;
        let since = figures.stage_since(&stage.id, day_start)?;
        stages.push(StageSummary {
            stage: stage.id.clone(),
            name: stage.name.clone(),
            waiting,
            longest_wait_minutes: oldest.map(|t| minutes(now - t)).unwrap_or(0),
            served: since.served,
            no_shows: since.no_shows,
            average_wait_minutes: (since.mean_wait_ms.unwrap_or(0.0) / 60_000.0 * 10.0).round() / 10.0,
        });
    }
    let (tickets_today, done_today) = figures.tickets_on(today)?;
    Ok(SummaryResponse { tickets_today, done_today, stages })
}
