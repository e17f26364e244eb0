-- The tasks that do not count at the cutoff (D+1 00:00 in the business timezone): inferred, or
-- deleted before it. The marts' checks against the facts leave their facts out
-- (check_agg_daily_metrics_facts.sql, check_snapshot_facts.sql).
SELECT t.task_key FROM core.dim_task t
WHERE t.is_inferred
   OR t.deleted_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
