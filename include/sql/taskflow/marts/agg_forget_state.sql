-- A first load into the empty fact does not queue its events (millions) for agg_daily_metrics:
-- its state goes instead, and the next build counts every fact. Under the marts' lock
-- (lock_marts.sql), held until this load commits: no build can read the facts without these
-- rows and then keep a state that lacks them.
SELECT pg_advisory_xact_lock(hashtext('taskflow.marts'));
DELETE FROM marts.agg_daily_metrics_state
