-- Times are milliseconds since the Unix epoch (UTC); dates are the office's local YYYY-MM-DD.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,            -- argon2id PHC string
    role          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,            -- SHA-256 of the token; the token is never stored
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE devices (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,               -- kiosk | display
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE appointments (
    booking_code TEXT PRIMARY KEY,
    office       TEXT NOT NULL,
    service      TEXT NOT NULL,
    date         TEXT NOT NULL,
    slot         TEXT NOT NULL,             -- HH:MM
    name         TEXT,
    nik_hash     BLOB,                      -- keyed hash; the NIK itself is never stored
    nik_last4    TEXT NOT NULL,
    state        TEXT NOT NULL,             -- booked | checked_in | cancelled | no_show
    qr           TEXT NOT NULL,
    source       TEXT NOT NULL,             -- api | import | booking | demo
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX appointments_by_slot ON appointments(office, date, slot, service);
CREATE INDEX appointments_by_nik ON appointments(nik_hash, date);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,       -- YYYYMMDD-NUMBER
    office           TEXT NOT NULL,
    day              TEXT NOT NULL,
    service          TEXT NOT NULL,
    seq              INTEGER NOT NULL,       -- 1, 2, ... per office, service and day
    number           TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    booking_code     TEXT UNIQUE REFERENCES appointments(booking_code),
    slot             TEXT,
    stage            TEXT NOT NULL,
    state            TEXT NOT NULL,
    counter          TEXT,                   -- while called or serving
    reserved_counter TEXT,                   -- only this counter may call it
    effective_at     INTEGER NOT NULL,       -- later of (re)entering the queue and slot start
    queued_seq       INTEGER NOT NULL,       -- order of entering the current queue
    checked_in_at    INTEGER NOT NULL,
    called_at        INTEGER,
    recall           INTEGER NOT NULL DEFAULT 0,
    visit_id         INTEGER,                -- current row of stage_visits
    UNIQUE (office, day, service, seq)
) STRICT;
-- Covers the queue order: heads of each stage and class, and places in the queue, by index.
CREATE INDEX tickets_in_queue ON tickets(office, day, state, stage, priority, effective_at, queued_seq);
CREATE INDEX tickets_by_queued_seq ON tickets(queued_seq);

-- Waiting tickets per stage and class, kept in step with tickets in the same transactions,
-- so counts and places in the queue cost O(1) however long the queue is.
CREATE TABLE queue_counts (
    office   TEXT NOT NULL,
    day      TEXT NOT NULL,
    stage    TEXT NOT NULL,
    priority INTEGER NOT NULL,
    waiting  INTEGER NOT NULL,
    PRIMARY KEY (office, day, stage, priority)
) STRICT;

-- One row per stage visit: the source of every statistic.
CREATE TABLE stage_visits (
    id          INTEGER PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id),
    stage       TEXT NOT NULL,
    counter     TEXT,
    queued_at   INTEGER NOT NULL,
    called_at   INTEGER,
    started_at  INTEGER,
    finished_at INTEGER,
    outcome     TEXT,                        -- done | next_stage | transferred | no_show | cancelled
    recalls     INTEGER NOT NULL DEFAULT 0,
    requeued    INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL
) STRICT;
CREATE INDEX visits_by_ticket ON stage_visits(ticket_id);
CREATE INDEX visits_by_stage_finished ON stage_visits(stage, finished_at);
CREATE INDEX visits_by_stage_called ON stage_visits(stage, called_at);

CREATE TABLE counters (
    id        TEXT PRIMARY KEY,
    state     TEXT NOT NULL,                 -- open | paused | closed
    ticket_id TEXT,
    since     INTEGER NOT NULL
) STRICT;

-- The numbered event log streamed to displays, consoles and status pages.
CREATE TABLE events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    office TEXT NOT NULL,
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    data   TEXT NOT NULL
) STRICT;

-- First answers to mutating requests, by caller and request_id.
CREATE TABLE idempotency (
    caller     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    status     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (caller, request_id)
) STRICT;
