-- The satisfaction survey (Survei Kepuasan Masyarakat, PermenPAN-RB 14/2017; its rules are
-- antrian_rules::skm). One response per ticket: `skm_answered` says which tickets answered,
-- apart from the answers. A response holds no ticket, no name and no time finer than its day,
-- and its id is random, so nothing links it back to the applicant.
CREATE TABLE skm_answered (
    ticket_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

CREATE TABLE skm_responses (
    id              INTEGER PRIMARY KEY,     -- random
    day             TEXT NOT NULL,           -- the visit's day, YYYY-MM-DD
    service         TEXT NOT NULL,
    via             TEXT NOT NULL,           -- phone | counter (the counter's tablet)
    u1 INTEGER NOT NULL CHECK (u1 BETWEEN 1 AND 4),
    u2 INTEGER NOT NULL CHECK (u2 BETWEEN 1 AND 4),
    u3 INTEGER NOT NULL CHECK (u3 BETWEEN 1 AND 4),
    u4 INTEGER NOT NULL CHECK (u4 BETWEEN 1 AND 4),
    u5 INTEGER NOT NULL CHECK (u5 BETWEEN 1 AND 4),
    u6 INTEGER NOT NULL CHECK (u6 BETWEEN 1 AND 4),
    u7 INTEGER NOT NULL CHECK (u7 BETWEEN 1 AND 4),
    u8 INTEGER NOT NULL CHECK (u8 BETWEEN 1 AND 4),
    u9 INTEGER NOT NULL CHECK (u9 BETWEEN 1 AND 4),
    age             TEXT NOT NULL DEFAULT '',  -- each part of the profile is optional
    sex             TEXT NOT NULL DEFAULT '',
    education       TEXT NOT NULL DEFAULT '',
    occupation      TEXT NOT NULL DEFAULT '',
    comment         TEXT NOT NULL DEFAULT '',
    -- A comment the applicant marked as a complaint: new | in_progress | answered.
    complaint_state TEXT CHECK (complaint_state IN ('new', 'in_progress', 'answered')),
    reply           TEXT NOT NULL DEFAULT '',
    replied_by      TEXT NOT NULL DEFAULT '',
    replied_at      INTEGER
) STRICT;
CREATE INDEX skm_by_day ON skm_responses(day);

-- The counter tablet asks every few seconds for its counter's last finished visit.
CREATE INDEX visits_by_counter_finished ON stage_visits(counter, finished_at);
