-- new_lines.sql for one of a first load's fact builders: the new lines of the tasks whose
-- task_id falls to builder %(builder)s of %(builders)s (a task's lines stay together), against
-- the exceptions the load committed (keep_exceptions.sql).
(SELECT l.* FROM staging.taskflow_event_lines l
 WHERE l.run_id = %(run_id)s AND l.reasons IS NULL
   AND (l.task_id %% %(builders)s + %(builders)s) %% %(builders)s = %(builder)s
   AND NOT EXISTS (SELECT 1 FROM staging.taskflow_event_exceptions e
                   WHERE e.run_id = l.run_id AND e.line_key = l.line_key))
