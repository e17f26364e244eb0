-- An event may name a task whose row reaches the database later: it loads against an
-- inferred dim_task member, filled in when the row arrives (load of tasks). The tasks the
-- valid lines name were counted while staging (staging.taskflow_event_keys); a task named only
-- by lines that do not load (duplicates, conflicts) is not inferred.
INSERT INTO core.dim_task (task_id, is_inferred)
SELECT k.id, true
FROM staging.taskflow_event_keys k
LEFT JOIN (SELECT task_id, count(*) AS lines FROM tmp_event_exceptions WHERE task_id IS NOT NULL
           GROUP BY task_id) e ON e.task_id = k.id
WHERE k.run_id = %(run_id)s AND k.kind = 'task'
  AND NOT EXISTS (SELECT 1 FROM core.dim_task t WHERE t.task_id = k.id)
  AND k.lines > coalesce(e.lines, 0)
ORDER BY k.id
