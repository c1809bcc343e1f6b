//! The waiting room in front of a quota release (issue 15; CENTRAL.md, "the quota-release
//! waiting room"). When an office's places open (every Friday 14:00 WIB, or each night), the
//! booking engine must never see the whole wave, and arriving at 13:58 must not be worse than at
//! 13:59:59.
//!
//! - **A room** is one office's release: the instant its dates open (`Office::released_at`).
//!   It stands in front of those dates from `prequeue_minutes` before the release until
//!   `open_minutes` after it. Only offices with `[offices.waiting_room]` have rooms.
//! - **Joining** costs a proof of work (SHA-256 of a signed challenge and a nonce with
//!   `pow_bits` leading zero bits; the page computes it with Web Crypto) and gives one place per
//!   account and per NIK — however many tabs, devices or replicas ask, the same place comes
//!   back, bound to the account.
//! - **Order**: those who joined before the release (the pre-queue) are put in a uniformly
//!   random order at the release (`lottery`, drawn at join from the OS's random source); those
//!   who join later queue behind them in arrival order. Positions are 1..N with no gap.
//! - **Admission**: one replica at a time (`FOR UPDATE SKIP LOCKED`) moves `admitted_through`
//!   forward at `rate_per_minute`, never past `max_active` admitted-but-not-booked. An admitted
//!   visitor gets a signed admission, bound to the account and the release, valid for
//!   `admission_minutes`; the booking path refuses the release's dates without one
//!   (`not_admitted`).
//! - **Status polls** cost no database round trip: a place is a signed token, and a replica
//!   answers from a snapshot of the room it refreshes at most once a second (the draw's order
//!   is read once, as a sorted list of lotteries, and a position is found in it by binary
//!   search).
//!
//! Nothing that matters lives in a replica's memory: the rooms, places and admissions are in
//! PostgreSQL or in signed tokens; the snapshot is a cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use antrian_proto::ErrorCode;
use chrono::{DateTime, NaiveDate, Utc};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Central;
use crate::config::{Office, WaitingRoom};
use crate::error::{ApiError, ApiResult};

/// A room: an office's release.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoomKey {
    pub office: String,
    pub release_at: DateTime<Utc>,
}

impl RoomKey {
    fn unix(&self) -> i64 {
        self.release_at.timestamp()
    }
}

/// The release instants of an office near `now`: those whose room window holds `now`, or the
/// next one ahead.
fn releases(office: &Office, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let today = office.local(now).date();
    let mut found: Vec<DateTime<Utc>> = (-2..60)
        .filter_map(|d| {
            let date = today + chrono::Duration::days(d);
            office.released_at(date).and_local_timezone(office.tz()).earliest().map(|t| t.to_utc())
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The room whose window holds `now` (from the pre-queue's opening to `open_minutes` after the
/// release), or else the next one to open; `None` for an office without a waiting room.
pub fn room_of(office: &Office, now: DateTime<Utc>) -> Option<(RoomKey, &WaitingRoom)> {
    let config = office.waiting_room.as_ref()?;
    let open = chrono::Duration::minutes(i64::from(config.open_minutes));
    let release = releases(office, now).into_iter().find(|r| *r + open > now)?;
    Some((RoomKey { office: office.id.clone(), release_at: release }, config))
}

/// The room standing in front of `date` at `now`, if one does.
pub fn guarding(office: &Office, date: NaiveDate, now: DateTime<Utc>) -> Option<(RoomKey, &WaitingRoom)> {
    let config = office.waiting_room.as_ref()?;
    let release = office.released_at(date).and_local_timezone(office.tz()).earliest()?.to_utc();
    let from = release - chrono::Duration::minutes(i64::from(config.prequeue_minutes));
    let until = release + chrono::Duration::minutes(i64::from(config.open_minutes));
    (from <= now && now < until).then(|| (RoomKey { office: office.id.clone(), release_at: release }, config))
}

// --- Tokens ---------------------------------------------------------------------------------

/// A place in a room, as its signed token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub room: RoomKey,
    pub account: i64,
    pub lottery: i64,
    /// Joined after the release: numbered behind the pre-queue in arrival order (else numbered
    /// by the draw).
    pub late: bool,
}

fn room_text(room: &RoomKey) -> String {
    format!("{}.{}", room.office, room.unix())
}

fn parse_room(office: &str, unix: &str) -> Option<RoomKey> {
    Some(RoomKey { office: office.to_owned(), release_at: DateTime::from_timestamp(unix.parse().ok()?, 0)? })
}

pub fn place_token(central: &Central, place: &Place) -> String {
    central.keys.sign(&format!(
        "p1.{}.{}.{}.{}",
        room_text(&place.room),
        place.account,
        place.lottery,
        u8::from(place.late)
    ))
}

pub fn read_place(central: &Central, token: &str) -> Option<Place> {
    let text = central.keys.verify(token)?;
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        ["p1", office, unix, account, lottery, late] => Some(Place {
            room: parse_room(office, unix)?,
            account: account.parse().ok()?,
            lottery: lottery.parse().ok()?,
            late: *late == "1",
        }),
        _ => None,
    }
}

/// An admission to book the room's dates, for `account`, until `expires`.
pub fn admission_token(central: &Central, room: &RoomKey, account: i64, expires: DateTime<Utc>) -> String {
    central.keys.sign(&format!("a1.{}.{account}.{}", room_text(room), expires.timestamp()))
}

/// Checks an admission for the dates `room` stands in front of: 403 `not_admitted` unless it is
/// signed here, for this room and this account, and not expired.
pub fn check_admission(
    central: &Central,
    room: &RoomKey,
    account: i64,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let refuse = |why: &str| {
        ApiError::new(
            ErrorCode::NotAdmitted,
            format!(
                "the places released at {} go through the waiting room: {why}",
                room.release_at.to_rfc3339()
            ),
        )
    };
    let token = token.ok_or_else(|| refuse("join it and book once admitted"))?;
    let text = central.keys.verify(token).ok_or_else(|| refuse("this admission is not valid"))?;
    let parts: Vec<&str> = text.split('.').collect();
    let ["a1", office, unix, holder, expires] = parts.as_slice() else {
        return Err(refuse("this admission is not valid"));
    };
    if parse_room(office, unix).as_ref() != Some(room) {
        return Err(refuse("this admission is for another release"));
    }
    if holder.parse::<i64>().ok() != Some(account) {
        return Err(refuse("this admission belongs to another account"));
    }
    let expires = expires.parse::<i64>().ok().and_then(|e| DateTime::from_timestamp(e, 0));
    if expires.is_none_or(|e| e <= now) {
        return Err(refuse("this admission has expired"));
    }
    Ok(())
}

/// A challenge to join: signed, for this room and account, issued now.
pub fn challenge(central: &Central, room: &RoomKey, account: i64, now: DateTime<Utc>) -> String {
    let mut nonce = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    central.keys.sign(&format!(
        "c1.{}.{account}.{}.{}",
        room_text(room),
        now.timestamp(),
        data_encoding::HEXLOWER.encode(&nonce)
    ))
}

/// The number of leading zero bits of SHA-256(`challenge` + ":" + `nonce`).
pub fn work_bits(challenge: &str, nonce: &str) -> u32 {
    let digest = Sha256::digest(format!("{challenge}:{nonce}").as_bytes());
    let mut bits = 0;
    for byte in digest {
        if byte == 0 {
            bits += 8;
        } else {
            bits += byte.leading_zeros();
            break;
        }
    }
    bits
}

/// Finds a nonce for `challenge` with `bits` leading zero bits (the load generator's and the
/// tests' side of the proof of work; the page does the same with Web Crypto).
pub fn solve(challenge: &str, bits: u32) -> String {
    (0u64..).map(|n| n.to_string()).find(|n| work_bits(challenge, n) >= bits).unwrap_or_default()
}

fn check_challenge(
    central: &Central,
    room: &RoomKey,
    account: i64,
    config: &WaitingRoom,
    challenge: &str,
    nonce: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let refuse = |why: &str| {
        ApiError::new(ErrorCode::Forbidden, format!("the proof of work {why}: ask for a new challenge"))
    };
    let text =
        central.keys.verify(challenge).ok_or_else(|| refuse("is not for a challenge of this service"))?;
    let parts: Vec<&str> = text.split('.').collect();
    let ["c1", office, unix, holder, issued, _] = parts.as_slice() else {
        return Err(refuse("is not for a challenge of this service"));
    };
    if parse_room(office, unix).as_ref() != Some(room) || holder.parse::<i64>().ok() != Some(account) {
        return Err(refuse("is for another room or account"));
    }
    let issued = issued.parse::<i64>().ok().and_then(|i| DateTime::from_timestamp(i, 0));
    if issued.is_none_or(|i| now - i > chrono::Duration::minutes(30)) {
        return Err(refuse("is too old"));
    }
    if nonce.len() > 32 || work_bits(challenge, nonce) < config.pow_bits {
        return Err(refuse("is not done"));
    }
    Ok(())
}

// --- Joining --------------------------------------------------------------------------------

/// A place for the account's applicant (`applicant`, whose NIK may hold one place) in the room
/// open now at `office`. The same account again gets the same place; the same NIK from another
/// account is refused.
pub async fn join(
    central: &Central,
    office: &Office,
    account: i64,
    applicant: i64,
    (challenge_text, nonce): (&str, &str),
) -> ApiResult<(Place, RoomKey)> {
    let now = central.clock.now();
    let (room, config) = room_of(office, now)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this office has no waiting room"))?;
    let opens = room.release_at - chrono::Duration::minutes(i64::from(config.prequeue_minutes));
    if now < opens {
        return Err(ApiError::new(
            ErrorCode::NotReleased,
            format!("the waiting room opens at {}; come back then", opens.to_rfc3339()),
        ));
    }
    check_challenge(central, &room, account, config, challenge_text, nonce, now)?;
    if !central.rooms.get(central, &room).await?.exists {
        let client = central.pool.get().await?;
        client
            .execute(
                "INSERT INTO waiting_rooms (office_id, release_at, rate_per_minute, max_active, admitted_at)
                 VALUES ($1, $2, $3, $4, greatest($2::timestamptz, $5::timestamptz)) ON CONFLICT DO NOTHING",
                &[
                    &room.office,
                    &room.release_at,
                    &(config.rate_per_minute as i32),
                    &(config.max_active as i32),
                    &now,
                ],
            )
            .await?;
    }
    let client = central.pool.get().await?;
    let lottery = (rand::rngs::OsRng.next_u64() >> 1) as i64;
    // One row, one statement. A place taken before the release is numbered by the draw, a
    // few seconds after the release (`DRAW_GRACE_SECONDS`, so that joins still in flight are
    // in); one taken after it, behind the pre-queue in arrival order (`number_late`).
    let joined_at = if now >= room.release_at { central.clock.now().max(room.release_at) } else { now };
    let insert = client
        .prepare_cached(
            "INSERT INTO waiting_visitors (office_id, release_at, account_id, nik_hash, joined_at, lottery)
             SELECT $1, $2, $3, p.nik_hash, $5, $6 FROM applicants p WHERE p.id = $4 AND p.account_id = $3
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let inserted = client
        .execute(&insert, &[&room.office, &room.release_at, &account, &applicant, &joined_at, &lottery])
        .await?;
    if inserted == 1 {
        return Ok((
            Place { room: room.clone(), account, lottery, late: joined_at >= room.release_at },
            room,
        ));
    }
    // Not this account's applicant, or the account (another tab, device or replica) or the
    // NIK already holds a place.
    match lookup(&client, &room, account, applicant).await? {
        Some(place) => Ok((place, room)),
        None => Err(ApiError::new(ErrorCode::Unavailable, "the waiting room is busy; try again")),
    }
}

/// The place the account already holds in the room (404 for another account's applicant); the
/// applicant's NIK holding a place under another account is refused.
async fn lookup(
    client: &deadpool_postgres::Object,
    room: &RoomKey,
    account: i64,
    applicant: i64,
) -> ApiResult<Option<Place>> {
    let statement = client
        .prepare_cached(
            "SELECT v.account_id, v.lottery, v.joined_at
             FROM applicants p
             LEFT JOIN LATERAL (
                 SELECT account_id, lottery, joined_at FROM waiting_visitors
                 WHERE office_id = $1 AND release_at = $2 AND account_id = $3
                 UNION ALL
                 SELECT account_id, lottery, joined_at FROM waiting_visitors
                 WHERE office_id = $1 AND release_at = $2 AND nik_hash = p.nik_hash) v ON true
             WHERE p.id = $4 AND p.account_id = $3",
        )
        .await?;
    let rows = client.query(&statement, &[&room.office, &room.release_at, &account, &applicant]).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found("applicant"));
    }
    let held: Vec<(i64, i64, DateTime<Utc>)> = rows
        .iter()
        .filter_map(|r| {
            Some((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<DateTime<Utc>>>(2)?,
            ))
        })
        .collect();
    if let Some((_, lottery, joined)) = held.iter().find(|(holder, ..)| *holder == account) {
        let place =
            Place { room: room.clone(), account, lottery: *lottery, late: *joined >= room.release_at };
        return Ok(Some(place));
    }
    if !held.is_empty() {
        return Err(ApiError::new(
            ErrorCode::AlreadyExists,
            "this applicant already has a place in this waiting room, with another account; a place cannot be moved",
        ));
    }
    Ok(None)
}

/// Puts the pre-queue in its random order (the room's row must be locked): positions 1..n by
/// lottery. Returns n.
async fn draw(tx: &tokio_postgres::Transaction<'_>, room: &RoomKey, now: DateTime<Utc>) -> ApiResult<i32> {
    // The table filled within minutes: without fresh statistics the planner would join the
    // numbering to it row by row (quadratic; minutes for 100,000 places).
    tx.batch_execute("ANALYZE waiting_visitors").await?;
    let numbered = tx
        .execute(
            "WITH drawn AS (
                SELECT account_id, row_number() OVER (ORDER BY lottery, account_id) AS n
                FROM waiting_visitors WHERE office_id = $1 AND release_at = $2 AND joined_at < $2)
             UPDATE waiting_visitors v SET position = drawn.n FROM drawn
             WHERE v.office_id = $1 AND v.release_at = $2 AND v.account_id = drawn.account_id",
            &[&room.office, &room.release_at],
        )
        .await? as i32;
    tx.execute(
        "UPDATE waiting_rooms SET drawn_at = $3, prequeue_count = $4 WHERE office_id = $1 AND release_at = $2",
        &[&room.office, &room.release_at, &now, &numbered],
    )
    .await?;
    tracing::info!(office = %room.office, release = %room.release_at, prequeue = numbered, "the pre-queue is drawn");
    Ok(numbered)
}

// --- Admission ------------------------------------------------------------------------------

/// Every second: draws the rooms whose release has come, and admits at each room's rate.
pub fn spawn_admitter(central: Arc<Central>) {
    if !central.config.offices.iter().any(|o| o.waiting_room.is_some()) {
        return;
    }
    tokio::spawn(async move {
        loop {
            if let Err(error) = admit(&central).await {
                tracing::warn!(message = %error.message, "the waiting room's admission failed; trying again");
            }
            tokio::time::sleep(Duration::from_millis(1000)).await;
        }
    });
}

async fn admit(central: &Central) -> ApiResult<()> {
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    fresh_statistics(&mut client).await?;
    for office in central.config.offices.iter().filter(|o| o.waiting_room.is_some()) {
        let Some((room, config)) = room_of(office, now) else { continue };
        if now < room.release_at + chrono::Duration::seconds(DRAW_GRACE_SECONDS) {
            continue;
        }
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT drawn_at IS NOT NULL, prequeue_count, late_count, admitted_through, admitted_at,
                        rate_per_minute, max_active
                 FROM waiting_rooms WHERE office_id = $1 AND release_at = $2 FOR UPDATE SKIP LOCKED",
                &[&room.office, &room.release_at],
            )
            .await?;
        let Some(row) = row else { continue };
        let (drawn, mut prequeue, late, through, mut at, rate, max_active): (
            bool,
            i32,
            i32,
            i32,
            DateTime<Utc>,
            i32,
            i32,
        ) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6));
        if !drawn {
            prequeue = draw(&tx, &room, now).await?;
        }
        let late = late + number_late(&tx, &room, prequeue + late, now).await?;
        let total = prequeue + late;
        let mut allowance = if rate > 0 {
            ((now - at).num_milliseconds().max(0) as f64 * f64::from(rate) / 60_000.0).floor() as i32
        } else {
            0
        };
        let mut capped = false;
        if max_active > 0 && allowance > 0 {
            let window = now - chrono::Duration::minutes(i64::from(config.admission_minutes));
            let stale: i32 = tx
                .query_one(
                    "SELECT COALESCE(max(through), 0) FROM waiting_admissions WHERE office_id = $1 AND release_at = $2 AND at <= $3",
                    &[&room.office, &room.release_at, &window],
                )
                .await?
                .get(0);
            let booked: i64 = tx
                .query_one(
                    "SELECT count(*) FROM waiting_visitors WHERE office_id = $1 AND release_at = $2 AND booked",
                    &[&room.office, &room.release_at],
                )
                .await?
                .get(0);
            let active = through - stale.max(booked as i32);
            let room_left = (max_active - active).max(0);
            if room_left < allowance {
                allowance = room_left;
                capped = true;
            }
        }
        let next = (through + allowance).min(total);
        let admitted = next - through;
        if admitted > 0 {
            at += chrono::Duration::milliseconds((f64::from(admitted) * 60_000.0 / f64::from(rate)) as i64);
            tx.execute(
                "INSERT INTO waiting_admissions (office_id, release_at, through, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&room.office, &room.release_at, &next, &now],
            )
            .await?;
        }
        // Admission does not pile up while nobody waits, nor while the cap holds.
        if next >= total || capped || rate == 0 {
            at = now;
        }
        tx.execute(
            "UPDATE waiting_rooms SET admitted_through = $3, admitted_at = $4 WHERE office_id = $1 AND release_at = $2",
            &[&room.office, &room.release_at, &next, &at],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Gathers the planner's statistics of `waiting_visitors` again once the rows changed since
/// the last time outnumber half of those it counted (and at least 1,000). A room fills from
/// nothing to 100,000s of places within minutes, long before autovacuum would look (a minute
/// at the least), and without statistics the planner once read a whole room for each join
/// (see `V5__waiting_indexes.sql`). About a dozen times over a fill of 200,000; one replica at
/// a time (an advisory lock).
async fn fresh_statistics(client: &mut deadpool_postgres::Object) -> ApiResult<()> {
    let tx = client.transaction().await?;
    let stale: bool = tx
        .query_one(
            "SELECT COALESCE((SELECT s.n_mod_since_analyze > greatest(1000, c.reltuples::bigint / 2)
                              FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                              WHERE s.relid = 'waiting_visitors'::regclass), false)
                    AND pg_try_advisory_xact_lock(hashtext('antrian waiting_visitors statistics'))",
            &[],
        )
        .await?
        .get(0);
    if stale {
        tx.batch_execute("ANALYZE waiting_visitors").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How long after the release the pre-queue is drawn: a join sent before the release whose
/// row is written a little after it is still in the draw.
const DRAW_GRACE_SECONDS: i64 = 2;

/// How long after joining a late place waits to be numbered: a join whose transaction began
/// earlier but committed later is still numbered before it (arrival order).
const NUMBERING_GRACE_SECONDS: i64 = 2;

/// Numbers the places taken after the release (the room's row locked), behind the `numbered`
/// already numbered, in arrival order — and any pre-queue place whose row came after the draw
/// (a join stalled past `DRAW_GRACE_SECONDS`), so that no place is ever left without a number.
/// How many were numbered.
async fn number_late(
    tx: &tokio_postgres::Transaction<'_>,
    room: &RoomKey,
    numbered: i32,
    now: DateTime<Utc>,
) -> ApiResult<i32> {
    let until = now - chrono::Duration::seconds(NUMBERING_GRACE_SECONDS);
    let count = tx
        .execute(
            "WITH arrived AS (
                SELECT account_id, row_number() OVER (ORDER BY joined_at, account_id) AS n
                FROM waiting_visitors
                WHERE office_id = $1 AND release_at = $2 AND position IS NULL AND joined_at < $4)
             UPDATE waiting_visitors v SET position = ($3::int + arrived.n)::int FROM arrived
             WHERE v.office_id = $1 AND v.release_at = $2 AND v.account_id = arrived.account_id",
            &[&room.office, &room.release_at, &numbered, &until],
        )
        .await? as i32;
    if count > 0 {
        tx.execute(
            "UPDATE waiting_rooms SET late_count = late_count + $3 WHERE office_id = $1 AND release_at = $2",
            &[&room.office, &room.release_at, &count],
        )
        .await?;
    }
    Ok(count)
}

/// Marks the account's place as booked (it no longer counts as active).
pub async fn booked(central: &Central, room: &RoomKey, account: i64) -> ApiResult<()> {
    let client = central.pool.get().await?;
    client
        .execute(
            "UPDATE waiting_visitors SET booked = true WHERE office_id = $1 AND release_at = $2 AND account_id = $3",
            &[&room.office, &room.release_at, &account],
        )
        .await?;
    Ok(())
}

// --- The snapshot and the status ------------------------------------------------------------

/// What a replica knows of a room, refreshed at most once a second.
#[derive(Debug, Default)]
pub struct Snapshot {
    taken: Option<Instant>,
    pub exists: bool,
    pub drawn: bool,
    pub prequeue: i32,
    pub late: i32,
    pub admitted_through: i32,
    pub rate: i32,
    pub max_active: i32,
    /// Before the draw: how many are in the pre-queue.
    pub waiting_prequeue: i64,
    pub booked: i64,
    /// After the draw: the pre-queue's (lottery, account), in position order.
    order: Arc<Vec<(i64, i64)>>,
    /// The late places numbered so far: account → position.
    late_positions: Arc<HashMap<i64, i32>>,
    /// (through, when) of each admission step, in order.
    steps: Vec<(i32, DateTime<Utc>)>,
}

/// The snapshots of the rooms, by room.
#[derive(Debug, Default)]
pub struct Snapshots {
    rooms: RwLock<HashMap<RoomKey, Arc<Snapshot>>>,
    refreshing: Mutex<Vec<RoomKey>>,
}

impl Snapshots {
    /// The room's snapshot, refreshed first if it is older than a second (one refresh at a
    /// time per room; others meanwhile answer from the one before).
    pub async fn get(&self, central: &Central, room: &RoomKey) -> ApiResult<Arc<Snapshot>> {
        let current = self.rooms.read().map(|r| r.get(room).cloned()).unwrap_or(None);
        if let Some(snap) = &current
            && snap.taken.is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return Ok(snap.clone());
        }
        let mine = {
            let mut busy = self.refreshing.lock().map_err(|_| ApiError::new(ErrorCode::Internal, "lock"))?;
            if busy.contains(room) {
                false
            } else {
                busy.push(room.clone());
                true
            }
        };
        if !mine && let Some(snap) = current {
            return Ok(snap);
        }
        let fresh = load(central, room, current.as_deref()).await;
        if mine && let Ok(mut busy) = self.refreshing.lock() {
            busy.retain(|r| r != room);
        }
        let fresh = Arc::new(fresh?);
        if let Ok(mut rooms) = self.rooms.write() {
            rooms.insert(room.clone(), fresh.clone());
        }
        Ok(fresh)
    }
}

async fn load(central: &Central, room: &RoomKey, before: Option<&Snapshot>) -> ApiResult<Snapshot> {
    let client = central.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT drawn_at IS NOT NULL, prequeue_count, late_count, admitted_through, rate_per_minute, max_active,
                    (SELECT count(*) FROM waiting_visitors v WHERE v.office_id = r.office_id AND v.release_at = r.release_at AND v.booked)
             FROM waiting_rooms r WHERE office_id = $1 AND release_at = $2",
            &[&room.office, &room.release_at],
        )
        .await?;
    let mut snap = Snapshot { taken: Some(Instant::now()), ..Snapshot::default() };
    let Some(row) = row else { return Ok(snap) };
    snap.exists = true;
    (snap.drawn, snap.prequeue, snap.late, snap.admitted_through, snap.rate, snap.max_active, snap.booked) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6));
    if snap.drawn {
        snap.order = match before.filter(|b| b.drawn && b.order.len() == snap.prequeue as usize) {
            Some(before) => before.order.clone(),
            None => Arc::new(
                client
                    .query(
                        "SELECT lottery, account_id FROM waiting_visitors
                         WHERE office_id = $1 AND release_at = $2 AND position BETWEEN 1 AND $3 ORDER BY position",
                        &[&room.office, &room.release_at, &snap.prequeue],
                    )
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect(),
            ),
        };
        // The late places numbered since the last look (all of them, the first time).
        let known = before.filter(|b| b.drawn).map(|b| b.late_positions.clone()).unwrap_or_default();
        let from = snap.prequeue + known.len() as i32;
        if snap.prequeue + snap.late > from {
            let mut positions = (*known).clone();
            for row in client
                .query(
                    "SELECT account_id, position FROM waiting_visitors
                     WHERE office_id = $1 AND release_at = $2 AND position > $3",
                    &[&room.office, &room.release_at, &from],
                )
                .await?
            {
                positions.insert(row.get(0), row.get(1));
            }
            snap.late_positions = Arc::new(positions);
        } else {
            snap.late_positions = known;
        }
        snap.steps = client
            .query(
                "SELECT through, at FROM waiting_admissions WHERE office_id = $1 AND release_at = $2 ORDER BY through",
                &[&room.office, &room.release_at],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    } else {
        snap.waiting_prequeue = client
            .query_one(
                "SELECT count(*) FROM waiting_visitors WHERE office_id = $1 AND release_at = $2",
                &[&room.office, &room.release_at],
            )
            .await?
            .get(0);
    }
    Ok(snap)
}

impl Snapshot {
    /// The place's position (1..N), once it has one.
    pub fn position(&self, place: &Place) -> Option<i32> {
        if !self.drawn {
            return None;
        }
        if !place.late
            && let Ok(i) = self.order.binary_search(&(place.lottery, place.account))
        {
            return Some(i as i32 + 1);
        }
        self.late_positions.get(&place.account).copied()
    }

    /// When `position` was admitted.
    fn admitted_at(&self, position: i32) -> Option<DateTime<Utc>> {
        let i = self.steps.partition_point(|(through, _)| *through < position);
        self.steps.get(i).map(|(_, at)| *at)
    }
}

/// The answer to a status poll: where the place is, how many are ahead, how long it should
/// take, when to ask again; once admitted, the admission.
pub async fn status(central: &Central, token: &str) -> ApiResult<Value> {
    let place = read_place(central, token).ok_or_else(|| {
        ApiError::new(ErrorCode::Forbidden, "this place is not one this service gave: join again")
    })?;
    let office = central.config.office(&place.room.office).ok_or_else(|| ApiError::not_found("office"))?;
    let config = office.waiting_room.as_ref().ok_or_else(|| ApiError::not_found("waiting room"))?;
    let now = central.clock.now();
    let snap = central.rooms.get(central, &place.room).await?;
    let release = place.room.release_at.to_rfc3339();
    let Some(position) = snap.position(&place) else {
        if place.late || snap.drawn {
            // Numbered within a few seconds of joining.
            return Ok(json!({"state": "joining", "release_at": release, "poll_after": 2}));
        }
        let wait = (place.room.release_at - now).num_seconds().max(0);
        return Ok(json!({"state": "prequeue", "release_at": release, "in_prequeue": snap.waiting_prequeue,
            "poll_after": wait.clamp(2, 30)}));
    };
    let total = snap.prequeue + snap.late;
    if position <= snap.admitted_through {
        let admitted = snap.admitted_at(position).unwrap_or(now);
        let expires = admitted + chrono::Duration::minutes(i64::from(config.admission_minutes));
        if expires <= now {
            return Ok(json!({"state": "expired", "position": position, "release_at": release}));
        }
        return Ok(json!({"state": "admitted", "position": position, "release_at": release,
            "admission": admission_token(central, &place.room, place.account, expires),
            "expires_at": expires.to_rfc3339()}));
    }
    let ahead = position - snap.admitted_through - 1;
    let eta = if snap.rate > 0 { i64::from(ahead) * 60 / i64::from(snap.rate) } else { -1 };
    // Polls grow gentler with the distance to the front: a tenth of the wait, 2 s to 60 s.
    let poll_after = if eta < 0 { 30 } else { (eta / 10).clamp(2, 60) };
    Ok(json!({"state": "waiting", "position": position, "ahead": ahead, "total": total,
        "eta_seconds": eta, "poll_after": poll_after, "release_at": release}))
}

/// What an administrator sees of the office's room now.
pub async fn overview(central: &Central, office: &Office) -> ApiResult<Value> {
    let now = central.clock.now();
    let Some((room, config)) = room_of(office, now) else {
        return Err(ApiError::not_found("waiting room"));
    };
    let snap = load(central, &room, None).await?;
    let total = if snap.drawn { i64::from(snap.prequeue + snap.late) } else { snap.waiting_prequeue };
    let admitted = i64::from(snap.admitted_through);
    let waiting = total - admitted;
    let rate = if snap.exists { snap.rate } else { config.rate_per_minute as i32 };
    Ok(json!({"office": office.id, "release_at": room.release_at.to_rfc3339(),
        "prequeue_opens_at": (room.release_at - chrono::Duration::minutes(i64::from(config.prequeue_minutes))).to_rfc3339(),
        "drawn": snap.drawn, "joined": total, "waiting": waiting, "admitted": admitted, "booked": snap.booked,
        "rate_per_minute": rate, "max_active": if snap.exists { snap.max_active } else { config.max_active as i32 },
        "drain_minutes": if rate > 0 { Some(waiting as f64 / f64::from(rate)) } else { None }}))
}

/// Changes the room's admission rate, live (every replica's admitter reads it next second).
pub async fn set_rate(central: &Central, office: &Office, rate: u32) -> ApiResult<()> {
    let now = central.clock.now();
    let (room, config) = room_of(office, now).ok_or_else(|| ApiError::not_found("waiting room"))?;
    let client = central.pool.get().await?;
    client
        .execute(
            "INSERT INTO waiting_rooms (office_id, release_at, rate_per_minute, max_active, admitted_at)
             VALUES ($1, $2, $3, $4, greatest($2::timestamptz, $5::timestamptz))
             ON CONFLICT (office_id, release_at) DO UPDATE SET rate_per_minute = $3",
            &[&room.office, &room.release_at, &(rate as i32), &(config.max_active as i32), &now],
        )
        .await?;
    Ok(())
}
