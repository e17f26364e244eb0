-- Everything counted again (build_agg_cells.sql): the cells become the new count; the pending
-- events are the facts at or after the cutoff (counted by a later night); no task waits.
-- Only builds write the cells, one at a time (lock_marts.sql): TRUNCATE is safe there. The
-- queues are emptied of what this build's snapshot sees (DELETE), so a load committing
-- meanwhile keeps its rows for the next build.
TRUNCATE marts.agg_daily_metrics_cells;
INSERT INTO marts.agg_daily_metrics_cells SELECT * FROM tmp_agg_cells ORDER BY date_key, project_id;
DELETE FROM marts.agg_daily_metrics_pending_events;
INSERT INTO marts.agg_daily_metrics_pending_events
    (event_id, task_key, date_key, occurred_at, event_type, from_status, to_status)
SELECT f.event_id, f.task_key, f.date_key, f.occurred_at, f.event_type, f.from_status, f.to_status
FROM core.fact_task_events f
WHERE f.occurred_at >= %(cutoff)s;
DELETE FROM marts.agg_daily_metrics_changed_tasks
