-- Events already in the fact whose minutes in the previous status a new event changed (a late
-- event between two): a few rows, updated through the fact's task index.
CREATE TEMP TABLE tmp_minutes_changed ON COMMIT DROP AS
SELECT task_key, occurred_at, event_id, computed
FROM tmp_minutes
WHERE NOT is_new AND stored IS DISTINCT FROM computed;
ANALYZE tmp_minutes_changed;

UPDATE core.fact_task_events f
SET minutes_in_previous_status = m.computed
FROM tmp_minutes_changed m
WHERE f.task_key = m.task_key AND f.occurred_at = m.occurred_at AND f.event_id = m.event_id
