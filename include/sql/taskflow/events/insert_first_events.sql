-- insert_events.sql for a first load into the empty fact: every event of a task is in this
-- batch, so minutes_in_previous_status is computed in the same statement, over the batch (the
-- latest earlier task_created or status_changed event in (occurred_at, event_id) order).
INSERT INTO core.task_event_ids (event_id, content_hash, occurred_at)
SELECT event_id, content_hash, occurred_at FROM tmp_event_lines WHERE verdict = 'new';

INSERT INTO core.fact_task_events
    (event_id, event_type, task_key, project_key, actor_user_key, date_key, occurred_at, from_status,
     to_status, minutes_in_previous_status, task_count, actor_id, task_id, assignee_id, due_date,
     source_path, source_line, run_id)
SELECT l.event_id, l.event_type, t.task_key, t.project_key, u.user_key, l.date_key, l.occurred_at,
       CASE WHEN l.event_type = 'status_changed' THEN l.from_status END,
       CASE WHEN l.event_type = 'status_changed' THEN l.to_status END,
       CASE WHEN l.event_type = 'status_changed' THEN round(extract(epoch FROM l.occurred_at - max(
           CASE WHEN l.event_type IN ('task_created', 'status_changed') THEN l.occurred_at END) OVER (
               PARTITION BY l.task_id ORDER BY l.occurred_at, l.event_id COLLATE "C"
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) / 60, 2) END,
       1, l.actor_id, l.task_id,
       CASE WHEN l.event_type = 'assigned' THEN l.assignee_id END,
       CASE WHEN l.event_type = 'due_date_changed' THEN l.due_date END,
       l.path, l.line_no, %(run_id)s
FROM tmp_event_lines l
JOIN core.dim_task t ON t.task_id = l.task_id
LEFT JOIN core.dim_user u ON u.user_id = l.actor_id AND u.valid_from <= l.occurred_at AND l.occurred_at < u.valid_to
WHERE l.verdict = 'new'
