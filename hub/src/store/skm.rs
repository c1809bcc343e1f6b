//! The satisfaction survey (SKM): which tickets answered, the answers, and the complaints
//! among their comments. A response is stored without its ticket and with only its day, under
//! a random id (`005_skm.sql`), so that nothing links it to the applicant; `skm_answered`
//! alone says a ticket has answered.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreResult, date_text, parse_date};

/// A finished ticket, as the survey needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub ticket_id: String,
    pub day: NaiveDate,
    pub service: String,
    pub number: String,
    /// When its last stage finished, ms.
    pub finished_at: i64,
}

/// A response to store: the answers (each 1..=4, checked by `antrian_rules::skm::answers`),
/// the optional profile, a comment and whether it is a complaint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewResponse {
    pub via: String,
    pub answers: [u8; 9],
    pub age: String,
    pub sex: String,
    pub education: String,
    pub occupation: String,
    pub comment: String,
    pub complaint: bool,
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub day: NaiveDate,
    pub service: String,
    pub via: String,
    pub answers: [u8; 9],
    pub age: String,
    pub sex: String,
    pub education: String,
    pub occupation: String,
    pub comment: String,
}

/// A comment marked as a complaint, with how it is being handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: i64,
    pub day: NaiveDate,
    pub service: String,
    pub comment: String,
    /// new | in_progress | answered.
    pub state: String,
    pub reply: String,
    pub replied_by: String,
    /// ms.
    pub replied_at: Option<i64>,
}

const SERVED: &str = "SELECT t.id, t.day, t.service, t.number, MAX(v.finished_at) FROM tickets t
     JOIN stage_visits v ON v.ticket_id = t.id AND v.finished_at IS NOT NULL";

fn served_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn served_of(row: Option<(String, String, String, String, Option<i64>)>) -> StoreResult<Option<Served>> {
    let Some((ticket_id, day, service, number, Some(finished_at))) = row else { return Ok(None) };
    Ok(Some(Served { ticket_id, day: parse_date(&day)?, service, number, finished_at }))
}

/// Reads of the survey.
#[derive(Clone, Copy)]
pub struct Skm<'a> {
    conn: &'a Connection,
}

impl<'a> Skm<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Skm { conn }
    }

    /// The ticket if it is done (served to the end), with when it finished.
    pub fn served(&self, ticket_id: &str) -> StoreResult<Option<Served>> {
        let row = self
            .conn
            .prepare_cached(&format!("{SERVED} WHERE t.id = ?1 AND t.state = 'done' GROUP BY t.id"))?
            .query_row(params![ticket_id], served_row)
            .optional()?;
        served_of(row)
    }

    /// Whether the ticket has answered the survey.
    pub fn answered(&self, ticket_id: &str) -> StoreResult<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM skm_answered WHERE ticket_id = ?1")?
            .query_row(params![ticket_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The ticket a counter's tablet offers the survey to: the counter's most recent finished
    /// visit, if it finished at or after `since` (ms), ended the ticket's visit (outcome
    /// `done`, the ticket done), the counter holds no ticket since, and the ticket has not
    /// answered. A visit that went on to another stage, or a counter already serving the next
    /// person, offers nothing.
    pub fn last_served_at(&self, counter: &str, since: i64) -> StoreResult<Option<Served>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "{SERVED} WHERE t.state = 'done' AND t.id = (
                     SELECT s.ticket_id FROM stage_visits s
                     WHERE s.counter = ?1 AND s.finished_at IS NOT NULL
                     ORDER BY s.finished_at DESC, s.id DESC LIMIT 1)
                   AND EXISTS (SELECT 1 FROM stage_visits s WHERE s.ticket_id = t.id AND s.counter = ?1
                               AND s.outcome = 'done' AND s.finished_at >= ?2)
                   AND NOT EXISTS (SELECT 1 FROM counters c WHERE c.id = ?1 AND c.ticket_id IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM skm_answered a WHERE a.ticket_id = t.id)
                 GROUP BY t.id"
            ))?
            .query_row(params![counter, since], served_row)
            .optional()?;
        served_of(row)
    }

    /// The ticket's state (`waiting`, `done`, `no_show`, …), if there is such a ticket.
    pub fn ticket_state(&self, ticket_id: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT state FROM tickets WHERE id = ?1")?
            .query_row(params![ticket_id], |r| r.get(0))
            .optional()?)
    }

    /// The responses of the visits from `from` to `to` (both included), by day.
    pub fn responses(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<Response>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT day, service, via, u1, u2, u3, u4, u5, u6, u7, u8, u9, age, sex, education, occupation, comment
             FROM skm_responses WHERE day BETWEEN ?1 AND ?2 ORDER BY day, id",
        )?;
        let rows = statement.query_map(params![date_text(from), date_text(to)], |r| {
            let mut answers = [0u8; 9];
            for (i, a) in answers.iter_mut().enumerate() {
                *a = r.get(3 + i)?;
            }
            Ok((
                r.get::<_, String>(0)?,
                Response {
                    day: NaiveDate::MIN,
                    service: r.get(1)?,
                    via: r.get(2)?,
                    answers,
                    age: r.get(12)?,
                    sex: r.get(13)?,
                    education: r.get(14)?,
                    occupation: r.get(15)?,
                    comment: r.get(16)?,
                },
            ))
        })?;
        let mut responses = Vec::new();
        for row in rows {
            let (day, response) = row?;
            responses.push(Response { day: parse_date(&day)?, ..response });
        }
        Ok(responses)
    }

    /// Tickets served to the end from `from` to `to`, per service: the population the
    /// minimum sample is judged against.
    pub fn served_counts(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<(String, u64)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT service, COUNT(*) FROM tickets WHERE state = 'done' AND day BETWEEN ?1 AND ?2
             GROUP BY service ORDER BY service",
        )?;
        let rows =
            statement.query_map(params![date_text(from), date_text(to)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The complaints of the visits from `from` to `to`, and every complaint not yet answered
    /// whatever its day (an open complaint does not drop out of sight with its month); newest
    /// first.
    pub fn complaints(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<Complaint>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, day, service, comment, complaint_state, reply, replied_by, replied_at FROM skm_responses
             WHERE complaint_state IS NOT NULL AND (day BETWEEN ?1 AND ?2 OR complaint_state != 'answered')
             ORDER BY day DESC, id",
        )?;
        let rows = statement.query_map(params![date_text(from), date_text(to)], |r| {
            Ok((
                r.get::<_, String>(1)?,
                Complaint {
                    id: r.get(0)?,
                    day: NaiveDate::MIN,
                    service: r.get(2)?,
                    comment: r.get(3)?,
                    state: r.get(4)?,
                    reply: r.get(5)?,
                    replied_by: r.get(6)?,
                    replied_at: r.get(7)?,
                },
            ))
        })?;
        let mut complaints = Vec::new();
        for row in rows {
            let (day, complaint) = row?;
            complaints.push(Complaint { day: parse_date(&day)?, ..complaint });
        }
        Ok(complaints)
    }
}

/// Writes of the survey.
pub struct SkmMut<'a> {
    read: Skm<'a>,
}

reads_through!(SkmMut => Skm);

impl<'a> SkmMut<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        SkmMut { read: Skm::new(conn) }
    }

    /// Stores the response of `served` under the random `id`, once: false (and nothing
    /// stored) if the ticket has answered already.
    pub fn answer(&mut self, served: &Served, response: &NewResponse, id: i64) -> StoreResult<bool> {
        let conn = self.read.conn;
        let first = conn
            .prepare_cached("INSERT OR IGNORE INTO skm_answered (ticket_id) VALUES (?1)")?
            .execute(params![served.ticket_id])?;
        if first == 0 {
            return Ok(false);
        }
        let a = response.answers;
        conn.prepare_cached(
            "INSERT INTO skm_responses (id, day, service, via, u1, u2, u3, u4, u5, u6, u7, u8, u9,
                 age, sex, education, occupation, comment, complaint_state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )?
        .execute(params![
            id,
            date_text(served.day),
            served.service,
            response.via,
            a[0],
            a[1],
            a[2],
            a[3],
            a[4],
            a[5],
            a[6],
            a[7],
            a[8],
            response.age,
            response.sex,
            response.education,
            response.occupation,
            response.comment,
            (response.complaint && !response.comment.trim().is_empty()).then_some("new"),
        ])?;
        Ok(true)
    }

    /// Sets a complaint's state and reply note: false if there is no such complaint.
    pub fn handle_complaint(
        &mut self,
        id: i64,
        state: &str,
        reply: &str,
        by: &str,
        at: i64,
    ) -> StoreResult<bool> {
        let changed = self
            .read
            .conn
            .prepare_cached(
                "UPDATE skm_responses SET complaint_state = ?2, reply = ?3, replied_by = ?4, replied_at = ?5
                 WHERE id = ?1 AND complaint_state IS NOT NULL",
            )?
            .execute(params![id, state, reply, by, at])?;
        Ok(changed == 1)
    }
}
