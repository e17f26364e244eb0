-- The run that built the snapshot of as_of_date: the one the asset event names, else the
-- latest run of that business day that published its marts. With its status and failed mart checks.
SELECT r.run_id, r.status,
       (SELECT string_agg(q."check", ', ' ORDER BY q."check")
        FROM audit.data_quality_log q
        WHERE q.dag_id = r.dag_id AND q.run_id = r.run_id AND q."check" LIKE 'marts.%%' AND q.status = 'fail')
FROM audit.etl_run_log r
WHERE r.dag_id = %(source_dag_id)s AND r.business_date = %(as_of_date)s
  AND (r.run_id = %(source_run_id)s OR (%(source_run_id)s::text IS NULL AND r.table_counts ? 'marts'))
ORDER BY r.started_at DESC
LIMIT 1;
