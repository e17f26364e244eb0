-- Events that loaded against an inferred task learn its project once the task's row arrives.
UPDATE core.fact_task_events f
SET project_key = t.project_key
FROM tmp_filled_tasks x
JOIN core.dim_task t ON t.task_key = x.task_key
WHERE f.task_key = t.task_key
  AND f.project_key IS DISTINCT FROM t.project_key
