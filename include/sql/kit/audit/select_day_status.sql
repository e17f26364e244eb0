-- A DAG's run of a business day: a success if there is one, else the latest.
SELECT status FROM audit.etl_run_log
WHERE dag_id = %(dag_id)s AND business_date = %(business_date)s
ORDER BY (status = 'success') DESC, started_at DESC
LIMIT 1
