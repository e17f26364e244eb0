DELETE FROM audit.column_profile WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND table_name = %(table_name)s
