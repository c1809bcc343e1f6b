-- The waiting room in front of a quota release (issue 15). A room is one office's release
-- (its instant); visitors join it before the release (the pre-queue, put in a uniformly random
-- order at the release: `lottery`) or after it (behind them, in arrival order). Positions are
-- 1..N with no gap. Admission moves `admitted_through` at the configured rate.

CREATE TABLE waiting_rooms (
    office_id        text NOT NULL,
    release_at       timestamptz NOT NULL,
    rate_per_minute  integer NOT NULL CHECK (rate_per_minute >= 0),
    max_active       integer NOT NULL CHECK (max_active >= 0),
    -- Set by the draw, which numbers the pre-queue 1..prequeue_count by lottery.
    drawn_at         timestamptz,
    prequeue_count   integer NOT NULL DEFAULT 0,
    -- Visitors who joined after the draw; their positions follow the pre-queue's.
    late_count       integer NOT NULL DEFAULT 0,
    -- Positions 1..admitted_through are admitted; `admitted_at` is how far admission has
    -- been accounted (a rate's fractions carry over).
    admitted_through integer NOT NULL DEFAULT 0,
    admitted_at      timestamptz NOT NULL,
    PRIMARY KEY (office_id, release_at)
);

CREATE TABLE waiting_visitors (
    office_id   text NOT NULL,
    release_at  timestamptz NOT NULL,
    account_id  bigint NOT NULL,
    nik_hash    bytea NOT NULL,
    joined_at   timestamptz NOT NULL,
    lottery     bigint NOT NULL,
    position    integer,
    booked      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (office_id, release_at, account_id),
    UNIQUE (office_id, release_at, nik_hash)
);
CREATE INDEX waiting_visitors_lottery ON waiting_visitors (office_id, release_at, lottery, account_id);
-- The places still to number (the late ones, between two looks of the admitter).
CREATE INDEX waiting_visitors_unnumbered ON waiting_visitors (office_id, release_at, joined_at) WHERE position IS NULL;

-- Each step of admission: positions up to `through` admitted at `at` (an admission is valid
-- for `admission_minutes` from its step).
CREATE TABLE waiting_admissions (
    office_id  text NOT NULL,
    release_at timestamptz NOT NULL,
    through    integer NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (office_id, release_at, through)
);

-- Administrators of the service (the waiting room's live controls): token hashes.
CREATE TABLE admin_tokens (
    token_hash bytea PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);
