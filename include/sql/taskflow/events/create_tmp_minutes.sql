-- minutes_in_previous_status of the status changes of the tasks with new events ({new_lines}:
-- new_lines.sql): the minutes since the task's previous task_created or status_changed event in
-- (occurred_at, event_id) order. Only these two event types are sorted, by task_id (the
-- natural key: no join), and the task's facts are read only when they can change:
-- - a task whose new events all come after its last such fact (core.task_status_tail) needs
--   that one fact alone, as the previous event of its first new one; its facts keep their values;
-- - a task with a new event before that fact (a late event) has all its facts read, through the
--   fact's task index, and each status change recomputed: a late event changes the values of
--   both its neighbours.
-- The last event of each task, when it is new, becomes the task's tail (upsert_status_tail.sql).
-- A task is late when any of its new events sorts before its tail: one join and one aggregate
-- (a correlated test against the new lines would scan them once per task).
-- A large batch's sort (millions of narrow rows) fits in work_mem. (A first load, into an empty
-- fact, takes its minutes with its facts: first_fact_lines.sql.)
SET LOCAL work_mem = '512MB';
CREATE TEMP TABLE tmp_minutes ON COMMIT DROP AS
WITH new AS NOT MATERIALIZED (
    SELECT l.line_key, l.event_id, l.occurred_at, l.event_type, l.task_id
    FROM {new_lines} l
    WHERE l.event_type IN ('task_created', 'status_changed')
), tails AS MATERIALIZED (
    SELECT s.task_id, s.occurred_at, s.event_id,
           bool_or(n.occurred_at < s.occurred_at
                   OR (n.occurred_at = s.occurred_at AND n.event_id COLLATE "C" < s.event_id)) AS late
    FROM (SELECT DISTINCT task_id FROM new) t
    CROSS JOIN LATERAL (SELECT * FROM core.task_status_tail s WHERE s.task_id = t.task_id OFFSET 0) s
    JOIN new n ON n.task_id = s.task_id
    -- a gate on the whole join: without tails neither side of it is read
    WHERE EXISTS (SELECT 1 FROM core.task_status_tail)
    GROUP BY s.task_id, s.occurred_at, s.event_id
), sequence AS (
    SELECT line_key, event_id, occurred_at, event_type, task_id, NULL::bigint AS task_key, 'new' AS side,
           NULL::numeric AS stored
    FROM new
    UNION ALL
    SELECT NULL::bigint, k.event_id, k.occurred_at, NULL, k.task_id, NULL::bigint, 'tail', NULL::numeric
    FROM tails k
    WHERE NOT k.late
    UNION ALL
    SELECT NULL::bigint, f.event_id, f.occurred_at, f.event_type, f.task_id, f.task_key, 'fact',
           f.minutes_in_previous_status
    FROM core.fact_task_events f
    WHERE f.task_key IN (SELECT t.task_key FROM core.dim_task t
                         WHERE t.task_id IN (SELECT k.task_id FROM tails k WHERE k.late))
      AND f.event_type IN ('task_created', 'status_changed')
), ordered AS (
    SELECT sequence.*,
           lag(occurred_at) OVER w AS previous_at,
           lead(occurred_at) OVER w IS NULL AS is_last
    FROM sequence
    WINDOW w AS (PARTITION BY task_id ORDER BY occurred_at, event_id COLLATE "C")
)
SELECT line_key, event_id, occurred_at, task_id, task_key, side = 'new' AS is_new, is_last, stored,
       CASE WHEN event_type = 'status_changed' AND previous_at IS NOT NULL
            THEN round(extract(epoch FROM occurred_at - previous_at) / 60, 2) END AS computed
FROM ordered
WHERE event_type = 'status_changed' OR (side = 'new' AND is_last);
ANALYZE tmp_minutes
