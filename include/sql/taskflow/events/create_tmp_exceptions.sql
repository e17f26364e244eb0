-- Every line of the files this load processes that does not load, with its verdict; every
-- other line is new (new_lines.sql) and loads:
--   bad        it broke a rule: its reasons and its text;
--   duplicate  the same content as the event that holds its event_id (loaded before, or
--              earlier in (dt, path, line) order in this run): counted;
--   conflict   another content under an event_id already taken: quarantined with the event.
-- A duplicate or conflicting line keeps the task and the actor it names: the load infers a
-- member only for an id that a new line names.
-- A few lines of millions, so the new ones are read straight from staging, never copied.
CREATE TEMP TABLE tmp_event_exceptions ON COMMIT DROP AS
SELECT l.path, l.line_no, l.line_key, 'bad' AS verdict, NULL::bigint AS task_id, NULL::bigint AS actor_id, l.reasons,
       jsonb_build_object('path', l.path, 'line_no', l.line_no, 'line', l.raw) AS payload
FROM staging.taskflow_event_lines l
WHERE l.run_id = %(run_id)s AND l.reasons IS NOT NULL
UNION ALL
SELECT x.path, x.line_no, x.line_key, x.verdict, x.task_id, x.actor_id,
       CASE WHEN x.verdict = 'conflict' THEN ARRAY['conflicting_duplicate'] END,
       CASE WHEN x.verdict = 'conflict' THEN jsonb_build_object('path', x.path, 'line_no', x.line_no,
           'event', jsonb_strip_nulls(jsonb_build_object(
               'event_id', x.event_id, 'event_type', x.event_type, 'task_id', x.task_id, 'actor_id', x.actor_id,
               'occurred_at', x.occurred_at, 'from_status', x.from_status, 'to_status', x.to_status,
               'assignee_id', x.assignee_id, 'due_date', x.due_date))) END
FROM (SELECT k.*, CASE WHEN k.content_hash = k.known_hash THEN 'duplicate' ELSE 'conflict' END AS verdict
      FROM tmp_event_known k
      UNION ALL
      SELECT r.path, r.line_no, r.line_key, r.event_id, r.event_type, r.task_id, r.actor_id, r.occurred_at, r.from_status,
             r.to_status, r.assignee_id, r.due_date, r.content_hash, r.first_hash,
             CASE WHEN r.content_hash = r.first_hash THEN 'duplicate' ELSE 'conflict' END
      FROM tmp_event_ranks r
      WHERE r.seen > 1 AND NOT EXISTS (SELECT 1 FROM tmp_event_known k WHERE k.event_id = r.event_id)) x;
ANALYZE tmp_event_exceptions
