-- agg_daily_metrics for every date <= D (%(as_of_date)s), every rule in one place.
-- cutoff = D+1 00:00 in the business timezone; only events before it count.
-- A task counts when it is not inferred and its deleted_at is NULL or >= cutoff.
-- An event's date is the business-timezone date of occurred_at: the fact's date_key, the
-- conformed date dimension's key (the load sets it so). A done event is a status_changed
-- event with to_status 'done'.
-- One row per (metric_date, project_id) with at least one event, of any type, of a counting
-- task; the project is the task's (dim_task.project_id, which never changes for a task).
-- tasks_created: task_created events. tasks_completed: done events. completed_with_due_date:
-- done events whose task's current due_date is not NULL; completed_on_time: those of them
-- whose date <= due_date, i.e. before due_date + 1 00:00 in the business timezone.
-- on_time_rate = completed_on_time / completed_with_due_date, NULL when that is 0.
-- reopened: status_changed events from 'done' to anything else.
-- avg_cycle_hours: the average over the day's done events of the hours from the task's
-- created_at (dim_task) to the event, as one exact division of the summed seconds.
-- Ratios and averages: round(numeric, n), half away from zero, to the column's scale.
-- Into a temp table, so the scan, the join and the aggregation run with parallel workers
-- (grouping on the integer date_key lets the planner size a hash aggregate); the publish
-- replaces the mart's rows from it in the same transaction.
CREATE TEMP TABLE tmp_agg_daily_metrics ON COMMIT DROP AS
WITH events AS (
    SELECT f.date_key,
           t.project_id,
           f.event_type,
           f.event_type = 'status_changed' AND f.to_status = 'done' AS done,
           f.event_type = 'status_changed' AND f.from_status = 'done'
               AND f.to_status IS DISTINCT FROM 'done' AS reopened,
           t.due_date,
           f.occurred_at,
           t.created_at
    FROM core.fact_task_events f
    JOIN core.dim_task t ON t.task_key = f.task_key
    WHERE f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
      AND NOT t.is_inferred
      AND (t.deleted_at IS NULL
           OR t.deleted_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
),
daily AS (
    SELECT date_key, project_id,
           count(*) FILTER (WHERE event_type = 'task_created') AS tasks_created,
           count(*) FILTER (WHERE done) AS tasks_completed,
           count(*) FILTER (WHERE done AND due_date IS NOT NULL) AS completed_with_due_date,
           count(*) FILTER (WHERE done AND due_date IS NOT NULL
                            AND occurred_at < ((due_date + 1)::timestamp AT TIME ZONE %(business_tz)s))
               AS completed_on_time,
           count(*) FILTER (WHERE reopened) AS reopened,
           sum(extract(epoch FROM occurred_at - created_at)) FILTER (WHERE done) AS cycle_seconds,
           count(created_at) FILTER (WHERE done) AS cycles
    FROM events
    GROUP BY date_key, project_id
)
SELECT d.full_date AS metric_date, daily.project_id::bigint,
       tasks_created::integer, tasks_completed::integer,
       completed_with_due_date::integer, completed_on_time::integer,
       round(completed_on_time::numeric / nullif(completed_with_due_date, 0), 4)::numeric(5, 4) AS on_time_rate,
       reopened::integer,
       round(cycle_seconds / (3600 * nullif(cycles, 0)), 2)::numeric(10, 2) AS avg_cycle_hours
FROM daily
JOIN core.dim_date d ON d.date_key = daily.date_key
