-- The applicant's language, the day-before reminder, and letters queued by what they are
-- about (rendered when sent, in the account's language, text and HTML).

ALTER TABLE accounts ADD COLUMN lang text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en'));

ALTER TABLE applications ADD COLUMN reminded boolean NOT NULL DEFAULT false;
CREATE INDEX applications_to_remind ON applications (office_id, date) WHERE state = 'booked' AND NOT reminded;

-- A letter about an application: `kind` (bill, confirmation, reminder, expired,
-- ready_for_pickup); a bill for a place offered from the waitlist is written as the offer.
-- Rows from before this migration carry their text in recipient, subject and body.
-- A row is claimed by pushing `next_attempt_at` ahead before it is sent (so a replica that
-- dies while sending leaves it to be tried again later), and deleted once sent; a mail server
-- that refuses it only pushes the next try further off (1 s doubling to an hour), never drops it.
ALTER TABLE mail_outbox
    ADD COLUMN kind text,
    ADD COLUMN office_id text,
    ADD COLUMN application_id text,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
    ALTER COLUMN recipient DROP NOT NULL,
    ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN body DROP NOT NULL;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id);
