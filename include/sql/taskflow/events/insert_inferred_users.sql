-- An actor not yet in users gets an inferred dim_user member (valid for all time), filled in
-- when the row arrives (load of users); as for tasks (insert_inferred_tasks.sql), only an actor
-- that a line which loads names.
INSERT INTO core.dim_user (user_id, valid_from, is_inferred)
SELECT k.id, '1900-01-01 00:00:00+00'::timestamptz, true
FROM staging.taskflow_event_keys k
LEFT JOIN (SELECT actor_id, count(*) AS lines FROM tmp_event_exceptions WHERE actor_id IS NOT NULL
           GROUP BY actor_id) e ON e.actor_id = k.id
WHERE k.run_id = %(run_id)s AND k.kind = 'actor'
  AND NOT EXISTS (SELECT 1 FROM core.dim_user u WHERE u.user_id = k.id)
  AND k.lines > coalesce(e.lines, 0)
ORDER BY k.id
