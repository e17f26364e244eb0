-- SCD1 upsert, newer wins; an inferred member (a task an event named first) is filled in.
INSERT INTO core.dim_task AS t
    (task_id, project_id, project_key, title, priority, assignee_id, status, due_date, created_at,
     completed_at, deleted_at, is_inferred, source_updated_at)
{rows}
ON CONFLICT (task_id) DO UPDATE
SET project_id = excluded.project_id, project_key = excluded.project_key, title = excluded.title,
    priority = excluded.priority, assignee_id = excluded.assignee_id, status = excluded.status,
    due_date = excluded.due_date, created_at = excluded.created_at,
    completed_at = excluded.completed_at, deleted_at = excluded.deleted_at,
    is_inferred = false, source_updated_at = excluded.source_updated_at
WHERE t.is_inferred OR excluded.source_updated_at > t.source_updated_at
