UPDATE audit.etl_run_log
SET status = %(status)s, finished_at = now(),
    duration_seconds = round(extract(epoch FROM now() - started_at)::numeric, 2),
    error = %(error)s
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
