-- The national service (issue 13): what this hub reports back to it (kept until the service
-- acknowledges, across restarts), and passports marked ready for pickup.
-- The change-feed cursor is kept in meta ('central_cursor').

CREATE TABLE central_outbox (
    id           TEXT PRIMARY KEY,     -- BOOKING:KIND:MS, the event id the service dedupes by
    booking_code TEXT NOT NULL,
    kind         TEXT NOT NULL,        -- checked_in, no_show, stage_done, done, ready_for_pickup, picked_up
    at           INTEGER NOT NULL      -- ms
) STRICT;

CREATE TABLE pickups (
    booking_code TEXT PRIMARY KEY,
    ready_at     INTEGER NOT NULL,
    ticket_id    TEXT,                 -- the pickup ticket, once taken at the kiosk
    picked_up_at INTEGER
) STRICT;
