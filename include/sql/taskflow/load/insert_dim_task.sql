-- A first load into the empty dim_task (warehouse_kit.load.indexes_after_rows: no unique key
-- to merge on until the rows are in): every task of the batch is new.
INSERT INTO core.dim_task
    (task_id, project_id, project_key, title, priority, assignee_id, status, due_date, created_at,
     completed_at, deleted_at, is_inferred, source_updated_at)
{rows}
