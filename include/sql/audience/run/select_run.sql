-- The handoff run's pinned snapshot and source run, once its first task chose them.
SELECT as_of_date, chosen_by, source_dag_id, source_run_id, campaigns, full_resync
FROM audit.handoff_runs
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
