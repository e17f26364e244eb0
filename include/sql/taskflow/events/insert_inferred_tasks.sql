-- An event may name a task whose row reaches the database later: it loads against an
-- inferred dim_task member, filled in when the row arrives (load of tasks).
INSERT INTO core.dim_task (task_id, is_inferred)
SELECT DISTINCT task_id, true
FROM tmp_event_lines
WHERE verdict = 'new'
ON CONFLICT (task_id) DO NOTHING
