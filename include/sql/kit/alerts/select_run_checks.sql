-- Every quality check one DAG run logged, in the order it logged them.
SELECT "check", status, observed, expected
FROM audit.data_quality_log
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s
ORDER BY id
