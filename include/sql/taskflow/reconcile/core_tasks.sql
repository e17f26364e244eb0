SELECT task_id AS key, source_updated_at AS updated_at, NULL::numeric AS amount
FROM core.dim_task WHERE NOT is_inferred
