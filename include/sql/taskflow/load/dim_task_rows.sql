-- The batch's tasks as dim_task rows (merge_dim_task.sql, insert_dim_task.sql): a task's
-- project_key is its project's, inferred members included (insert_inferred_projects.sql).
SELECT v.task_id, v.project_id, p.project_key, v.title, v.priority, v.assignee_id, v.status, v.due_date,
       v.created_at, v.completed_at, v.deleted_at, false, v.updated_at
FROM tmp_valid v
JOIN core.dim_project p ON p.project_id = v.project_id
