-- agg_daily_metrics totals for every date <= D against the facts, counted again from core:
-- task_created and done events before the cutoff (D+1 00:00 in the business timezone) of the
-- tasks that count (no inferred task, none deleted before the cutoff). Each count reads its
-- partial index of the fact alone (create_fact_indexes.sql) and leaves out the few tasks that do
-- not count (NOT IN: task_key is never NULL; they are hashed while they fit in work_mem,
-- millions of them). They are read once ({uncounted}: uncounted_tasks.sql): each month's
-- partition builds its NOT IN hash again, from this list rather than from dim_task.
WITH uncounted AS MATERIALIZED ({uncounted})
SELECT (SELECT coalesce(sum(tasks_created), 0) FROM marts.agg_daily_metrics
        WHERE metric_date <= %(as_of_date)s)::bigint AS mart_created,
       (SELECT coalesce(sum(tasks_completed), 0) FROM marts.agg_daily_metrics
        WHERE metric_date <= %(as_of_date)s)::bigint AS mart_completed,
       (SELECT count(*) FROM core.fact_task_events f
        WHERE f.event_type = 'task_created'
          AND f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
          AND f.task_key NOT IN (SELECT task_key FROM uncounted)
       ) AS facts_created,
       (SELECT count(*) FROM core.fact_task_events f
        WHERE f.event_type = 'status_changed' AND f.to_status = 'done'
          AND f.occurred_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
          AND f.task_key NOT IN (SELECT task_key FROM uncounted)
       ) AS facts_completed
