-- A first load's tails (forget_status_tails.sql emptied the table): each task's last task_created
-- or status_changed event, inserted without ON CONFLICT (1.3 s against 2.4 s for 1M tails).
INSERT INTO core.task_status_tail (task_id, occurred_at, event_id)
SELECT m.task_id, m.occurred_at, m.event_id
FROM tmp_minutes m
WHERE m.is_new AND m.is_last
