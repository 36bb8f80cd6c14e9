-- A plan made while ai_rate_counters was empty (a new deployment) chose this index for the
-- limiter's lookups by key, which then read every row of the current minute: each lookup slowed
-- down as the minute's rows grew, for as long as the pooled connection kept the plan. Every
-- lookup is by the primary key; the sweep of past windows, once a minute, scans the table.
DROP INDEX ai_rate_counters_window;
