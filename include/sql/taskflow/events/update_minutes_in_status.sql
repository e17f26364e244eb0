-- minutes_in_previous_status of every status change of the tasks that got new events: the
-- minutes since the task's previous task_created or status_changed event in (occurred_at,
-- event_id) order, so a late event that lands between two changes both neighbours' values.
WITH touched AS (
    SELECT DISTINCT t.task_key
    FROM tmp_event_lines l
    JOIN core.dim_task t ON t.task_id = l.task_id
    WHERE l.verdict = 'new'
), sequence AS (
    SELECT f.event_id, f.occurred_at, f.event_type, f.minutes_in_previous_status AS stored,
           lag(f.occurred_at) OVER (PARTITION BY f.task_key ORDER BY f.occurred_at, f.event_id COLLATE "C")
               AS previous_at
    FROM core.fact_task_events f
    WHERE f.task_key IN (SELECT task_key FROM touched)
      AND f.event_type IN ('task_created', 'status_changed')
), minutes AS (
    SELECT event_id, occurred_at, stored,
           CASE WHEN event_type = 'status_changed' AND previous_at IS NOT NULL
                THEN round(extract(epoch FROM occurred_at - previous_at) / 60, 2) END AS computed
    FROM sequence
)
UPDATE core.fact_task_events f
SET minutes_in_previous_status = m.computed
FROM minutes m
WHERE f.event_id = m.event_id AND f.occurred_at = m.occurred_at
  AND m.stored IS DISTINCT FROM m.computed
