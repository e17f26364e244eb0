-- An event may name a task whose row reaches the database later: it loads against an
-- inferred dim_task member, filled in when the row arrives (load of tasks).
INSERT INTO core.dim_task (task_id, is_inferred)
SELECT DISTINCT l.task_id, true
FROM tmp_event_lines l
WHERE l.verdict = 'new'
  AND NOT EXISTS (SELECT 1 FROM core.dim_task t WHERE t.task_id = l.task_id)
