//! The waitlist of a full date (CENTRAL.md, Waitlist): an applicant joins when every slot of
//! the date is taken; a place given back (cancel, expired hold, a booking moved away) is
//! offered, in the same transaction, to the first one waiting — held as an application awaiting
//! payment for `payments.offer_minutes` — and the offer is announced by e-mail (its bill's
//! letter, written as the offer; [`crate::letters`]).

use antrian_proto::ErrorCode;
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Transaction;

use crate::Central;
use crate::booking::{self, QuotaKey};
use crate::error::{ApiError, ApiResult};

/// Offers the places free in the locked quota row `key` (of `capacity` places, `taken` taken)
/// to the first ones waiting for its date; returns the places taken now.
pub async fn offer(
    tx: &Transaction<'_>,
    central: &Central,
    key: &QuotaKey,
    capacity: i32,
    mut taken: i32,
    now: DateTime<Utc>,
) -> ApiResult<i32> {
    // A slot that has begun (or a past date) is offered to no one: nobody could come.
    let local = now.with_timezone(&central.config.tz(&key.office)).naive_local();
    let start = antrian_rules::calendar::parse_label(&key.slot).unwrap_or_default();
    if key.date.and_time(start) <= local {
        return Ok(taken);
    }
    while taken < capacity {
        let first = tx
            .query_opt(
                "SELECT id, account_id, applicant_id, nik_hash, passport_type, fast_track FROM waitlist
                 WHERE office_id = $1 AND service = $2 AND date = $3 AND state = 'waiting'
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                &[&key.office, &key.service, &key.date],
            )
            .await?;
        let Some(first) = first else { break };
        let (entry, account, applicant, nik_hash, passport_type, fast_track): (
            i64,
            i64,
            i64,
            Vec<u8>,
            String,
            bool,
        ) = (first.get(0), first.get(1), first.get(2), first.get(3), first.get(4), first.get(5));
        // The NIK may have booked elsewhere meanwhile, or reached its limit: then skip it.
        let today = now.with_timezone(&central.config.tz(&key.office)).date_naive();
        let active: i64 = tx
            .query_one(
                "SELECT count(*) FROM nik_dates WHERE nik_hash = $1 AND date >= $2",
                &[&nik_hash, &today],
            )
            .await?
            .get(0);
        let free_day = active < i64::from(central.config.limits.max_active_per_nik)
            && tx
                .execute(
                    "INSERT INTO nik_dates (nik_hash, date, office_id, application_id) VALUES ($1, $2, $3, '')
                     ON CONFLICT DO NOTHING",
                    &[&nik_hash, &key.date, &key.office],
                )
                .await?
                == 1;
        if !free_day {
            tx.execute(
                "UPDATE waitlist SET state = 'skipped' WHERE office_id = $1 AND id = $2",
                &[&key.office, &entry],
            )
            .await?;
            continue;
        }
        let amount = central.config.fees.amount(&passport_type, fast_track).unwrap_or(0);
        let expires_at = now + chrono::Duration::minutes(i64::from(central.config.payments.offer_minutes));
        let hold = booking::Hold {
            key,
            account,
            applicant,
            nik_hash: &nik_hash,
            passport_type: &passport_type,
            fast_track,
            amount,
            expires_at,
        };
        let (id, _) = booking::insert_hold(tx, central, &hold, now).await?;
        tx.execute(
            "UPDATE nik_dates SET application_id = $3 WHERE nik_hash = $1 AND date = $2",
            &[&nik_hash, &key.date, &id],
        )
        .await?;
        tx.execute(
            "UPDATE waitlist SET state = 'offered', application_id = $3 WHERE office_id = $1 AND id = $2",
            &[&key.office, &entry, &id],
        )
        .await?;
        booking::add_taken(tx, key, 1).await?;
        taken += 1;
        tracing::info!(office = %key.office, application = %id, "a returned place offered to the waitlist");
    }
    Ok(taken)
}

/// A new waitlist entry: the date must be full for the service (every slot taken).
pub struct Join {
    pub account: i64,
    pub applicant: i64,
    pub office: String,
    pub service: String,
    pub passport_type: String,
    pub fast_track: bool,
    pub date: NaiveDate,
}

/// Adds the applicant to the date's waitlist; its id and place in line (1: first).
pub async fn join(central: &Central, join: Join, slots: &[antrian_rules::Slot]) -> ApiResult<(String, i64)> {
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT nik_hash FROM applicants WHERE id = $1 AND account_id = $2",
            &[&join.applicant, &join.account],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("applicant"))?;
    let nik_hash: Vec<u8> = row.get(0);
    let tx = client.transaction().await?;
    booking::lock_nik(&tx, &nik_hash).await?;
    let booked = tx
        .query_opt("SELECT 1 FROM nik_dates WHERE nik_hash = $1 AND date = $2", &[&nik_hash, &join.date])
        .await?;
    antrian_rules::nik::check_one_per_day(join.date, booked.is_some(), false)?;
    let already = tx
        .query_opt(
            "SELECT 1 FROM waitlist WHERE office_id = $1 AND date = $2 AND nik_hash = $3 AND state IN ('waiting', 'offered')",
            &[&join.office, &join.date, &nik_hash],
        )
        .await?;
    if already.is_some() {
        return Err(ApiError::new(
            ErrorCode::AlreadyExists,
            "this applicant is already on this date's waitlist",
        )
        .because("waitlist"));
    }
    if !slots.iter().any(|s| s.capacity_for(&join.service) > 0) {
        return Err(ApiError::new(
            ErrorCode::Closed,
            format!(
                "there are no places of service {} on {} to wait for: choose another date",
                join.service, join.date
            ),
        ));
    }
    // Full means every slot offering the service has no place (expired holds not counted).
    for slot in slots.iter().filter(|s| s.capacity_for(&join.service) > 0) {
        let key = QuotaKey {
            office: join.office.clone(),
            date: join.date,
            slot: slot.label(),
            service: join.service.clone(),
        };
        let taken =
            booking::lock_quota(&tx, central, &key, slot.capacity_for(&join.service) as i32, now).await?;
        if taken < slot.capacity_for(&join.service) as i32 {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "there are still places on {} (the {} session): book one instead",
                    join.date,
                    slot.label()
                ),
            )
            .because("places_left"));
        }
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO waitlist (office_id, account_id, applicant_id, nik_hash, service, passport_type, fast_track, date, state, joined_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $9) RETURNING id",
            &[&join.office, &join.account, &join.applicant, &nik_hash, &join.service, &join.passport_type, &join.fast_track, &join.date, &now],
        )
        .await?
        .get(0);
    let position: i64 = tx
        .query_one(
            "SELECT count(*) FROM waitlist WHERE office_id = $1 AND service = $2 AND date = $3 AND state = 'waiting' AND id <= $4",
            &[&join.office, &join.service, &join.date, &id],
        )
        .await?
        .get(0);
    tx.commit().await?;
    Ok((format!("{}.{id}", join.office), position))
}
