-- The tasks build_agg_delta.sql rescores: those a load queued (with their attributes as the
-- cells counted them, old_*) and those deleted between the two cutoffs, each with its attributes
-- as they are now. Analyzed: a night's few thousand then reach their facts through the fact's
-- task index; the planner's guess for an unanalyzed set hashed them against every fact.
CREATE TEMP TABLE tmp_agg_rescored ON COMMIT DROP AS
SELECT q.task_key,
       q.project_id AS old_project_id, q.is_inferred AS old_is_inferred, q.due_date AS old_due_date,
       q.created_at AS old_created_at, q.deleted_at AS old_deleted_at,
       t.project_id, t.is_inferred, t.due_date, t.created_at, t.deleted_at
FROM marts.agg_daily_metrics_changed_tasks q
JOIN core.dim_task t ON t.task_key = q.task_key
UNION ALL
SELECT t.task_key, t.project_id, t.is_inferred, t.due_date, t.created_at, t.deleted_at,
       t.project_id, t.is_inferred, t.due_date, t.created_at, t.deleted_at
FROM core.dim_task t
WHERE t.deleted_at >= %(previous_cutoff)s AND t.deleted_at < %(cutoff)s
  AND NOT EXISTS (SELECT 1 FROM marts.agg_daily_metrics_changed_tasks q WHERE q.task_key = t.task_key);
ANALYZE tmp_agg_rescored
