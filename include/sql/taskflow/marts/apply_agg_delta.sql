-- Night D's changes (build_agg_delta.sql) into the cells: added to a cell, a cell left without
-- events goes; the pending events now counted leave the queue, and so do the tasks rescored.
-- The queues are emptied of what this build's snapshot sees (DELETE), so a load committing
-- meanwhile keeps its rows for the next build.
INSERT INTO marts.agg_daily_metrics_cells AS c SELECT * FROM tmp_agg_delta
ON CONFLICT (date_key, project_id) DO UPDATE
SET events = c.events + excluded.events,
    tasks_created = c.tasks_created + excluded.tasks_created,
    tasks_completed = c.tasks_completed + excluded.tasks_completed,
    completed_with_due_date = c.completed_with_due_date + excluded.completed_with_due_date,
    completed_on_time = c.completed_on_time + excluded.completed_on_time,
    reopened = c.reopened + excluded.reopened,
    cycle_seconds = c.cycle_seconds + excluded.cycle_seconds,
    cycles = c.cycles + excluded.cycles;
DELETE FROM marts.agg_daily_metrics_cells c
USING tmp_agg_delta d
WHERE c.date_key = d.date_key AND c.project_id = d.project_id AND c.events = 0;
DELETE FROM marts.agg_daily_metrics_pending_events WHERE occurred_at < %(cutoff)s;
DELETE FROM marts.agg_daily_metrics_changed_tasks
