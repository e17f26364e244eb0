-- Rows changed in the interval for one table, averaged over the trailing 7 successful runs
-- (NULL: no history). Older runs logged only "extracted".
SELECT avg(coalesce(r.table_counts -> %(table)s ->> 'changed', r.table_counts -> %(table)s ->> 'extracted')::numeric)
FROM (
    SELECT table_counts FROM audit.etl_run_log
    WHERE dag_id = %(dag_id)s AND status = 'success' AND run_id <> %(run_id)s AND table_counts ? %(table)s
    ORDER BY business_date DESC, started_at DESC
    LIMIT 7
) r
