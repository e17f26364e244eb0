DELETE FROM audit.data_quality_log
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND "check" = ANY(%(checks)s)
