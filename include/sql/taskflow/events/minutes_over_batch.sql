-- A first load has every event of a task in its batch: the minutes since the latest earlier
-- task_created or status_changed event in (occurred_at, event_id) order, over the batch.
CASE WHEN l.event_type = 'status_changed' THEN round(extract(epoch FROM l.occurred_at - max(
    CASE WHEN l.event_type IN ('task_created', 'status_changed') THEN l.occurred_at END) OVER (
        PARTITION BY l.task_id ORDER BY l.occurred_at, l.event_id COLLATE "C"
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) / 60, 2) END
