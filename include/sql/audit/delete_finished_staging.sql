-- Drop the batches of finished runs other than this one from staging table {table}.
DELETE FROM {table} s
WHERE s.run_id <> %(run_id)s
  AND NOT EXISTS (SELECT 1 FROM audit.etl_run_log r WHERE r.run_id = s.run_id AND r.status = 'running')
