-- A booking may be moved once (issue 3): remember that it was.
ALTER TABLE appointments ADD COLUMN rescheduled INTEGER NOT NULL DEFAULT 0;
