-- A first load's tails (forget_status_tails.sql emptied the table): each task's last
-- task_created or status_changed event among its new lines ({new_lines}: new_lines.sql).
SET LOCAL work_mem = '512MB';
INSERT INTO core.task_status_tail (task_id, occurred_at, event_id)
SELECT DISTINCT ON (l.task_id) l.task_id, l.occurred_at, l.event_id
FROM {new_lines} l
WHERE l.event_type IN ('task_created', 'status_changed')
ORDER BY l.task_id, l.occurred_at DESC, l.event_id COLLATE "C" DESC
