-- The waiting room's table fills from empty to 100,000s of rows within the minutes of a
-- pre-queue, long before autovacuum gathers statistics. Without them the planner takes any
-- index that starts with (office_id, release_at) as equally good, and it took the lottery
-- index for a lookup by account or NIK: a scan of the whole room for every join (quadratic;
-- 11 ms a join at 20,000 places). The draw sorts the room by lottery once, without it, and
-- every join writes one index fewer. (The service also keeps the statistics fresh while a
-- room fills: `waiting::fresh_statistics`.)
DROP INDEX waiting_visitors_lottery;

-- The places booked (the snapshot's and the admitter's count every second), without reading
-- the room.
CREATE INDEX waiting_visitors_booked ON waiting_visitors (office_id, release_at) WHERE booked;
