//! # Reports
//!
//! Daily reports for the head of office, from the stage visits: [`figures`] computes them
//! (JSON), and the CSV of the visits; [`pdf`] draws them with charts. [`export`] gives a day's
//! report in the format asked for — the same bytes for the API and the CLI.

pub mod figures;
pub mod pdf;

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::office::Office;
use crate::store::Read;

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

/// The report of `date` in `format`, as bytes (the same for the API and the CLI).
pub fn export(read: Read<'_>, office: &Office, date: NaiveDate, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Json => {
            let report = figures::daily(read, office, date)?;
            serde_json::to_vec_pretty(&report).map_err(Error::internal)
        }
        Format::Csv => Ok(figures::csv(read, office, date)?.into_bytes()),
        Format::Pdf => {
            let report = figures::daily(read, office, date)?;
            let all = read.figures().visits(date)?;
            let waits: Vec<(String, [u32; 6])> = office
                .config
                .stages
                .iter()
                .map(|s| (s.name.clone(), figures::wait_histogram(figures::stage_waits(&all, &s.id))))
                .collect();
            Ok(pdf::render(&report, &office.config.office.name, &waits))
        }
    }
}
