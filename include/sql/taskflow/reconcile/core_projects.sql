SELECT project_id AS key, source_updated_at AS updated_at, NULL::numeric AS amount
FROM core.dim_project WHERE NOT is_inferred
