-- A first load's new lines ({new_lines}: first_new_lines.sql) with each status change's minutes
-- in the previous status, taken in the same pass: the fact and the tails are empty, so a task's
-- sequence is its new lines, and the previous task_created or status_changed event of a line in
-- (occurred_at, event_id) order is the latest occurred_at among those before it.
(SELECT n.*,
        CASE WHEN n.event_type = 'status_changed' THEN round(extract(epoch FROM n.occurred_at - max(n.occurred_at)
            FILTER (WHERE n.event_type IN ('task_created', 'status_changed'))
            OVER (PARTITION BY n.task_id ORDER BY n.occurred_at, n.event_id COLLATE "C"
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) / 60, 2) END AS minutes
 FROM {new_lines} n)
