-- SCD1 upsert, newer wins; an inferred member (a project a task named first) is filled in.
INSERT INTO core.dim_project AS p
    (project_id, name, category, owner_user_id, created_at, archived_at, is_inferred, source_updated_at)
SELECT project_id, name, category, owner_user_id, created_at, archived_at, false, updated_at
FROM tmp_valid
ON CONFLICT (project_id) DO UPDATE
SET name = excluded.name, category = excluded.category, owner_user_id = excluded.owner_user_id,
    created_at = excluded.created_at, archived_at = excluded.archived_at,
    is_inferred = false, source_updated_at = excluded.source_updated_at
WHERE p.is_inferred OR excluded.source_updated_at > p.source_updated_at
