-- The done events of counting tasks in the 30 days up to the cutoff, [cutoff - 30 days, cutoff),
-- which project_health and user_productivity count. cutoff = D+1 00:00 in the business
-- timezone; cutoff - 30 days is local midnight 30 calendar days earlier (D-29 00:00), so the
-- window is the event dates D-29 .. D, and the 7-day window D-6 .. D.
CREATE TEMP TABLE tmp_done_30d ON COMMIT DROP AS
SELECT t.project_id, f.actor_id, f.occurred_at,
       (f.occurred_at AT TIME ZONE %(business_tz)s)::date AS event_date,
       t.due_date  -- the task's current due_date
FROM core.fact_task_events f
JOIN core.dim_task t ON t.task_key = f.task_key
WHERE f.event_type = 'status_changed' AND f.to_status = 'done'
  AND f.occurred_at >= ((%(as_of_date)s::date + 1 - 30)::timestamp AT TIME ZONE %(business_tz)s)
  AND f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
  AND NOT t.is_inferred
  AND (t.deleted_at IS NULL
       OR t.deleted_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
