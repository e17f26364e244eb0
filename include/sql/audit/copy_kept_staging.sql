-- The rows of staging table {table} that finish keeps, set aside before it truncates the table.
CREATE TEMP TABLE tmp_kept_staging ON COMMIT DROP AS
SELECT s.*
FROM {table} s
WHERE s.run_id = %(run_id)s
   OR EXISTS (SELECT 1 FROM audit.etl_run_log r WHERE r.run_id = s.run_id AND r.status = 'running')
