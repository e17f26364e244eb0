-- A first load's exceptions as its first transaction judged them (keep_exceptions.sql).
CREATE TEMP TABLE tmp_event_exceptions ON COMMIT DROP AS
SELECT e.path, e.line_no, e.line_key, e.verdict, e.task_id, e.actor_id, e.reasons, e.payload
FROM staging.taskflow_event_exceptions e
WHERE e.run_id = %(run_id)s;
ANALYZE tmp_event_exceptions
