-- The applicant's language, the day-before reminder, and letters queued by what they are
-- about (rendered when sent, in the account's language, text and HTML).

ALTER TABLE accounts ADD COLUMN lang text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en'));

ALTER TABLE applications ADD COLUMN reminded boolean NOT NULL DEFAULT false;
CREATE INDEX applications_to_remind ON applications (office_id, date) WHERE state = 'booked' AND NOT reminded;

-- A letter about an application: `kind` (bill, confirmation, reminder, expired,
-- ready_for_pickup); a bill for a place offered from the waitlist is written as the offer.
-- Rows from before this migration carry their text in recipient, subject and body.
ALTER TABLE mail_outbox
    ADD COLUMN kind text,
    ADD COLUMN office_id text,
    ADD COLUMN application_id text,
    ALTER COLUMN recipient DROP NOT NULL,
    ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN body DROP NOT NULL;
