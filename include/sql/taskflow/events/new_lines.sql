(SELECT l.* FROM staging.taskflow_event_lines l
 WHERE l.run_id = %(run_id)s AND l.reasons IS NULL
   AND NOT EXISTS (SELECT 1 FROM tmp_event_exceptions e WHERE e.line_key = l.line_key))
