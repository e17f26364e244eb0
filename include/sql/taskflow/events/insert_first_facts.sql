-- A first load's facts (the fact and the tails are empty, so a task's sequence is its new
-- events alone): insert_facts.sql's rows, with each status change's minutes taken in the same
-- pass instead of from tmp_minutes. The previous task_created or status_changed event of a
-- line in (occurred_at, event_id) order is the latest occurred_at among those before it.
SET LOCAL work_mem = '512MB';
INSERT INTO {fact}
    (event_id, event_type, task_key, project_key, actor_user_key, date_key, occurred_at, from_status,
     to_status, minutes_in_previous_status, task_count, actor_id, task_id, assignee_id, due_date,
     source_path, source_line)
SELECT l.event_id, l.event_type, t.task_key, t.project_key, u.user_key,
       l.date_key, l.occurred_at,
       CASE WHEN l.event_type = 'status_changed' THEN l.from_status END,
       CASE WHEN l.event_type = 'status_changed' THEN l.to_status END,
       CASE WHEN l.event_type = 'status_changed'
            THEN round(extract(epoch FROM l.occurred_at - l.previous_at) / 60, 2) END,
       1, l.actor_id, l.task_id,
       CASE WHEN l.event_type = 'assigned' THEN l.assignee_id END,
       CASE WHEN l.event_type = 'due_date_changed' THEN l.due_date END,
       l.path, l.line_no
FROM (SELECT n.*,
             max(n.occurred_at) FILTER (WHERE n.event_type IN ('task_created', 'status_changed'))
                 OVER (PARTITION BY n.task_id ORDER BY n.occurred_at, n.event_id COLLATE "C"
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_at
      FROM {new_lines} n) l
JOIN core.dim_task t ON t.task_id = l.task_id
LEFT JOIN core.dim_user u ON u.user_id = l.actor_id AND u.valid_from <= l.occurred_at AND l.occurred_at < u.valid_to
