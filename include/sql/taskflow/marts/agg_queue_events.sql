-- After the fact's insert (taskflow/events/insert_events.sql, the same {new_lines}): the new
-- facts, pending for agg_daily_metrics with what its rules read of them (build_agg_delta.sql).
INSERT INTO marts.agg_daily_metrics_pending_events
    (event_id, task_key, date_key, occurred_at, event_type, from_status, to_status)
SELECT l.event_id, t.task_key, l.date_key, l.occurred_at, l.event_type,
       CASE WHEN l.event_type = 'status_changed' THEN l.from_status END,
       CASE WHEN l.event_type = 'status_changed' THEN l.to_status END
FROM {new_lines} l
-- by key (OFFSET 0: see agg_queue_tasks.sql)
CROSS JOIN LATERAL (SELECT d.task_key FROM core.dim_task d WHERE d.task_id = l.task_id OFFSET 0) t
