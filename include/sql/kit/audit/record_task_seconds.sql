UPDATE audit.etl_run_log
SET task_seconds = task_seconds || jsonb_build_object(%(task)s::text, %(seconds)s::numeric)
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
