-- Pin the run's snapshot; a retry of the first task keeps what was pinned.
INSERT INTO audit.handoff_runs (dag_id, run_id, as_of_date, chosen_by, source_dag_id, source_run_id, full_resync)
VALUES (%(dag_id)s, %(run_id)s, %(as_of_date)s, %(chosen_by)s, %(source_dag_id)s, %(source_run_id)s,
        %(full_resync)s)
ON CONFLICT (dag_id, run_id) DO NOTHING;
