-- Rows of staging table {table} that finish keeps (this run's batch and the batches of runs
-- still going), and all of its rows.
SELECT count(*) FILTER (WHERE s.run_id = %(run_id)s OR r.run_id IS NOT NULL) AS kept,
       count(*) AS total
FROM {table} s
LEFT JOIN audit.etl_run_log r ON r.run_id = s.run_id AND r.status = 'running'
