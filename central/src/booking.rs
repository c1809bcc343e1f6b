//! The booking path's transactions: hold a place (with its bill), pay, cancel, reschedule,
//! expire unpaid holds; and the office's change feed they append to.
//!
//! ## Locks, always in this order
//! 1. the NIK (`pg_advisory_xact_lock` on its hash): one NIK's requests, from any replica, run
//!    one after another, so its one-booking-a-day and active-limit checks cannot race;
//! 2. the quota row(s) of the slot(s) concerned (`SELECT … FOR UPDATE`; two rows in key order);
//! 3. the application row;
//! 4. last, just before commit, the office's feed row (`office_feeds`), which hands out the
//!    next cursor: it stays locked until the commit, so an office's changes commit in cursor
//!    order and a reader following by cursor never skips one (CENTRAL.md, change feed).
//!
//! Every transaction here touches one office's rows (and the account-level NIK registry).

use std::sync::Arc;
use std::time::Duration;

use antrian_proto::ErrorCode;
use antrian_proto::qr::BookingClaim;
use antrian_rules::code;
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use serde::Serialize;
use serde_json::json;
use tokio_postgres::Transaction;

use crate::Central;
use crate::error::{ApiError, ApiResult};

/// Application states (CENTRAL.md).
pub mod state {
    pub const AWAITING_PAYMENT: &str = "awaiting_payment";
    pub const BOOKED: &str = "booked";
    pub const CHECKED_IN: &str = "checked_in";
    pub const IN_PROCESS: &str = "in_process";
    pub const READY_FOR_PICKUP: &str = "ready_for_pickup";
    pub const PICKED_UP: &str = "picked_up";
    pub const EXPIRED: &str = "expired";
    pub const CANCELLED: &str = "cancelled";
    pub const NO_SHOW: &str = "no_show";
}

/// The slot of a quota row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuotaKey {
    pub office: String,
    pub date: NaiveDate,
    pub slot: String,
    pub service: String,
}

/// A lock key for a NIK hash.
fn nik_lock(nik_hash: &[u8]) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&nik_hash[..8]);
    i64::from_be_bytes(bytes)
}

/// Takes the NIK's lock for the rest of the transaction.
pub async fn lock_nik(tx: &Transaction<'_>, nik_hash: &[u8]) -> ApiResult<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&nik_lock(nik_hash)]).await?;
    Ok(())
}

/// Locks the quota row (creating it with `capacity` places), and returns its places taken
/// after expiring its unpaid holds whose bill expired by `now`.
pub async fn lock_quota(
    tx: &Transaction<'_>,
    central: &Central,
    key: &QuotaKey,
    capacity: i32,
    now: DateTime<Utc>,
) -> ApiResult<i32> {
    tx.execute(
        "INSERT INTO quota (office_id, date, slot, service, capacity, taken) VALUES ($1, $2, $3, $4, $5, 0)
         ON CONFLICT DO NOTHING",
        &[&key.office, &key.date, &key.slot, &key.service, &capacity],
    )
    .await?;
    tx.query_one(
        "SELECT taken FROM quota WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4 FOR UPDATE",
        &[&key.office, &key.date, &key.slot, &key.service],
    )
    .await?;
    // Expired holds give their places back (to the waitlist first); what is taken then.
    expire_holds(tx, central, key, now).await?;
    let row = tx
        .query_one(
            "SELECT taken FROM quota WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4",
            &[&key.office, &key.date, &key.slot, &key.service],
        )
        .await?;
    Ok(row.get(0))
}

/// Expires the quota row's holds unpaid at `now` (the row must be locked): each gives its
/// place back and frees its NIK's date, and the places go to the date's waitlist first. How
/// many expired.
async fn expire_holds(
    tx: &Transaction<'_>,
    central: &Central,
    key: &QuotaKey,
    now: DateTime<Utc>,
) -> ApiResult<i32> {
    let rows = tx
        .query(
            "UPDATE applications SET state = 'expired', updated_at = $5
             WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4
               AND state = 'awaiting_payment' AND bill_expires_at <= $5
             RETURNING id, nik_hash",
            &[&key.office, &key.date, &key.slot, &key.service, &now],
        )
        .await?;
    for row in &rows {
        let id: String = row.get(0);
        let nik_hash: Vec<u8> = row.get(1);
        tx.execute(
            "DELETE FROM nik_dates WHERE nik_hash = $1 AND date = $2 AND application_id = $3",
            &[&nik_hash, &key.date, &id],
        )
        .await?;
        history(tx, &key.office, &id, state::EXPIRED, now).await?;
    }
    let expired = rows.len() as i32;
    if expired > 0 {
        tracing::info!(office = %key.office, date = %key.date, slot = %key.slot, expired, "unpaid holds expired");
        add_taken(tx, key, -expired).await?;
        give_back(tx, central, key, now).await?;
    }
    Ok(expired)
}

/// After places of the locked quota row came back: the waitlist's first ones are offered them.
pub async fn give_back(
    tx: &Transaction<'_>,
    central: &Central,
    key: &QuotaKey,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let row = tx
        .query_one(
            "SELECT capacity, taken FROM quota WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4",
            &[&key.office, &key.date, &key.slot, &key.service],
        )
        .await?;
    crate::waitlist::offer(tx, central, key, row.get(0), row.get(1), now).await?;
    Ok(())
}

/// Changes the places taken of a locked quota row by `by`.
pub async fn add_taken(tx: &Transaction<'_>, key: &QuotaKey, by: i32) -> ApiResult<()> {
    tx.execute(
        "UPDATE quota SET taken = taken + $5 WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4",
        &[&key.office, &key.date, &key.slot, &key.service, &by],
    )
    .await?;
    Ok(())
}

/// Adds a line to the application's history; a state the applicant is told of by e-mail
/// ([`crate::letters::Kind::for_state`]) queues its letter in the same statement.
pub async fn history(
    tx: &Transaction<'_>,
    office: &str,
    id: &str,
    state: &str,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let letter = crate::letters::Kind::for_state(state).map(crate::letters::Kind::as_str);
    tx.execute(
        "WITH line AS (INSERT INTO application_history (office_id, application_id, state, at) VALUES ($1, $2, $3, $4))
         INSERT INTO mail_outbox (kind, office_id, application_id, created_at)
         SELECT $5::text, $1, $2, $4 WHERE $5::text IS NOT NULL",
        &[&office, &id, &state, &at, &letter],
    )
    .await?;
    Ok(())
}

/// What a hub receives of a booking (`GET /sync/appointments`); the full NIK is added when
/// the feed is read, from the sealed copy, and never stored in the feed.
#[derive(Debug, Clone, Serialize)]
pub struct Appointment {
    pub booking_code: String,
    pub office: String,
    pub service: String,
    pub date: NaiveDate,
    pub slot: String,
    pub name: String,
    pub nik_last4: String,
    pub state: String,
    pub qr: Option<String>,
    pub rescheduled: bool,
}

/// The appointment as it is now in the transaction.
pub async fn appointment(tx: &Transaction<'_>, office: &str, id: &str) -> ApiResult<Appointment> {
    let row = tx
        .query_one(
            "SELECT a.booking_code, a.service, a.date, a.slot, p.name, p.nik_last4, a.state, a.qr, a.rescheduled
             FROM applications a JOIN applicants p ON p.id = a.applicant_id
             WHERE a.office_id = $1 AND a.id = $2",
            &[&office, &id],
        )
        .await?;
    Ok(Appointment {
        booking_code: row.get(0),
        office: office.to_owned(),
        service: row.get(1),
        date: row.get(2),
        slot: row.get(3),
        name: row.get(4),
        nik_last4: row.get(5),
        state: row.get(6),
        qr: row.get(7),
        rescheduled: row.get(8),
    })
}

/// Appends a change of the application to its office's feed. Call it last before the commit:
/// the feed row stays locked until then. PostgreSQL delivers the NOTIFY at the commit.
pub async fn append_change(
    tx: &Transaction<'_>,
    office: &str,
    id: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let appointment = serde_json::to_value(appointment(tx, office, id).await?).map_err(|e| {
        tracing::error!(%e, "appointment not serializable");
        ApiError::new(ErrorCode::Internal, "internal error")
    })?;
    let cursor: i64 = tx
        .query_one(
            "UPDATE office_feeds SET last_cursor = last_cursor + 1 WHERE office_id = $1 RETURNING last_cursor",
            &[&office],
        )
        .await?
        .get(0);
    tx.execute(
        "INSERT INTO changes (office_id, cursor, kind, application_id, appointment, at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&office, &cursor, &kind, &id, &appointment, &now],
    )
    .await?;
    tx.execute("SELECT pg_notify('antrian_changes', $1)", &[&office]).await?;
    Ok(cursor)
}

/// A new application's codes: the booking code, and the 15-digit bill code (kode billing)
/// whose first three digits are the office's number.
pub fn new_codes(office_number: i32) -> (String, String) {
    let serial: u64 = rand::rngs::OsRng.gen_range(0..1_000_000_000_000);
    (code::generate(), format!("{office_number:03}{serial:012}"))
}

/// Signs the booking QR of a booked application.
pub fn sign_qr(
    central: &Central,
    office: &str,
    booking_code: &str,
    service: &str,
    date: NaiveDate,
    slot: &str,
) -> ApiResult<String> {
    let slot = antrian_rules::calendar::parse_label(slot)
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, format!("slot {slot:?} is not HH:MM")))?;
    let claim = BookingClaim {
        booking_code: booking_code.to_owned(),
        office: office.to_owned(),
        service: service.to_owned(),
        date,
        slot,
    };
    central
        .keys
        .issuer
        .sign(&claim)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot sign the QR: {e}")))
}

/// A new hold: an application awaiting payment of its bill until `expires_at`.
#[derive(Debug)]
pub struct Hold<'a> {
    pub key: &'a QuotaKey,
    pub account: i64,
    pub applicant: i64,
    pub nik_hash: &'a [u8],
    pub passport_type: &'a str,
    pub fast_track: bool,
    pub amount: i64,
    pub expires_at: DateTime<Utc>,
}

/// Stores a hold with new booking and bill codes, and its first history line: its id
/// (`OFFICE.CODE`) and bill code. The place itself is taken by the caller, which holds the
/// quota row.
pub async fn insert_hold(
    tx: &Transaction<'_>,
    central: &Central,
    hold: &Hold<'_>,
    now: DateTime<Utc>,
) -> ApiResult<(String, String)> {
    let key = hold.key;
    let number = central.numbers.get(&key.office).copied().unwrap_or(0);
    let (booking_code, bill_code) = new_codes(number);
    let id = format!("{}.{booking_code}", key.office);
    tx.execute(
        "INSERT INTO applications (office_id, id, account_id, applicant_id, nik_hash, service, passport_type, fast_track,
            date, slot, state, booking_code, bill_code, amount, bill_expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'awaiting_payment', $11, $12, $13, $14, $15, $15)",
        &[
            &key.office,
            &id,
            &hold.account,
            &hold.applicant,
            &hold.nik_hash,
            &key.service,
            &hold.passport_type,
            &hold.fast_track,
            &key.date,
            &key.slot,
            &booking_code,
            &bill_code,
            &hold.amount,
            &hold.expires_at,
            &now,
        ],
    )
    .await?;
    history(tx, &key.office, &id, state::AWAITING_PAYMENT, now).await?;
    Ok((id, bill_code))
}

/// A payment notification's outcome, as stored with it and answered again for a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paid {
    Booked,
    Expired,
    AmountMismatch,
    AlreadyPaid,
    Cancelled,
}

impl Paid {
    pub fn as_str(self) -> &'static str {
        match self {
            Paid::Booked => "booked",
            Paid::Expired => "expired",
            Paid::AmountMismatch => "amount_mismatch",
            Paid::AlreadyPaid => "already_paid",
            Paid::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Paid {
        match text {
            "booked" => Paid::Booked,
            "amount_mismatch" => Paid::AmountMismatch,
            "already_paid" => Paid::AlreadyPaid,
            "cancelled" => Paid::Cancelled,
            _ => Paid::Expired,
        }
    }
}

/// A payment notification, checked for its signature already.
#[derive(Debug, Clone)]
pub struct Payment {
    pub channel: String,
    pub bill_code: String,
    pub amount: i64,
    pub paid_at: DateTime<Utc>,
    pub reference: String,
}

/// Records a payment and books its application if the bill is still open and the amount is
/// the bill's. The same notification again (same channel and reference) does nothing and
/// answers as the first time. Returns the application id and the outcome.
pub async fn pay(central: &Central, office: &str, payment: &Payment) -> ApiResult<(String, Paid)> {
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let found = client
        .query_opt(
            "SELECT id, date, slot, service FROM applications WHERE office_id = $1 AND bill_code = $2",
            &[&office, &payment.bill_code],
        )
        .await?
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, format!("no bill {} is known", payment.bill_code))
        })?;
    let id: String = found.get(0);
    let key =
        QuotaKey { office: office.to_owned(), date: found.get(1), slot: found.get(2), service: found.get(3) };
    let tx = client.transaction().await?;
    let inserted = tx
        .execute(
            "INSERT INTO payments (office_id, channel, reference, bill_code, amount, paid_at, outcome, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, '', $7) ON CONFLICT DO NOTHING",
            &[&office, &payment.channel, &payment.reference, &payment.bill_code, &payment.amount, &payment.paid_at, &now],
        )
        .await?;
    if inserted == 0 {
        let outcome: String = tx
            .query_one(
                "SELECT outcome FROM payments WHERE office_id = $1 AND channel = $2 AND reference = $3",
                &[&office, &payment.channel, &payment.reference],
            )
            .await?
            .get(0);
        return Ok((id, Paid::parse(&outcome)));
    }
    lock_quota_row_only(&tx, &key).await?;
    let row = tx
        .query_one(
            "SELECT state, amount, bill_expires_at, booking_code FROM applications WHERE office_id = $1 AND id = $2 FOR UPDATE",
            &[&office, &id],
        )
        .await?;
    let (state, amount, expires_at, booking_code): (String, i64, DateTime<Utc>, String) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let outcome = match state.as_str() {
        state::AWAITING_PAYMENT if payment.amount != amount => Paid::AmountMismatch,
        // Paid in time counts, even if the notification comes a little after the bill's end,
        // as long as the hold has not been given up yet.
        state::AWAITING_PAYMENT if payment.paid_at <= expires_at => {
            let qr = sign_qr(central, office, &booking_code, &key.service, key.date, &key.slot)?;
            tx.execute(
                "UPDATE applications SET state = 'booked', qr = $3, updated_at = $4 WHERE office_id = $1 AND id = $2",
                &[&office, &id, &qr, &now],
            )
            .await?;
            history(&tx, office, &id, state::BOOKED, now).await?;
            append_change(&tx, office, &id, "upsert", now).await?;
            Paid::Booked
        }
        state::AWAITING_PAYMENT => {
            // Paid after the bill's end: the hold goes (if the sweep has not taken it yet).
            if expires_at <= now {
                expire_holds(&tx, central, &key, now).await?;
            }
            Paid::Expired
        }
        state::EXPIRED => Paid::Expired,
        state::CANCELLED => Paid::Cancelled,
        _ => Paid::AlreadyPaid,
    };
    tx.execute(
        "UPDATE payments SET outcome = $4 WHERE office_id = $1 AND channel = $2 AND reference = $3",
        &[&office, &payment.channel, &payment.reference, &outcome.as_str()],
    )
    .await?;
    tx.commit().await?;
    if outcome == Paid::Booked {
        tracing::info!(office, application = %id, "paid and booked");
    }
    Ok((id, outcome))
}

/// Locks a quota row that must exist (an application holds a place in it).
pub async fn lock_quota_row_only(tx: &Transaction<'_>, key: &QuotaKey) -> ApiResult<()> {
    tx.query_opt(
        "SELECT taken FROM quota WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4 FOR UPDATE",
        &[&key.office, &key.date, &key.slot, &key.service],
    )
    .await?;
    Ok(())
}

/// Cancels an application awaiting payment or booked: its place returns, its NIK's date is
/// freed, and a hub that has it hears of it. Cancelling again answers the same.
pub async fn cancel(central: &Central, office: &str, id: &str) -> ApiResult<()> {
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let found = client
        .query_opt(
            "SELECT date, slot, service FROM applications WHERE office_id = $1 AND id = $2",
            &[&office, &id],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("application"))?;
    let key =
        QuotaKey { office: office.to_owned(), date: found.get(0), slot: found.get(1), service: found.get(2) };
    let tx = client.transaction().await?;
    lock_quota_row_only(&tx, &key).await?;
    let row = tx
        .query_one(
            "SELECT state, nik_hash FROM applications WHERE office_id = $1 AND id = $2 FOR UPDATE",
            &[&office, &id],
        )
        .await?;
    let (current, nik_hash): (String, Vec<u8>) = (row.get(0), row.get(1));
    match current.as_str() {
        state::CANCELLED => return Ok(()),
        state::AWAITING_PAYMENT | state::BOOKED => {}
        state::EXPIRED => {
            return Err(ApiError::new(
                ErrorCode::Expired,
                "this application expired unpaid; nothing to cancel",
            ));
        }
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidTransition,
                format!("an application that is {other} can no longer be cancelled"),
            ));
        }
    }
    tx.execute(
        "UPDATE applications SET state = 'cancelled', updated_at = $3 WHERE office_id = $1 AND id = $2",
        &[&office, &id, &now],
    )
    .await?;
    add_taken(&tx, &key, -1).await?;
    tx.execute("DELETE FROM nik_dates WHERE nik_hash = $1 AND application_id = $2", &[&nik_hash, &id])
        .await?;
    history(&tx, office, id, state::CANCELLED, now).await?;
    give_back(&tx, central, &key, now).await?;
    if current == state::BOOKED {
        append_change(&tx, office, id, "cancel", now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Expires, every few seconds, the holds whose bill ran out, on every office (each replica
/// runs one; they share the work, skipping a quota row another is holding).
pub fn spawn_sweeper(central: Arc<Central>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(15)).await;
            if let Err(error) = sweep(&central).await {
                tracing::warn!(message = %error.message, "the sweep of unpaid holds failed; trying again");
            }
        }
    });
}

/// One sweep over every office; how many holds expired.
pub async fn sweep(central: &Central) -> ApiResult<i32> {
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let due = client
        .query(
            "SELECT DISTINCT office_id, date, slot, service FROM applications
             WHERE state = 'awaiting_payment' AND bill_expires_at <= $1 LIMIT 500",
            &[&now],
        )
        .await?;
    let mut expired = 0;
    for row in due {
        let key = QuotaKey { office: row.get(0), date: row.get(1), slot: row.get(2), service: row.get(3) };
        let tx = client.transaction().await?;
        let locked = tx
            .query_opt(
                "SELECT taken FROM quota WHERE office_id = $1 AND date = $2 AND slot = $3 AND service = $4
                 FOR UPDATE SKIP LOCKED",
                &[&key.office, &key.date, &key.slot, &key.service],
            )
            .await?;
        if locked.is_some() {
            expired += expire_holds(&tx, central, &key, now).await?;
        }
        tx.commit().await?;
    }
    Ok(expired)
}

/// An application as its owner sees it: the pages, the letters and [`view`] read this.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub office: String,
    pub state: String,
    pub service: String,
    pub passport_type: String,
    pub fast_track: bool,
    pub date: NaiveDate,
    pub slot: String,
    /// Shown once booked.
    pub booking_code: Option<String>,
    pub bill_code: String,
    /// Rupiah.
    pub amount: i64,
    pub bill_expires_at: DateTime<Utc>,
    pub qr: Option<String>,
    pub rescheduled: bool,
    pub applicant: i64,
    pub name: String,
    pub nik_last4: String,
    pub account: i64,
    pub email: String,
    /// The account's language, `id` or `en`.
    pub lang: String,
    /// Every state it has been in, with when, oldest first.
    pub history: Vec<(String, DateTime<Utc>)>,
}

/// Reads an application (404 when there is none).
pub async fn record(
    client: &impl tokio_postgres::GenericClient,
    office: &str,
    id: &str,
) -> ApiResult<Record> {
    let row = client
        .query_opt(
            "SELECT a.state, a.service, a.passport_type, a.fast_track, a.date, a.slot, a.booking_code, a.bill_code,
                    a.amount, a.bill_expires_at, a.qr, a.rescheduled, a.applicant_id, p.name, p.nik_last4,
                    c.id, c.email, c.lang,
                    ARRAY(SELECT h.state FROM application_history h WHERE h.office_id = a.office_id AND h.application_id = a.id ORDER BY h.seq),
                    ARRAY(SELECT h.at FROM application_history h WHERE h.office_id = a.office_id AND h.application_id = a.id ORDER BY h.seq)
             FROM applications a JOIN applicants p ON p.id = a.applicant_id JOIN accounts c ON c.id = a.account_id
             WHERE a.office_id = $1 AND a.id = $2",
            &[&office, &id],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("application"))?;
    let qr: Option<String> = row.get(10);
    let states: Vec<String> = row.get(18);
    let times: Vec<DateTime<Utc>> = row.get(19);
    Ok(Record {
        id: id.to_owned(),
        office: office.to_owned(),
        state: row.get(0),
        service: row.get(1),
        passport_type: row.get(2),
        fast_track: row.get(3),
        date: row.get(4),
        slot: row.get(5),
        booking_code: qr.as_ref().map(|_| row.get(6)),
        bill_code: row.get(7),
        amount: row.get(8),
        bill_expires_at: row.get(9),
        qr,
        rescheduled: row.get(11),
        applicant: row.get(12),
        name: row.get(13),
        nik_last4: row.get(14),
        account: row.get(15),
        email: row.get(16),
        lang: row.get(17),
        history: states.into_iter().zip(times).collect(),
    })
}

/// The JSON of an application as its owner sees it.
pub async fn view(
    client: &tokio_postgres::Client,
    central: &Central,
    office: &str,
    id: &str,
) -> ApiResult<serde_json::Value> {
    let r = record(client, office, id).await?;
    let tz = central.config.tz(office);
    let local = |at: DateTime<Utc>| {
        at.with_timezone(&tz).fixed_offset().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    let history: Vec<_> =
        r.history.iter().map(|(state, at)| json!({"state": state, "at": local(*at)})).collect();
    Ok(json!({
        "id": id,
        "state": r.state,
        "office": office,
        "service": r.service,
        "passport_type": r.passport_type,
        "fast_track": r.fast_track,
        "date": r.date,
        "slot": r.slot,
        "applicant": {"id": r.applicant, "name": r.name, "nik_last4": r.nik_last4},
        "bill": {"code": r.bill_code, "amount": r.amount, "expires_at": local(r.bill_expires_at)},
        "booking_code": r.booking_code,
        "qr": r.qr,
        "rescheduled": r.rescheduled,
        "history": history,
    }))
}
