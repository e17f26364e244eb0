-- Each pipeline's latest run, newest business day first within a pipeline.
SELECT DISTINCT ON (dag_id) dag_id, run_id, business_date, status, started_at, finished_at, error
FROM audit.etl_run_log
ORDER BY dag_id, business_date DESC, started_at DESC
