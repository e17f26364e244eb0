-- agg_daily_metrics' rules, every one in this place, over the rows of {rows}: an event (its
-- date_key, event_type, from_status, to_status, occurred_at), its task's attributes
-- (project_id, is_inferred, deleted_at, due_date, created_at), a cutoff and a sign (+1 to add
-- the event to its cell, -1 to take it out: build_agg_delta.sql). Per (date_key, project_id):
-- - an event counts when it is before the cutoff (D+1 00:00 in the business timezone) and its
--   task counts: not inferred, deleted_at NULL or >= the cutoff. The date is the fact's
--   date_key, the business-timezone date of occurred_at (the load sets it so); the project is
--   the task's (dim_task.project_id, which never changes for a task);
-- - events: the counted events of any type (a mart row exists when this is not 0);
-- - tasks_created: task_created events; tasks_completed: done events (status_changed to
--   'done'); completed_with_due_date: done events whose task's current due_date is not NULL;
--   completed_on_time: those of them whose date <= due_date, i.e. before due_date + 1 00:00 in
--   the business timezone; reopened: status_changed events from 'done' to anything else;
-- - cycle_seconds and cycles: the seconds from the task's created_at to each done event, and
--   how many there are (avg_cycle_hours is one exact division of the two: build_agg_daily_metrics.sql).
SELECT date_key, project_id,
       sum(sign) AS events,
       coalesce(sum(sign) FILTER (WHERE event_type = 'task_created'), 0) AS tasks_created,
       coalesce(sum(sign) FILTER (WHERE done), 0) AS tasks_completed,
       coalesce(sum(sign) FILTER (WHERE done AND due_date IS NOT NULL), 0) AS completed_with_due_date,
       coalesce(sum(sign) FILTER (WHERE done AND due_date IS NOT NULL
                                  AND occurred_at < ((due_date + 1)::timestamp AT TIME ZONE %(business_tz)s)), 0)
           AS completed_on_time,
       coalesce(sum(sign) FILTER (WHERE reopened), 0) AS reopened,
       coalesce(sum(sign * extract(epoch FROM occurred_at - created_at)) FILTER (WHERE done), 0) AS cycle_seconds,
       coalesce(sum(sign) FILTER (WHERE done AND created_at IS NOT NULL), 0) AS cycles
FROM (SELECT r.date_key, r.project_id, r.event_type, r.occurred_at, r.due_date, r.created_at, r.sign,
             r.event_type = 'status_changed' AND r.to_status = 'done' AS done,
             r.event_type = 'status_changed' AND r.from_status = 'done'
                 AND r.to_status IS DISTINCT FROM 'done' AS reopened
      FROM {rows} r
      WHERE r.occurred_at < r.cutoff
        AND NOT r.is_inferred
        AND (r.deleted_at IS NULL OR r.deleted_at >= r.cutoff)) e
GROUP BY date_key, project_id
