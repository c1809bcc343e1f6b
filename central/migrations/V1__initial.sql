-- Antrian Pusat, first schema.
--
-- Tables that belong to one office have office_id leading their primary key, and no
-- transaction on the booking path touches two offices (CENTRAL.md, "Storage and scale").
-- The account-level tables (accounts, sessions, applicants, documents, NIK registry) are the
-- exception, and small.

-- Secrets every replica shares: the QR issuer key, the NIK hash and sealing keys.
CREATE TABLE secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

-- Offices as configured; `number` is fixed at first sight and leads every bill code.
CREATE TABLE offices (
    office_id text PRIMARY KEY,
    number    integer NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 999),
    name      text NOT NULL
);

-- The office's change feed: the last cursor handed out. The row is locked from the moment a
-- cursor is taken until the transaction commits, so cursors commit in order.
CREATE TABLE office_feeds (
    office_id   text PRIMARY KEY REFERENCES offices,
    last_cursor bigint NOT NULL DEFAULT 0
);

CREATE TABLE hub_tokens (
    token_hash bytea PRIMARY KEY,
    office_id  text NOT NULL REFERENCES offices,
    created_at timestamptz NOT NULL
);

CREATE TABLE accounts (
    id         bigserial PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- One outstanding sign-in code per address (hashed), with its wrong tries.
CREATE TABLE sign_in_codes (
    email      text PRIMARY KEY,
    code_hash  bytea NOT NULL,
    sent_at    timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts,
    expires_at timestamptz NOT NULL
);

-- A person applying: the NIK as a keyed hash, its last four digits, and sealed (encrypted)
-- for the office's records, sent only inside the sync channel.
CREATE TABLE applicants (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts,
    nik_hash    bytea NOT NULL,
    nik_last4   text NOT NULL,
    nik_sealed  bytea NOT NULL,
    name        text NOT NULL,
    sex         text NOT NULL CHECK (sex IN ('M', 'F')),
    birth_place text NOT NULL,
    birth_date  date NOT NULL,
    mother_name text NOT NULL,
    address     text NOT NULL,
    phone       text NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (account_id, nik_hash)
);
CREATE INDEX applicants_by_account ON applicants (account_id);

CREATE TABLE documents (
    applicant_id bigint NOT NULL REFERENCES applicants,
    kind         text NOT NULL,
    content_type text NOT NULL,
    body         bytea NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    PRIMARY KEY (applicant_id, kind)
);

-- Places per office, date, slot and service. `taken` counts unpaid holds and bookings; the
-- row is locked while a place is taken or given back.
CREATE TABLE quota (
    office_id text NOT NULL,
    date      date NOT NULL,
    slot      text NOT NULL,
    service   text NOT NULL,
    capacity  integer NOT NULL CHECK (capacity >= 0),
    taken     integer NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (office_id, date, slot, service)
);

CREATE TABLE applications (
    office_id       text NOT NULL,
    id              text NOT NULL,
    account_id      bigint NOT NULL,
    applicant_id    bigint NOT NULL,
    nik_hash        bytea NOT NULL,
    service         text NOT NULL,
    passport_type   text NOT NULL,
    fast_track      boolean NOT NULL,
    date            date NOT NULL,
    slot            text NOT NULL,
    state           text NOT NULL,
    booking_code    text NOT NULL,
    bill_code       text NOT NULL,
    amount          bigint NOT NULL,
    bill_expires_at timestamptz NOT NULL,
    qr              text,
    rescheduled     boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (office_id, id),
    UNIQUE (office_id, booking_code),
    UNIQUE (office_id, bill_code)
);
CREATE INDEX applications_by_account ON applications (account_id);
CREATE INDEX applications_holds ON applications (office_id, date, slot, service, bill_expires_at)
    WHERE state = 'awaiting_payment';

CREATE TABLE application_history (
    office_id      text NOT NULL,
    application_id text NOT NULL,
    seq            bigserial,
    state          text NOT NULL,
    at             timestamptz NOT NULL,
    PRIMARY KEY (office_id, application_id, seq)
);

-- A repeated POST /applications with the same request_id answers the first application.
CREATE TABLE application_requests (
    account_id     bigint NOT NULL,
    request_id     text NOT NULL,
    office_id      text NOT NULL,
    application_id text NOT NULL,
    PRIMARY KEY (account_id, request_id)
);

-- The NIK registry, across offices: the dates on which a NIK holds an active hold or
-- booking. One per date (duplicate_booking); the count of future ones is the per-NIK limit.
CREATE TABLE nik_dates (
    nik_hash       bytea NOT NULL,
    date           date NOT NULL,
    office_id      text NOT NULL,
    application_id text NOT NULL,
    PRIMARY KEY (nik_hash, date)
);

-- Payment notifications as received, one per channel reference, with what they did.
CREATE TABLE payments (
    office_id   text NOT NULL,
    channel     text NOT NULL,
    reference   text NOT NULL,
    bill_code   text NOT NULL,
    amount      bigint NOT NULL,
    paid_at     timestamptz NOT NULL,
    outcome     text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (office_id, channel, reference)
);

-- The change feed a hub follows: each committed change to a booking of the office.
CREATE TABLE changes (
    office_id      text NOT NULL,
    cursor         bigint NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('upsert', 'cancel')),
    application_id text NOT NULL,
    appointment    jsonb NOT NULL,
    at             timestamptz NOT NULL,
    PRIMARY KEY (office_id, cursor)
);

-- What happened at the office, as the hub reported it (one row per event id).
CREATE TABLE visit_events (
    office_id    text NOT NULL,
    id           text NOT NULL,
    booking_code text NOT NULL,
    kind         text NOT NULL,
    at           timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (office_id, id)
);
