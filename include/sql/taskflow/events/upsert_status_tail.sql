-- Each task's last task_created or status_changed event, where tonight's new events moved it
-- (tmp_minutes: the last of a task's sequence, when new). A task whose last event is a fact
-- already (a late event landed before it) keeps its tail.
INSERT INTO core.task_status_tail AS s (task_id, occurred_at, event_id)
SELECT m.task_id, m.occurred_at, m.event_id
FROM tmp_minutes m
WHERE m.is_new AND m.is_last
ON CONFLICT (task_id) DO UPDATE SET occurred_at = excluded.occurred_at, event_id = excluded.event_id
