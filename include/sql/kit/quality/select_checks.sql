SELECT "check", status, observed, expected
FROM audit.data_quality_log
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND starts_with("check", %(prefix)s)
ORDER BY id
