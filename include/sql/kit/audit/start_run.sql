-- A run (or a cleared and re-run run) starts with a fresh log row.
INSERT INTO audit.etl_run_log AS r
    (run_id, dag_id, business_date, interval_start, interval_end, full_refresh, status, started_at)
VALUES (%(run_id)s, %(dag_id)s, %(business_date)s, %(interval_start)s, %(interval_end)s,
        %(full_refresh)s, 'running', now())
ON CONFLICT (dag_id, run_id) DO UPDATE
SET status = 'running', started_at = now(), finished_at = NULL, duration_seconds = NULL,
    table_counts = '{}'::jsonb, task_seconds = '{}'::jsonb, error = NULL,
    full_refresh = excluded.full_refresh;
