-- minutes_in_previous_status of every status change of the tasks with new events ({new_lines}:
-- new_lines.sql), the new ones and those already in the fact: the minutes since the task's
-- previous task_created or status_changed event in (occurred_at, event_id) order. A late event
-- that lands between two changes both neighbours' values. Only these two event types are
-- sorted, by task_id (the natural key: no join). The fact's side is read through its task
-- index, and not at all while the fact is empty (a first load). The sort of a first load
-- (about 3M narrow rows) fits in work_mem.
SET LOCAL work_mem = '512MB';
CREATE TEMP TABLE tmp_minutes ON COMMIT DROP AS
WITH new AS NOT MATERIALIZED (
    SELECT l.line_key, l.event_id, l.occurred_at, l.event_type, l.task_id
    FROM {new_lines} l
    WHERE l.event_type IN ('task_created', 'status_changed')
), sequence AS (
    SELECT line_key, event_id, occurred_at, event_type, task_id, NULL::bigint AS task_key, true AS is_new,
           NULL::numeric AS stored
    FROM new
    UNION ALL
    SELECT NULL::bigint, f.event_id, f.occurred_at, f.event_type, f.task_id, f.task_key, false,
           f.minutes_in_previous_status
    FROM core.fact_task_events f
    WHERE EXISTS (SELECT 1 FROM core.fact_task_events)
      AND f.task_key IN (SELECT t.task_key FROM core.dim_task t WHERE t.task_id IN (SELECT task_id FROM new))
      AND f.event_type IN ('task_created', 'status_changed')
), ordered AS (
    SELECT sequence.*,
           lag(occurred_at) OVER (PARTITION BY task_id ORDER BY occurred_at, event_id COLLATE "C") AS previous_at
    FROM sequence
)
SELECT line_key, event_id, occurred_at, task_key, is_new, stored,
       CASE WHEN previous_at IS NOT NULL THEN round(extract(epoch FROM occurred_at - previous_at) / 60, 2) END
           AS computed
FROM ordered
WHERE event_type = 'status_changed';
ANALYZE tmp_minutes
