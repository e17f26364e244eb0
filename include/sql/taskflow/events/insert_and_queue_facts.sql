-- A load after the first: the new facts ({insert_facts}: insert_facts.sql) and, from what that
-- insert returns, each of them pending for agg_daily_metrics with what its rules read of it
-- (marts.agg_daily_metrics_pending_events, build_agg_delta.sql): the lines are read and their
-- tasks looked up once. Returns how many facts were inserted and how many queued.
WITH facts AS (
    {insert_facts}
    RETURNING event_id, task_key, date_key, occurred_at, event_type, from_status, to_status
), queued AS (
    INSERT INTO marts.agg_daily_metrics_pending_events
        (event_id, task_key, date_key, occurred_at, event_type, from_status, to_status)
    SELECT event_id, task_key, date_key, occurred_at, event_type, from_status, to_status
    FROM facts
    RETURNING 1
)
SELECT (SELECT count(*) FROM facts) AS inserted, (SELECT count(*) FROM queued) AS queued
