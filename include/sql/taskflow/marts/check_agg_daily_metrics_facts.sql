-- agg_daily_metrics totals for every date <= D against the facts, counted again from core:
-- task_created and done events before the cutoff (D+1 00:00 in the business timezone) of the
-- tasks that count (no inferred task, none deleted before the cutoff).
SELECT (SELECT coalesce(sum(tasks_created), 0) FROM marts.agg_daily_metrics
        WHERE metric_date <= %(as_of_date)s)::bigint AS mart_created,
       (SELECT coalesce(sum(tasks_completed), 0) FROM marts.agg_daily_metrics
        WHERE metric_date <= %(as_of_date)s)::bigint AS mart_completed,
       count(*) FILTER (WHERE f.event_type = 'task_created') AS facts_created,
       count(*) FILTER (WHERE f.event_type = 'status_changed' AND f.to_status = 'done') AS facts_completed
FROM core.fact_task_events f
WHERE f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
  AND NOT EXISTS (
      SELECT 1 FROM core.dim_task t
      WHERE t.task_key = f.task_key
        AND (t.is_inferred
             OR t.deleted_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)))
