-- minutes_in_previous_status of every status event of the tasks with new events, the new ones
-- and those already in the fact: the minutes since the task's previous task_created or
-- status_changed event in (occurred_at, event_id) order. A late event that lands between two
-- changes both neighbours' values.
CREATE TEMP TABLE tmp_minutes ON COMMIT DROP AS
WITH new AS (
    SELECT l.event_id, l.occurred_at, l.event_type, t.task_key
    FROM tmp_event_lines l
    JOIN core.dim_task t ON t.task_id = l.task_id
    WHERE l.verdict = 'new' AND l.event_type IN ('task_created', 'status_changed')
), sequence AS (
    SELECT event_id, occurred_at, event_type, task_key, true AS is_new, NULL::numeric AS stored FROM new
    UNION ALL
    SELECT f.event_id, f.occurred_at, f.event_type, f.task_key, false, f.minutes_in_previous_status
    FROM core.fact_task_events f
    WHERE f.task_key IN (SELECT task_key FROM new)
      AND f.event_type IN ('task_created', 'status_changed')
), ordered AS (
    SELECT sequence.*,
           lag(occurred_at) OVER (PARTITION BY task_key ORDER BY occurred_at, event_id COLLATE "C") AS previous_at
    FROM sequence
)
SELECT event_id, occurred_at, task_key, is_new, stored,
       CASE WHEN event_type = 'status_changed' AND previous_at IS NOT NULL
            THEN round(extract(epoch FROM occurred_at - previous_at) / 60, 2) END AS computed
FROM ordered;
ANALYZE tmp_minutes
