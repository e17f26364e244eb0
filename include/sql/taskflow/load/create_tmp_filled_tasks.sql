-- The inferred tasks of the batch (events loaded against them before their row arrived): the
-- merge fills them in, and only their events need the project. A task never changes project.
CREATE TEMP TABLE tmp_filled_tasks ON COMMIT DROP AS
SELECT t.task_key
FROM core.dim_task t
JOIN tmp_valid v ON v.task_id = t.task_id
WHERE t.is_inferred;
-- its size, for update_event_projects.sql: a night's few filled tasks reach their facts through
-- the task index, where the default guess for an unanalyzed table hashes them against every fact
ANALYZE tmp_filled_tasks
