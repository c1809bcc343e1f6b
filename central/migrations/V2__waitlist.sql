-- The waitlist of a full date (CENTRAL.md, Waitlist), and mail waiting to be sent.

CREATE TABLE waitlist (
    office_id      text NOT NULL,
    id             bigserial,
    account_id     bigint NOT NULL,
    applicant_id   bigint NOT NULL,
    nik_hash       bytea NOT NULL,
    service        text NOT NULL,
    passport_type  text NOT NULL,
    fast_track     boolean NOT NULL,
    date           date NOT NULL,
    state          text NOT NULL CHECK (state IN ('waiting', 'offered', 'skipped', 'cancelled')),
    application_id text,
    joined_at      timestamptz NOT NULL,
    PRIMARY KEY (office_id, id)
);
CREATE INDEX waitlist_queue ON waitlist (office_id, service, date, id) WHERE state = 'waiting';
CREATE INDEX waitlist_by_account ON waitlist (account_id);

-- Written in the transaction that decides to send it; sent after the commit by any replica.
CREATE TABLE mail_outbox (
    id         bigserial PRIMARY KEY,
    recipient  text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0
);
