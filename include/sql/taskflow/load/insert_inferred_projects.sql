-- A task may name a project whose row has not reached the warehouse: it loads against an
-- inferred member, filled in when the row arrives.
INSERT INTO core.dim_project (project_id, is_inferred)
SELECT DISTINCT v.project_id, true
FROM tmp_valid v
WHERE NOT EXISTS (SELECT 1 FROM core.dim_project p WHERE p.project_id = v.project_id)
ON CONFLICT (project_id) DO NOTHING
