-- The run's staged files that a run beside this one processed meanwhile.
SELECT count(*) FROM staging.taskflow_event_files f
WHERE f.run_id = %(run_id)s AND f.path NOT IN (SELECT path FROM tmp_event_files)
