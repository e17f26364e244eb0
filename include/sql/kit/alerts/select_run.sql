-- The run log row of one DAG run, for its morning summary.
SELECT business_date, status, duration_seconds, table_counts
FROM audit.etl_run_log
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s
