DELETE FROM staging.audience_members WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
