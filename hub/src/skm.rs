//! # The satisfaction survey (Survei Kepuasan Masyarakat)
//!
//! Every public-service unit surveys its users and publishes the index (PermenPAN-RB
//! 14/2017; the rules are `antrian_rules::skm`). Here the visit the hub just served is asked:
//! once its ticket is done, its status page (the QR on the ticket) or the counter's tablet
//! offers the nine questions, once per ticket, for [`WINDOW_MS`] after the visit. The answers
//! are stored apart from the ticket (`store::skm`). [`report`] gives a period's figures — the
//! index and grade overall and per service, each element's mean, the responses against the
//! least sample, the respondents' profile, the complaints and what was done about them — for
//! the supervisor's page, the CSV, the PDF ([`pdf`]) and `antrian-hub report --skm`.

pub mod pages;
pub mod pdf;

use antrian_proto::ErrorCode;
use antrian_rules::skm::{self as rules, ELEMENTS, profile};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::office::Office;
use crate::store::skm::{NewResponse, Served};
use crate::store::{Read, Write};

/// How long after the visit (its last stage finished) the survey takes an answer: 24 hours.
pub const WINDOW_MS: i64 = 24 * 3_600_000;

/// Where a ticket stands with the survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Survey {
    /// It may answer, until `closes_at` (ms).
    Open { served: Served, closes_at: i64 },
    /// It has answered.
    Answered,
    /// More than [`WINDOW_MS`] have passed since the visit.
    Closed,
    /// The visit is not finished yet (waiting, or at a counter).
    NotServed,
    /// The visit ended without being served to the end (no-show, cancelled, closed with the
    /// day): there is nothing to survey.
    Ended,
}

/// The survey's state for `ticket_id` at `now` (ms).
pub fn survey(read: Read<'_>, ticket_id: &str, now: i64) -> Result<Survey> {
    let skm = read.skm();
    if skm.answered(ticket_id)? {
        return Ok(Survey::Answered);
    }
    Ok(match skm.served(ticket_id)? {
        None => match skm.ticket_state(ticket_id)?.as_deref() {
            Some("waiting" | "called" | "serving") | None => Survey::NotServed,
            Some(_) => Survey::Ended,
        },
        Some(served) if now > served.finished_at + WINDOW_MS => Survey::Closed,
        Some(served) => {
            let closes_at = served.finished_at + WINDOW_MS;
            Survey::Open { served, closes_at }
        }
    })
}

/// A response as sent: the nine answers (1..=4), the optional profile, a comment. Its
/// OpenAPI schema states every rule [`check`] applies.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The nine answers in the elements' order, each 1 (worst) to 4 (best).
    #[schema(schema_with = answers_schema)]
    #[serde(deserialize_with = "whole_numbers")]
    pub answers: Vec<u8>,
    #[serde(default)]
    #[schema(schema_with = age_schema)]
    pub age: String,
    #[serde(default)]
    #[schema(schema_with = sex_schema)]
    pub sex: String,
    #[serde(default)]
    #[schema(schema_with = education_schema)]
    pub education: String,
    #[serde(default)]
    #[schema(schema_with = occupation_schema)]
    pub occupation: String,
    /// At most [`COMMENT_MAX`] characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
    /// The comment is a complaint: the supervisor's page lists it, to be answered.
    #[serde(default)]
    pub complaint: bool,
    /// `phone` or `counter` (the counter's tablet): set by the hub from the way the answer
    /// came, never taken from the request.
    #[serde(skip)]
    pub via: String,
}

/// Answers as JSON numbers: `4` and `4.0` are the same integer (JSON Schema); anything that is
/// not a whole number from 0 to 255 becomes 0, which [`check`] refuses by its question.
fn whole_numbers<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<u8>, D::Error> {
    let numbers: Vec<f64> = serde::Deserialize::deserialize(deserializer)?;
    Ok(numbers
        .into_iter()
        .map(|n| if n.fract() == 0.0 && (0.0..=255.0).contains(&n) { n as u8 } else { 0 })
        .collect())
}

fn answers_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(4)))
        .min_items(Some(9))
        .max_items(Some(9))
        .description(Some("the nine answers in the elements' order, each 1 (worst) to 4 (best)"))
        .build()
}

/// A string that is empty (not given) or one of `choices`.
fn choice_schema(choices: &[profile::Choice]) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(std::iter::once("").chain(choices.iter().map(|(v, ..)| *v))))
        .description(Some("optional: empty, or one of the values"))
        .build()
}

fn age_schema() -> utoipa::openapi::schema::Object {
    choice_schema(&profile::AGE)
}

fn sex_schema() -> utoipa::openapi::schema::Object {
    choice_schema(&profile::SEX)
}

fn education_schema() -> utoipa::openapi::schema::Object {
    choice_schema(&profile::EDUCATION)
}

fn occupation_schema() -> utoipa::openapi::schema::Object {
    choice_schema(&profile::OCCUPATION)
}

/// The longest comment, in characters.
pub const COMMENT_MAX: usize = 2000;

/// Checks a submission: the answers and profile as the rules allow, the comment's length.
pub fn check(submission: &Submission) -> Result<NewResponse> {
    let answers = rules::answers(&submission.answers).map_err(|e| Error::invalid(e.to_string()))?;
    for (what, choices, value) in [
        ("age", &profile::AGE[..], &submission.age),
        ("sex", &profile::SEX[..], &submission.sex),
        ("education", &profile::EDUCATION[..], &submission.education),
        ("occupation", &profile::OCCUPATION[..], &submission.occupation),
    ] {
        if !profile::allowed(choices, value) {
            let known: Vec<&str> = choices.iter().map(|(v, ..)| *v).collect();
            return Err(Error::invalid(format!("{what} {value:?} is not one of {}", known.join(", "))));
        }
    }
    let comment = submission.comment.trim();
    if submission.comment.chars().count() > COMMENT_MAX {
        return Err(Error::invalid(format!("the comment is longer than {COMMENT_MAX} characters")));
    }
    let via = match submission.via.as_str() {
        "" | "phone" => "phone",
        "counter" => "counter",
        other => return Err(Error::invalid(format!("via {other:?} is phone or counter"))),
    };
    Ok(NewResponse {
        via: via.into(),
        answers,
        age: submission.age.clone(),
        sex: submission.sex.clone(),
        education: submission.education.clone(),
        occupation: submission.occupation.clone(),
        comment: comment.to_owned(),
        complaint: submission.complaint && !comment.is_empty(),
    })
}

/// Stores `ticket_id`'s response at `now` (ms): refused if the visit is not finished
/// (`too_early`), was more than 24 hours ago (`too_late`), or has answered (`already_exists`);
/// bad answers change nothing (`invalid_request`).
pub fn answer(tx: &mut Write<'_>, ticket_id: &str, submission: &Submission, now: i64) -> Result<()> {
    let response = check(submission)?;
    let served = match survey(tx.read(), ticket_id, now)? {
        Survey::Open { served, .. } => served,
        Survey::Answered => {
            return Err(Error::refused(
                ErrorCode::AlreadyExists,
                "this visit's survey has been answered already (one answer per ticket); thank you",
            ));
        }
        Survey::Closed => {
            return Err(Error::refused(
                ErrorCode::TooLate,
                "the survey of a visit takes answers for 24 hours after it; this one has closed",
            ));
        }
        Survey::NotServed => {
            return Err(Error::refused(
                ErrorCode::TooEarly,
                "the survey opens when the visit is finished at the counter",
            ));
        }
        Survey::Ended => {
            return Err(Error::refused(
                ErrorCode::InvalidTransition,
                "this visit ended without being served; there is nothing to survey",
            ));
        }
    };
    // A random id: the response's place in the table says nothing of when it came.
    let id = (rand::random::<u64>() >> 12) as i64 + 1;
    if !tx.skm().answer(&served, &response, id)? {
        return Err(Error::refused(
            ErrorCode::AlreadyExists,
            "this visit's survey has been answered already",
        ));
    }
    Ok(())
}

/// The complaint states, in their order.
pub const COMPLAINT_STATES: [&str; 3] = ["new", "in_progress", "answered"];

/// Sets a complaint's state and reply note (by `by`, at `now`).
pub fn handle_complaint(
    tx: &mut Write<'_>,
    id: i64,
    state: &str,
    reply: &str,
    by: &str,
    now: i64,
) -> Result<()> {
    if !COMPLAINT_STATES.contains(&state) {
        return Err(Error::invalid(format!("state {state:?} is new, in_progress or answered")));
    }
    if reply.chars().count() > COMMENT_MAX {
        return Err(Error::invalid(format!("the reply is longer than {COMMENT_MAX} characters")));
    }
    if state == "answered" && reply.trim().is_empty() {
        return Err(Error::invalid("an answered complaint needs its reply note: what was done about it"));
    }
    if !tx.skm().handle_complaint(id, state, reply.trim(), by, now)? {
        return Err(Error::not_found("complaint"));
    }
    Ok(())
}

// --- Periods and the report -----------------------------------------------------------------

/// A reporting period: a month (`2026-12`), a semester (`2026-S2`) or a year (`2026`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Parses `2026-12`, `2026-S1`/`2026-S2` or `2026`.
    pub fn parse(text: &str) -> Result<Period> {
        let bad = || {
            Error::invalid(format!(
                "period {text:?}: write a month (2026-12), a semester (2026-S2) or a year (2026)"
            ))
        };
        let text = text.trim();
        let (year, rest) = text.split_once('-').map_or((text, None), |(y, r)| (y, Some(r)));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(year) {
            return Err(bad());
        }
        let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(bad)?;
        let (first, last) = match rest {
            None => (1, 12),
            Some("S1" | "s1") => (1, 6),
            Some("S2" | "s2") => (7, 12),
            Some(month) if month.len() == 2 && digits(month) => {
                let m: u32 = month.parse().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?;
                (m, m)
            }
            Some(_) => return Err(bad()),
        };
        let from = NaiveDate::from_ymd_opt(year, first, 1).ok_or_else(bad)?;
        let next = if last == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, last + 1, 1)
        }
        .ok_or_else(bad)?;
        let label = match rest {
            None => format!("{year}"),
            Some(r) if r.eq_ignore_ascii_case("s1") || r.eq_ignore_ascii_case("s2") => {
                format!("{year}-{}", r.to_ascii_uppercase())
            }
            Some(_) => format!("{year}-{first:02}"),
        };
        Ok(Period { label, from, to: next.pred_opt().ok_or_else(bad)? })
    }

    /// The month of `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        Period::parse(&format!("{}-{:02}", day.year(), day.month())).unwrap_or(Period {
            label: String::new(),
            from: day,
            to: day,
        })
    }

    /// The period in words: "Desember 2026", "Semester II 2026", "Tahun 2026".
    pub fn words(&self, english: bool) -> String {
        const BULAN: [&str; 12] = [
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember",
        ];
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let year = self.from.year();
        if self.from.month() == self.to.month() {
            let m = self.from.month0() as usize;
            format!("{} {year}", if english { MONTHS[m] } else { BULAN[m] })
        } else if self.from.month() == 1 && self.to.month() == 12 {
            format!("{} {year}", if english { "Year" } else { "Tahun" })
        } else {
            let half = if self.from.month() == 1 { "I" } else { "II" };
            format!("Semester {half} {year}")
        }
    }
}

/// An index as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexFigures {
    pub responses: usize,
    /// Each element's mean (1..=4), in the elements' order.
    pub nrr: [f64; 9],
    /// Unrounded; shown with two decimals.
    pub ikm: f64,
    /// A, B, C or D.
    pub grade: &'static str,
    /// The grade's words (Sangat Baik, Baik, Kurang Baik, Tidak Baik).
    pub grade_name: &'static str,
    /// The element with the lowest mean: its number (1..=9).
    pub weakest: u8,
}

fn figures(answers: &[rules::Answers]) -> Option<IndexFigures> {
    rules::index(answers).map(|i| IndexFigures {
        responses: i.responses,
        nrr: i.nrr,
        ikm: i.ikm,
        grade: i.grade.letter(),
        grade_name: i.grade.name_id(),
        weakest: ELEMENTS[i.weakest].number,
    })
}

/// One service's part of the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceFigures {
    pub service: String,
    pub name: String,
    /// Tickets served to the end.
    pub served: u64,
    pub minimum_sample: u64,
    pub index: Option<IndexFigures>,
}

/// How many respondents gave each answer of one profile question: (value, Indonesian words,
/// count), with those who left it empty last (value "").
pub type Breakdown = Vec<(String, String, usize)>;

/// A complaint as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintFigures {
    pub id: i64,
    pub day: NaiveDate,
    pub service: String,
    pub comment: String,
    pub state: String,
    pub reply: String,
    pub replied_by: String,
}

/// A period's survey report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkmReport {
    pub office: String,
    pub period: Period,
    /// Tickets served to the end in the period: the population.
    pub served: u64,
    /// The least number of responses for it (Krejcie–Morgan).
    pub minimum_sample: u64,
    pub overall: Option<IndexFigures>,
    pub services: Vec<ServiceFigures>,
    pub age: Breakdown,
    pub sex: Breakdown,
    pub education: Breakdown,
    pub occupation: Breakdown,
    pub complaints: Vec<ComplaintFigures>,
}

impl SkmReport {
    pub fn responses(&self) -> usize {
        self.overall.as_ref().map_or(0, |o| o.responses)
    }
}

fn breakdown(choices: &[profile::Choice], given: impl Iterator<Item = String>) -> Breakdown {
    let given: Vec<String> = given.collect();
    let count = |v: &str| given.iter().filter(|g| g.as_str() == v).count();
    choices
        .iter()
        .map(|(value, words, _)| (value.to_string(), words.to_string(), count(value)))
        .chain(std::iter::once((String::new(), "Tidak diisi".to_owned(), count(""))))
        .collect()
}

/// The survey's report of `period`.
pub fn report(read: Read<'_>, office: &Office, period: &Period) -> Result<SkmReport> {
    let skm = read.skm();
    let responses = skm.responses(period.from, period.to)?;
    let served = skm.served_counts(period.from, period.to)?;
    let all: Vec<rules::Answers> = responses.iter().map(|r| r.answers).collect();
    let mut services = Vec::new();
    for service in &office.config.services {
        let count = served.iter().find(|(s, _)| *s == service.id).map_or(0, |(_, n)| *n);
        let answers: Vec<rules::Answers> =
            responses.iter().filter(|r| r.service == service.id).map(|r| r.answers).collect();
        if count == 0 && answers.is_empty() {
            continue;
        }
        services.push(ServiceFigures {
            service: service.id.clone(),
            name: service.name.clone(),
            served: count,
            minimum_sample: rules::minimum_sample(count),
            index: figures(&answers),
        });
    }
    let total: u64 = served.iter().map(|(_, n)| n).sum();
    let complaints = skm
        .complaints(period.from, period.to)?
        .into_iter()
        .map(|c| ComplaintFigures {
            id: c.id,
            day: c.day,
            service: c.service,
            comment: c.comment,
            state: c.state,
            reply: c.reply,
            replied_by: c.replied_by,
        })
        .collect();
    Ok(SkmReport {
        office: office.config.office.name.clone(),
        period: period.clone(),
        served: total,
        minimum_sample: rules::minimum_sample(total),
        overall: figures(&all),
        services,
        age: breakdown(&profile::AGE, responses.iter().map(|r| r.age.clone())),
        sex: breakdown(&profile::SEX, responses.iter().map(|r| r.sex.clone())),
        education: breakdown(&profile::EDUCATION, responses.iter().map(|r| r.education.clone())),
        occupation: breakdown(&profile::OCCUPATION, responses.iter().map(|r| r.occupation.clone())),
        complaints,
    })
}

/// The period's responses as CSV, one row per response (no ticket, no name: the day, the
/// service, how it came, the nine answers, the profile, the comment), then the rows the
/// regulation's tabulation ends with: each element's total and mean (NRR), the weighted mean
/// (NRR × 1/9), and the index with its grade.
pub fn csv(read: Read<'_>, period: &Period) -> Result<String> {
    let responses = read.skm().responses(period.from, period.to)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let keys: Vec<String> =
        ELEMENTS.iter().map(|e| format!("{} {}", e.key.to_uppercase(), e.name_id)).collect();
    let mut header = vec!["day".to_owned(), "service".into(), "via".into()];
    header.extend(keys);
    header.extend(["age", "sex", "education", "occupation", "comment"].map(String::from));
    writer.write_record(&header).map_err(Error::internal)?;
    for r in &responses {
        let mut row = vec![r.day.to_string(), r.service.clone(), r.via.clone()];
        row.extend(r.answers.iter().map(u8::to_string));
        row.extend([
            r.age.clone(),
            r.sex.clone(),
            r.education.clone(),
            r.occupation.clone(),
            r.comment.clone(),
        ]);
        writer.write_record(&row).map_err(Error::internal)?;
    }
    let all: Vec<rules::Answers> = responses.iter().map(|r| r.answers).collect();
    if let Some(index) = rules::index(&all) {
        let line = |label: &str, cells: Vec<String>| {
            let mut row = vec![label.to_owned(), String::new(), String::new()];
            row.extend(cells);
            row.resize(header.len(), String::new());
            row
        };
        let totals: Vec<String> =
            (0..9).map(|i| all.iter().map(|a| u64::from(a[i])).sum::<u64>().to_string()).collect();
        writer.write_record(line("total", totals)).map_err(Error::internal)?;
        writer
            .write_record(line("NRR", index.nrr.iter().map(|n| format!("{n:.3}")).collect()))
            .map_err(Error::internal)?;
        writer
            .write_record(line("NRR x 1/9", index.nrr.iter().map(|n| format!("{:.3}", n / 9.0)).collect()))
            .map_err(Error::internal)?;
        writer
            .write_record(line(
                "IKM",
                vec![format!("{:.2}", index.ikm), index.grade.letter().into(), index.grade.name_id().into()],
            ))
            .map_err(Error::internal)?;
    }
    String::from_utf8(writer.into_inner().map_err(Error::internal)?).map_err(Error::internal)
}

/// A free text as a spreadsheet cell that stays text: one starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be taken for a formula by Excel or LibreOffice (a comment
/// comes from anyone), so it gets a leading `'`.
pub fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// The period's report in `format`: JSON, CSV ([`csv`]) or the PDF ([`pdf::render`]) — the
/// same bytes for the API and the CLI.
pub fn export(
    read: Read<'_>,
    office: &Office,
    period: &Period,
    format: crate::report::Format,
) -> Result<Vec<u8>> {
    Ok(match format {
        crate::report::Format::Json => {
            serde_json::to_vec_pretty(&report(read, office, period)?).map_err(Error::internal)?
        }
        crate::report::Format::Csv => csv(read, period)?.into_bytes(),
        crate::report::Format::Pdf => pdf::render(&report(read, office, period)?),
    })
}

/// `value` with two decimals and a decimal comma (Indonesian) or point.
pub fn decimal(value: f64, places: usize, comma: bool) -> String {
    let text = format!("{value:.places$}");
    if comma { text.replace('.', ",") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let month = Period::parse("2026-12").expect("month");
        assert_eq!(
            (month.from.to_string(), month.to.to_string()),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        assert_eq!(month.words(false), "Desember 2026");
        let semester = Period::parse("2026-s2").expect("semester");
        assert_eq!(semester.label, "2026-S2");
        assert_eq!(
            (semester.from.to_string(), semester.to.to_string()),
            ("2026-07-01".into(), "2026-12-31".into())
        );
        assert_eq!(semester.words(false), "Semester II 2026");
        let year = Period::parse("2026").expect("year");
        assert_eq!((year.from.to_string(), year.to.to_string()), ("2026-01-01".into(), "2026-12-31".into()));
        assert_eq!(Period::parse("2027-02").expect("feb").to.to_string(), "2027-02-28");
        for bad in ["", "26", "2026-13", "2026-S3", "2026-1-1", "2026-1", "abc", "2026-00", "1999", "2101-01"]
        {
            let error = Period::parse(bad).expect_err(bad);
            assert!(error.to_string().contains("write a month"), "{error}");
        }
    }

    #[test]
    fn a_comment_never_becomes_a_formula() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for formula in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(inert(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(inert("Antre lama"), "Antre lama");
    }

    #[test]
    fn a_submission_is_checked_whole() {
        let good =
            Submission { answers: vec![4, 3, 3, 4, 3, 4, 4, 3, 2], sex: "P".into(), ..Default::default() };
        let response = check(&good).expect("good");
        assert_eq!(response.via, "phone");
        assert!(!response.complaint, "no comment, no complaint");
        let with = |f: fn(&mut Submission)| {
            let mut s = good.clone();
            f(&mut s);
            check(&s).expect_err("refused").to_string()
        };
        assert!(with(|s| s.answers.pop().map(drop).unwrap_or(())).contains("9 questions"));
        assert!(with(|s| s.answers[2] = 7).contains("question 3"));
        assert!(with(|s| s.sex = "X".into()).contains("sex"));
        assert!(with(|s| s.education = "phd".into()).contains("education"));
        assert!(with(|s| s.comment = "x".repeat(COMMENT_MAX + 1)).contains("longer"));
        let complaint = check(&Submission { comment: "  Antre lama ".into(), complaint: true, ..good })
            .expect("complaint");
        assert_eq!((complaint.comment.as_str(), complaint.complaint), ("Antre lama", true));
    }
}
