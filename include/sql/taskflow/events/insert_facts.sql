-- The new events ({lines}: night_fact_lines.sql, or first_fact_lines.sql on a first load: the
-- new lines, each with its minutes in the previous status) become facts in {fact} with their
-- keys (task_key and project_key from dim_task, inferred members included; actor_user_key the
-- dim_user version valid at occurred_at) and their business-timezone date (computed while
-- staging). The natural keys stay beside the surrogate ones. A night runs it through
-- insert_and_queue_facts.sql; a first load's builders through insert_first_facts.sql.
INSERT INTO {fact}
    (event_id, event_type, task_key, project_key, actor_user_key, date_key, occurred_at, from_status,
     to_status, minutes_in_previous_status, task_count, actor_id, task_id, assignee_id, due_date,
     source_path, source_line)
SELECT l.event_id, l.event_type, t.task_key, t.project_key, u.user_key,
       l.date_key, l.occurred_at,
       CASE WHEN l.event_type = 'status_changed' THEN l.from_status END,
       CASE WHEN l.event_type = 'status_changed' THEN l.to_status END,
       l.minutes, 1, l.actor_id, l.task_id,
       CASE WHEN l.event_type = 'assigned' THEN l.assignee_id END,
       CASE WHEN l.event_type = 'due_date_changed' THEN l.due_date END,
       l.path, l.line_no
FROM {lines} l
JOIN core.dim_task t ON t.task_id = l.task_id
LEFT JOIN core.dim_user u ON u.user_id = l.actor_id AND u.valid_from <= l.occurred_at AND l.occurred_at < u.valid_to
