-- One office per data dir (issue 12): the office's id is kept once, in meta, and no table
-- carries an office column. Counters keep their display name, so the events the store
-- writes carry it. Repeated requests keep their answer and what was asked (the API derives the
-- status from the answer; an id reused for another request is refused).
-- (The Rust side refused a file holding several offices before this runs, and stamped the
-- office found in it.)

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

ALTER TABLE events DROP COLUMN office;

DROP INDEX appointments_by_slot;
ALTER TABLE appointments DROP COLUMN office;
CREATE INDEX appointments_by_slot ON appointments(date, slot, service);

CREATE TABLE tickets_new (
    id               TEXT PRIMARY KEY,       -- YYYYMMDD-NUMBER
    day              TEXT NOT NULL,
    service          TEXT NOT NULL,
    seq              INTEGER NOT NULL,       -- 1, 2, ... per service and day
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
    UNIQUE (day, service, seq)
) STRICT;
INSERT INTO tickets_new (id, day, service, seq, number, priority, booking_code, slot, stage, state, counter,
        reserved_counter, effective_at, queued_seq, checked_in_at, called_at, recall, visit_id)
    SELECT id, day, service, seq, number, priority, booking_code, slot, stage, state, counter,
        reserved_counter, effective_at, queued_seq, checked_in_at, called_at, recall, visit_id FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
-- Covers the queue order: heads of each stage and class, and places in the queue, by index.
CREATE INDEX tickets_in_queue ON tickets(day, state, stage, priority, effective_at, queued_seq);
CREATE INDEX tickets_by_queued_seq ON tickets(queued_seq);

CREATE TABLE queue_counts_new (
    day      TEXT NOT NULL,
    stage    TEXT NOT NULL,
    priority INTEGER NOT NULL,
    waiting  INTEGER NOT NULL,
    PRIMARY KEY (day, stage, priority)
) STRICT;
INSERT INTO queue_counts_new (day, stage, priority, waiting)
    SELECT day, stage, priority, SUM(waiting) FROM queue_counts GROUP BY day, stage, priority;
DROP TABLE queue_counts;
ALTER TABLE queue_counts_new RENAME TO queue_counts;

ALTER TABLE counters ADD COLUMN name TEXT NOT NULL DEFAULT '';

ALTER TABLE idempotency DROP COLUMN status;
ALTER TABLE idempotency ADD COLUMN request TEXT NOT NULL DEFAULT '';    -- e.g. checkin, ticket:finish
