-- A table's nightly volume: the rows its extract took inside each night's interval (the
-- lookback's re-reads left out), from the latest successful run of each business day, and
-- this run's own count for its day.
SELECT DISTINCT ON (business_date) business_date,
       coalesce(table_counts -> %(table)s ->> 'changed', table_counts -> %(table)s ->> 'extracted')::numeric
FROM audit.etl_run_log
WHERE dag_id = %(dag_id)s AND business_date BETWEEN %(first_day)s AND %(last_day)s
  AND (status = 'success' OR run_id = %(run_id)s) AND table_counts ? %(table)s
ORDER BY business_date, run_id = %(run_id)s DESC, started_at DESC;
