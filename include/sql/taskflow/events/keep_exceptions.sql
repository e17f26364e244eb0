-- A first load's exceptions (tmp_event_exceptions), committed for the fact's builders
-- (first_new_lines.sql) and for the load's own transaction (restore_exceptions.sql).
DELETE FROM staging.taskflow_event_exceptions WHERE run_id = %(run_id)s;
INSERT INTO staging.taskflow_event_exceptions
    (run_id, path, line_no, line_key, verdict, task_id, actor_id, reasons, payload)
SELECT %(run_id)s, e.path, e.line_no, e.line_key, e.verdict, e.task_id, e.actor_id, e.reasons, e.payload
FROM tmp_event_exceptions e;
ANALYZE staging.taskflow_event_exceptions
