-- Lines of staged files that a run beside this one processed meanwhile (the load lock ordered
-- the two): they are that run's now, and this load reads only the files of tmp_event_files.
DELETE FROM staging.taskflow_event_lines l
WHERE l.run_id = %(run_id)s AND l.path NOT IN (SELECT path FROM tmp_event_files)
